//! Command lines (spec.md section 3) as a [`Request`]: parsed by servers,
//! encoded by clients.

use crate::name::{Name, NameError};
use crate::reply::Code;

/// The largest upload size a client may announce (UPLOAD-1): 2^63 − 1.
const MAX_UPLOAD_SIZE: u64 = i64::MAX as u64;
/// The most digits of an upload size field (UPLOAD-1).
const MAX_SIZE_DIGITS: usize = 20;

/// One command of mftp/1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `connme`: repeat the greeting (CONNME-1).
    Connme,
    /// `ls [DIR]`: list the root or DIR (LS-1).
    Ls(Option<Name>),
    /// `size NAME` (SIZE-1).
    Size(Name),
    /// `download NAME` (DOWNLOAD-1).
    Download(Name),
    /// `upload BYTES NAME` (UPLOAD-1).
    Upload {
        /// The announced length of the data.
        size: u64,
        /// Where to store it.
        name: Name,
    },
    /// `rm NAME` (RM-1).
    Rm(Name),
    /// `byebye` (BYEBYE-1).
    Byebye,
}

/// Why a command line is not a valid request; each maps to one reply code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// FRAME-5.
    #[error("empty command line")]
    Empty,
    /// CMD-2.
    #[error("unknown command; try connme, ls, size, download, upload, rm or byebye")]
    UnknownVerb,
    /// CMD-3.
    #[error("{verb} needs {what}")]
    MissingArgument {
        /// The verb, lower case.
        verb: &'static str,
        /// What is missing, for the human.
        what: &'static str,
    },
    /// CMD-4.
    #[error("{verb} takes no argument")]
    UnexpectedArgument {
        /// The verb, lower case.
        verb: &'static str,
    },
    /// UPLOAD-1.
    #[error("bad size: 1 to 20 digits, at most 9223372036854775807")]
    BadSize,
    /// Section 4.
    #[error("{0}")]
    BadName(NameError),
}

impl ParseError {
    /// The reply code the spec gives this error.
    #[must_use]
    pub fn code(&self) -> Code {
        match self {
            ParseError::Empty | ParseError::UnknownVerb => Code::SyntaxError,
            ParseError::MissingArgument { .. }
            | ParseError::UnexpectedArgument { .. }
            | ParseError::BadSize => Code::BadArgument,
            ParseError::BadName(_) => Code::BadName,
        }
    }
}

impl Request {
    /// Parses one command line (framing already removed, FRAME-2).
    pub fn parse(line: &[u8]) -> Result<Self, ParseError> {
        if line.is_empty() {
            return Err(ParseError::Empty);
        }
        let (verb, argument) = match line.iter().position(|&b| b == b' ') {
            Some(sp) => (&line[..sp], Some(&line[sp + 1..])),
            None => (line, None),
        };
        // CMD-3: an empty argument counts as none.
        let argument = argument.filter(|arg| !arg.is_empty());
        let is = |word: &str| verb.eq_ignore_ascii_case(word.as_bytes());
        if is("size") {
            required("size", argument).and_then(name).map(Request::Size)
        } else if is("download") {
            required("download", argument)
                .and_then(name)
                .map(Request::Download)
        } else if is("upload") {
            upload(argument)
        } else if is("ls") {
            argument.map(name).transpose().map(Request::Ls)
        } else if is("rm") {
            required("rm", argument).and_then(name).map(Request::Rm)
        } else if is("connme") {
            no_argument("connme", argument).map(|()| Request::Connme)
        } else if is("byebye") {
            no_argument("byebye", argument).map(|()| Request::Byebye)
        } else {
            Err(ParseError::UnknownVerb)
        }
    }

    /// The command line as sent by a client, LF included.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(self.verb().as_bytes());
        if let Request::Upload { size, .. } = self {
            out.push(b' ');
            out.extend_from_slice(itoa::Buffer::new().format(*size).as_bytes());
        }
        if let Some(name) = self.name() {
            out.push(b' ');
            out.extend_from_slice(name.as_str().as_bytes());
        }
        out.push(b'\n');
        out
    }

    /// The name argument, if the command has one.
    fn name(&self) -> Option<&Name> {
        match self {
            Request::Connme | Request::Byebye => None,
            Request::Ls(dir) => dir.as_ref(),
            Request::Size(name)
            | Request::Download(name)
            | Request::Upload { name, .. }
            | Request::Rm(name) => Some(name),
        }
    }

    /// The verb, lower case, for logs.
    #[must_use]
    pub fn verb(&self) -> &'static str {
        match self {
            Request::Connme => "connme",
            Request::Ls(_) => "ls",
            Request::Size(_) => "size",
            Request::Download(_) => "download",
            Request::Upload { .. } => "upload",
            Request::Rm(_) => "rm",
            Request::Byebye => "byebye",
        }
    }
}

fn no_argument(verb: &'static str, argument: Option<&[u8]>) -> Result<(), ParseError> {
    match argument {
        None => Ok(()),
        Some(_) => Err(ParseError::UnexpectedArgument { verb }),
    }
}

fn required<'a>(verb: &'static str, argument: Option<&'a [u8]>) -> Result<&'a [u8], ParseError> {
    argument.ok_or(ParseError::MissingArgument {
        verb,
        what: "a name",
    })
}

fn name(bytes: &[u8]) -> Result<Name, ParseError> {
    Name::parse(bytes).map_err(ParseError::BadName)
}

/// `upload BYTES NAME` (UPLOAD-1, and the first two checks of UPLOAD-2).
fn upload(argument: Option<&[u8]>) -> Result<Request, ParseError> {
    let missing = ParseError::MissingArgument {
        verb: "upload",
        what: "a size and a name",
    };
    let argument = argument.ok_or(missing.clone())?;
    let (size, rest) = match argument.iter().position(|&b| b == b' ') {
        Some(sp) => (&argument[..sp], Some(&argument[sp + 1..])),
        None => (argument, None),
    };
    let size = parse_size(size)?;
    let rest = rest.filter(|name| !name.is_empty()).ok_or(missing)?;
    Ok(Request::Upload {
        size,
        name: name(rest)?,
    })
}

/// A size field: 1 to 20 ASCII digits, value at most 2^63 − 1.
fn parse_size(field: &[u8]) -> Result<u64, ParseError> {
    if field.is_empty() || field.len() > MAX_SIZE_DIGITS || !field.iter().all(u8::is_ascii_digit) {
        return Err(ParseError::BadSize);
    }
    let value = field
        .iter()
        .try_fold(0_u64, |acc, &d| {
            acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        })
        .ok_or(ParseError::BadSize)?;
    if value > MAX_UPLOAD_SIZE {
        return Err(ParseError::BadSize);
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Request, ParseError> {
        Request::parse(line.as_bytes())
    }

    fn code(line: &[u8]) -> u16 {
        Request::parse(line).map_or_else(|e| e.code().number(), |_| 0)
    }

    fn n(text: &str) -> Name {
        Name::parse(text.as_bytes()).expect("valid name")
    }

    #[test]
    fn verbs_are_case_insensitive() {
        // CMD-1
        assert_eq!(parse("LS"), Ok(Request::Ls(None)));
        assert_eq!(parse("Connme"), Ok(Request::Connme));
        assert_eq!(parse("DownLoad a"), Ok(Request::Download(n("a"))));
    }

    #[test]
    fn syntax_errors_are_500() {
        // FRAME-5, CMD-2
        for line in [
            &b""[..],
            b"list",
            b"ls\r",
            b"ls\tx",
            b"\xffls",
            b" ls",
            b"l s",
        ] {
            assert_eq!(code(line), 500, "{line:?}");
        }
    }

    #[test]
    fn argument_errors_are_501() {
        // CMD-3, CMD-4, UPLOAD-1
        for line in [
            "rm",
            "rm ",
            "size",
            "download ",
            "connme x",
            "byebye now",
            "upload",
            "upload ",
            "upload 5",
            "upload 5 ",
            "upload x a",
            "upload -1 a",
            "upload 1e3 a",
            "upload  5 a",
            "upload 9223372036854775808 a",
            "upload 000000000000000000001 a",
        ] {
            assert_eq!(code(line.as_bytes()), 501, "{line:?}");
        }
    }

    #[test]
    fn arguments_are_literal() {
        // CMD-5
        assert_eq!(parse("size  a"), Ok(Request::Size(n(" a"))));
        assert_eq!(parse("rm a "), Ok(Request::Rm(n("a "))));
        assert_eq!(
            parse("upload 3 my file.txt"),
            Ok(Request::Upload {
                size: 3,
                name: n("my file.txt")
            })
        );
        assert_eq!(parse("ls "), Ok(Request::Ls(None)));
    }

    #[test]
    fn upload_sizes() {
        // UPLOAD-1
        assert_eq!(
            parse("upload 007 a"),
            Ok(Request::Upload {
                size: 7,
                name: n("a")
            })
        );
        assert_eq!(
            parse("upload 9223372036854775807 a"),
            Ok(Request::Upload {
                size: MAX_UPLOAD_SIZE,
                name: n("a")
            })
        );
        assert_eq!(
            parse("upload 00000000000000000001 a"),
            Ok(Request::Upload {
                size: 1,
                name: n("a")
            })
        );
    }

    #[test]
    fn size_is_checked_before_name() {
        // UPLOAD-2 order: 501 before 553.
        assert_eq!(code(b"upload x ../a"), 501);
        assert_eq!(code(b"upload 1 ../a"), 553);
    }

    #[test]
    fn bad_names_are_553() {
        for line in [
            &b"size ../x"[..],
            b"rm /etc/passwd",
            b"download a\\b",
            b"ls a/",
            b"size a\x00",
        ] {
            assert_eq!(code(line), 553, "{line:?}");
        }
    }

    #[test]
    fn encode_round_trips() {
        for request in [
            Request::Connme,
            Request::Ls(None),
            Request::Ls(Some(n("docs"))),
            Request::Size(n("a b")),
            Request::Download(n("x")),
            Request::Upload {
                size: 12,
                name: n("my file"),
            },
            Request::Rm(n("y")),
            Request::Byebye,
        ] {
            let line = request.encode();
            assert_eq!(line.last(), Some(&b'\n'));
            assert_eq!(Request::parse(&line[..line.len() - 1]), Ok(request));
        }
    }
}
