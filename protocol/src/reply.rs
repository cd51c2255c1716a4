//! Reply codes (spec.md section 15) and reply lines, both ways: the one
//! encoder of reply lines ([`encode_reply`]) and their parsers
//! ([`ReplyLine`], [`Reply`], [`FileSize`]).

use std::fmt;
use std::io::Write as _;

/// Every reply code of mftp/1, one doc line each (spec.md section 15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum Code {
    /// Data follows (`download`) or send the data (`upload`); field: bytes.
    DataFollows = 150,
    /// Listing follows; field: entry count.
    Listing = 200,
    /// File size; fields: bytes, megabytes, `MB`.
    FileSize = 213,
    /// Greeting; field: `mftp/1`.
    Ready = 220,
    /// Goodbye; the server closes the connection.
    Goodbye = 221,
    /// Upload stored; field: bytes.
    Stored = 226,
    /// File removed.
    Removed = 250,
    /// Service closing this connection (idle, too many connections, shutdown).
    Closing = 421,
    /// Local I/O error; the upload was not stored.
    IoError = 451,
    /// Insufficient storage; the upload was not stored.
    NoSpace = 452,
    /// Syntax error: unknown verb, empty line, line too long.
    SyntaxError = 500,
    /// Bad argument: missing, extra or malformed.
    BadArgument = 501,
    /// No such file or directory.
    NotFound = 550,
    /// Wrong kind: a directory where a file is needed, or the reverse.
    WrongKind = 551,
    /// Upload larger than the server's limit.
    TooLarge = 552,
    /// Name not allowed (spec.md section 4).
    BadName = 553,
    /// Name already exists; uploads never replace.
    Exists = 554,
    /// Not permitted: the server is read-only.
    ReadOnly = 556,
}

impl Code {
    /// Every code, in numeric order.
    const ALL: [Code; 18] = [
        Code::DataFollows,
        Code::Listing,
        Code::FileSize,
        Code::Ready,
        Code::Goodbye,
        Code::Stored,
        Code::Removed,
        Code::Closing,
        Code::IoError,
        Code::NoSpace,
        Code::SyntaxError,
        Code::BadArgument,
        Code::NotFound,
        Code::WrongKind,
        Code::TooLarge,
        Code::BadName,
        Code::Exists,
        Code::ReadOnly,
    ];

    /// The three-digit number.
    #[must_use]
    pub fn number(self) -> u16 {
        self as u16
    }

    /// The number as its three ASCII digits, as sent on the wire.
    fn digits(self) -> [u8; 3] {
        let n = self.number();
        // Every code is in 100..=599, so each quotient is one digit.
        [digit(n / 100), digit(n / 10 % 10), digit(n % 10)]
    }

    /// The code with this number, if mftp/1 defines it.
    #[must_use]
    pub fn from_number(number: u16) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.number() == number)
    }

    /// A short human meaning, for clients showing errors.
    #[must_use]
    pub fn meaning(self) -> &'static str {
        match self {
            Code::DataFollows => "data follows",
            Code::Listing => "listing follows",
            Code::FileSize => "file size",
            Code::Ready => "ready",
            Code::Goodbye => "goodbye",
            Code::Stored => "stored",
            Code::Removed => "removed",
            Code::Closing => "server closed the connection",
            Code::IoError => "server I/O error, nothing stored",
            Code::NoSpace => "server out of space, nothing stored",
            Code::SyntaxError => "unknown command",
            Code::BadArgument => "bad argument",
            Code::NotFound => "no such file or directory",
            Code::WrongKind => "wrong kind (directory vs. file)",
            Code::TooLarge => "file larger than the server accepts",
            Code::BadName => "name not allowed",
            Code::Exists => "name already exists",
            Code::ReadOnly => "server is read-only",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

/// One reply line: a code and the text after it (fields first, FRAME-6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit code as sent; it may be one mftp/1 does not define.
    pub code: u16,
    /// Everything after the code and its SP.
    pub text: String,
}

/// Why a reply line could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed reply line: {0:?}")]
pub struct BadReply(String);

impl Reply {
    /// Parses a line (without its LF; a trailing CR is already gone).
    pub fn parse(line: &[u8]) -> Result<Self, BadReply> {
        ReplyLine::parse(line).map(|reply| Self {
            code: reply.code,
            text: reply.text.to_owned(),
        })
    }

    /// True for 1xx and 2xx.
    #[must_use]
    pub fn is_success(&self) -> bool {
        (100..300).contains(&self.code)
    }

    /// The first field: the text up to the first SP.
    #[must_use]
    pub fn first_field(&self) -> &str {
        first_field(&self.text)
    }

    /// The first field as a decimal number (`150`, `200`, `213`, `226`).
    #[must_use]
    pub fn number_field(&self) -> Option<u64> {
        number_field(&self.text)
    }
}

/// A reply line borrowed from the buffer it was read into: [`Reply`]
/// without the allocation, for clients that check many replies (the
/// benchmarks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyLine<'a> {
    /// The three-digit code as sent.
    pub code: u16,
    /// Everything after the code and its SP.
    pub text: &'a str,
}

impl<'a> ReplyLine<'a> {
    /// Parses a line (without its LF; a trailing CR is already gone).
    /// Allocates only to report a malformed line.
    pub fn parse(line: &'a [u8]) -> Result<Self, BadReply> {
        let bad = || BadReply(String::from_utf8_lossy(line).into_owned());
        let (digits, rest) = line.split_at_checked(3).ok_or_else(bad)?;
        // `code = %x31-35 2DIGIT` (FRAME-6): 6xx to 9xx are not replies.
        if !digits.iter().all(u8::is_ascii_digit) || !(b'1'..=b'5').contains(&digits[0]) {
            return Err(bad());
        }
        let text = match rest {
            [] => &[][..],
            [b' ', text @ ..] => text,
            _ => return Err(bad()),
        };
        let code = digits
            .iter()
            .fold(0_u16, |acc, &d| acc * 10 + u16::from(d - b'0'));
        let text = std::str::from_utf8(text).map_err(|_| bad())?;
        Ok(Self { code, text })
    }

    /// The first field as a decimal number, as [`Reply::number_field`].
    #[must_use]
    pub fn number_field(&self) -> Option<u64> {
        number_field(self.text)
    }
}

fn first_field(text: &str) -> &str {
    text.split(' ').next().unwrap_or("")
}

fn number_field(text: &str) -> Option<u64> {
    let field = first_field(text);
    if field.is_empty() || !field.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    field.parse().ok()
}

/// One decimal digit as ASCII (`n` < 10).
fn digit(n: u16) -> u8 {
    // n < 10 always fits; `as` cannot truncate here.
    b'0' + (n % 10) as u8
}

/// Appends the reply line `code SP text LF` (FRAME-6) to `out`.
///
/// The one encoder of reply lines: the server writes every reply with it
/// into its reused output buffer, and the benchmarks build the replies they
/// compare against with it. It allocates nothing beyond `out`'s growth, so
/// `text` is best a `Display` that writes its fields straight into the
/// buffer ([`FileSizeText`], a number) rather than a formatted `String`.
/// `text` must hold no control bytes (FRAME-6).
///
/// ```
/// use mftp_protocol::{Code, FileSizeText, encode_reply};
/// let mut out = Vec::new();
/// encode_reply(&mut out, Code::FileSize, FileSizeText(131_072));
/// encode_reply(&mut out, Code::Stored, 5);
/// assert_eq!(out, b"213 131072 0.13 MB\n226 5\n");
/// ```
pub fn encode_reply(out: &mut Vec<u8>, code: Code, text: impl fmt::Display) {
    out.extend_from_slice(&code.digits());
    out.push(b' ');
    // Writing into a Vec cannot fail.
    let _ = write!(out, "{text}");
    out.push(b'\n');
}

/// The `<mb>` field of `size` (SIZE-2): bytes / 1 048 576, two decimals,
/// rounded half away from zero with integer arithmetic; a `Display` that
/// does not allocate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Megabytes(u64);

impl fmt::Display for Megabytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hundredths = (u128::from(self.0) * 100 + 524_288) / 1_048_576;
        // At most (2^64 - 1) * 100 / 2^20 + 1, well inside u64.
        let hundredths = u64::try_from(hundredths).unwrap_or(u64::MAX);
        let fraction = u16::try_from(hundredths % 100).unwrap_or(0);
        f.write_str(itoa::Buffer::new().format(hundredths / 100))?;
        let fraction = [b'.', digit(fraction / 10), digit(fraction % 10)];
        f.write_str(std::str::from_utf8(&fraction).map_err(|_| fmt::Error)?)
    }
}

/// The text of a `213` reply (SIZE-1) for a file of this many bytes:
/// `<bytes> <mb> MB`, `<mb>` as SIZE-2 fixes it. The server's side;
/// [`FileSize::parse`] is the client's.
///
/// ```
/// let text = mftp_protocol::FileSizeText(131_072).to_string();
/// assert_eq!(text, "131072 0.13 MB");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileSizeText(pub u64);

impl fmt::Display for FileSizeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(itoa::Buffer::new().format(self.0))?;
        f.write_str(" ")?;
        Megabytes(self.0).fmt(f)?;
        f.write_str(" MB")
    }
}

/// The fields of a `213` reply (SIZE-1) as a client reads them: the
/// inverse of [`FileSizeText`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSize {
    /// The file's exact length.
    pub bytes: u64,
    /// `<mb>` exactly as the server wrote it (SIZE-2): digits, `.`, two
    /// digits.
    pub megabytes: String,
}

impl FileSize {
    /// Parses the text of a `213` reply: `<bytes> SP <mb> SP "MB"`, then
    /// optionally SP and free text (spec.md section 2.1, `size-reply`).
    ///
    /// ```
    /// use mftp_protocol::{FileSize, FileSizeText};
    /// let size = FileSize::parse(&FileSizeText(131_072).to_string());
    /// assert_eq!(size.map(|s| (s.bytes, s.megabytes)), Ok((131_072, "0.13".to_owned())));
    /// ```
    ///
    /// # Errors
    /// When a field is missing or malformed.
    pub fn parse(text: &str) -> Result<Self, BadReply> {
        let bad = || {
            let mut line = Vec::new();
            encode_reply(&mut line, Code::FileSize, text);
            line.pop();
            BadReply(String::from_utf8_lossy(&line).into_owned())
        };
        let bytes = number_field(text).ok_or_else(bad)?;
        let mut fields = text.split(' ').skip(1);
        match (fields.next(), fields.next()) {
            (Some(megabytes), Some("MB")) if is_megabytes(megabytes) => Ok(Self {
                bytes,
                megabytes: megabytes.to_owned(),
            }),
            _ => Err(bad()),
        }
    }
}

/// `megabytes = 1*DIGIT "." 2DIGIT` (spec.md section 2.1).
fn is_megabytes(field: &str) -> bool {
    field.split_once('.').is_some_and(|(whole, hundredths)| {
        !whole.is_empty()
            && hundredths.len() == 2
            && whole
                .bytes()
                .chain(hundredths.bytes())
                .all(|b| b.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn megabytes(bytes: u64) -> String {
        Megabytes(bytes).to_string()
    }

    #[test]
    fn megabytes_matches_the_spec_table() {
        // SIZE-2 table in spec.md section 7.
        let table = [
            (0, "0.00"),
            (5242, "0.00"),
            (5243, "0.01"),
            (131_072, "0.13"),
            (655_360, "0.63"),
            (1_048_576, "1.00"),
            (1_572_864, "1.50"),
            (9_223_372_036_854_775_807, "8796093022208.00"),
        ];
        for (bytes, want) in table {
            assert_eq!(megabytes(bytes), want, "{bytes}");
        }
    }

    #[test]
    fn reply_lines_parse() {
        let reply = Reply::parse(b"213 131072 0.13 MB").expect("valid");
        assert_eq!((reply.code, reply.number_field()), (213, Some(131_072)));
        assert_eq!(Reply::parse(b"221").map(|r| r.code), Ok(221));
        assert!(Reply::parse(b"22").is_err());
        assert!(Reply::parse(b"2x1 hi").is_err());
        assert!(Reply::parse(b"2211 hi").is_err());
        assert!(Reply::parse(b"099 hi").is_err());
        let line = ReplyLine::parse(b"150 5").expect("valid");
        assert_eq!(
            (line.code, line.text, line.number_field()),
            (150, "5", Some(5))
        );
        assert_eq!(ReplyLine::parse(b"250").map(|r| r.number_field()), Ok(None));
    }

    #[test]
    fn megabytes_at_the_extremes() {
        assert_eq!(megabytes(u64::MAX), "17592186044416.00");
        assert_eq!(megabytes(1_048_575), "1.00");
        assert_eq!(FileSizeText(0).to_string(), "0 0.00 MB");
    }

    #[test]
    fn digits_are_the_number() {
        for code in Code::ALL {
            assert_eq!(code.digits(), code.number().to_string().as_bytes());
        }
    }

    #[test]
    fn codes_round_trip() {
        for code in Code::ALL {
            assert_eq!(Code::from_number(code.number()), Some(code));
        }
    }

    #[test]
    fn replies_are_encoded_as_spec_md_shows_them() {
        // SIZE-1 table, FRAME-1, FRAME-6.
        let mut out = Vec::new();
        encode_reply(
            &mut out,
            Code::FileSize,
            FileSizeText(9_223_372_036_854_775_807),
        );
        assert_eq!(out, b"213 9223372036854775807 8796093022208.00 MB\n");
        out.clear();
        encode_reply(&mut out, Code::Ready, crate::GREETING);
        assert_eq!(out, b"220 mftp/1 ready\n");
        let line = ReplyLine::parse(&out[..out.len() - 1]).expect("valid");
        assert_eq!((line.code, line.text), (220, crate::GREETING));
    }

    #[test]
    fn size_replies_parse_back() {
        for bytes in [0, 5243, 131_072, u64::MAX] {
            let parsed = FileSize::parse(&FileSizeText(bytes).to_string()).expect("valid");
            assert_eq!((parsed.bytes, parsed.megabytes), (bytes, megabytes(bytes)));
        }
        let with_text = FileSize::parse("5 0.00 MB (tiny)").expect("free text may follow");
        assert_eq!(with_text.bytes, 5);
        assert_eq!(
            FileSize::parse("5 x MB").map_err(|e| e.to_string()),
            Err("malformed reply line: \"213 5 x MB\"".to_owned())
        );
        for bad in [
            "",
            "5",
            "5 0.00",
            "5 0.00 mb",
            "5  0.00 MB",
            "x 0.00 MB",
            "5 .00 MB",
            "5 0.0 MB",
            "5 0.000 MB",
            "5 0,00 MB",
            "5 1.0\u{1b} MB",
            "99999999999999999999999 0.00 MB",
        ] {
            assert!(FileSize::parse(bad).is_err(), "{bad:?}");
        }
    }
}
