//! The rows of the kill table: how the Python server is started for each
//! (clean, one bug, one allowed variant), the clauses the suite must blame
//! and may blame with it, and why. Data only; `../kill_table.rs` runs and
//! checks them.

/// How the Python server is started for one row of the table.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// No switch: it conforms.
    Clean,
    /// `--bug NAME`: one deliberate mistake the suite must catch.
    Bug(&'static str),
    /// `--variant NAME`: a behaviour the spec allows; the suite must not
    /// fail any MUST clause for it.
    Allowed(&'static str),
}

/// One server variant and what the suite must say about it.
pub struct Variant {
    pub server: Server,
    /// Clauses that must be failing (a failing step of some case checks
    /// them). For an allowed variant: SHOULD clauses only.
    pub breaks: &'static [&'static str],
    /// Clauses that may fail as well: a case is knowably stopped at them by
    /// this bug. For an allowed variant: SHOULD clauses only.
    pub collateral: &'static [&'static str],
    /// Why, in one line.
    pub why: &'static str,
}

pub use Server::{Allowed, Bug, Clean};

/// Bugs whose `breaks` the suite does not blame reliably yet: a known
/// problem of the suite, not of the server or the table. For these rows a
/// clause of `breaks` may be missing, as long as the bug is caught (exit
/// status 1) and blamed on nothing outside `breaks` and `collateral`. Drop
/// an entry once the suite is fixed.
pub const KNOWN_GAPS: &[(&str, &str)] = &[];

/// The known gap of this row, if any.
pub fn known_gap(v: &Variant) -> Option<&'static str> {
    match v.server {
        Bug(b) => KNOWN_GAPS
            .iter()
            .find(|(g, _)| *g == b)
            .map(|(_, why)| *why),
        Clean | Allowed(_) => None,
    }
}

/// Derived from repeated runs, alone and three at a time under load; see
/// README.md ("Kill table").
pub const TABLE: &[Variant] = &[
    Variant {
        server: Clean,
        breaks: &[],
        collateral: &[],
        why: "the independent implementation conforms",
    },
    Variant {
        server: Bug("single-recv"),
        breaks: &["FRAME-3", "FRAME-4", "PIPE-1", "PIPE-2"],
        collateral: &["FRAME-10", "FRAME-9"],
        why: "one recv() is one command: split lines, lines in one write, 4096 bytes without LF, bytes after data; the FRAME-10 case's three lines in one write are one command, and the FRAME-9 case's long line is answered `500 unknown command` per 4096 bytes with no close (SHOULD)",
    },
    Variant {
        server: Bug("upload-in-place"),
        breaks: &["UPLOAD-6", "LIMIT-2", "SEC-4"],
        collateral: &["UPLOAD-5"],
        why: "the partial file is visible and left behind; racers that pass the existence check before the first creates the file all get 226 (UPLOAD-5), depending on thread timing",
    },
    Variant {
        server: Bug("upload-replaces"),
        breaks: &["UPLOAD-2", "UPLOAD-5"],
        collateral: &["SEC-5"],
        why: "an upload onto an existing name gets 150 instead of 554; onto a FIFO too (SEC-5: its name exists)",
    },
    Variant {
        server: Bug("dotdot"),
        breaks: &["NAME-4", "NAME-6", "SEC-1"],
        collateral: &["UPLOAD-2"],
        why: "`.`/`..` accepted; the check-order case's `upload 5 docs/../a.txt` then meets an existing file (554, not 553)",
    },
    Variant {
        server: Bug("follow-symlinks"),
        breaks: &["LS-5", "SEC-3"],
        collateral: &[],
        why: "links out of the root are listed and followed (SEC-3 is the specific clause for reading through them)",
    },
    Variant {
        server: Bug("no-crlf"),
        breaks: &["FRAME-2"],
        collateral: &[],
        why: "`ls docs\\r\\n` asks for `docs\\r`",
    },
    Variant {
        server: Bug("case-sensitive"),
        breaks: &["CMD-1"],
        collateral: &[],
        why: "`LS` is an unknown verb",
    },
    Variant {
        server: Bug("ls-unsorted"),
        breaks: &["LS-3"],
        collateral: &[],
        why: "entries in reverse byte order",
    },
    Variant {
        server: Bug("ls-no-slash"),
        breaks: &["LS-2"],
        collateral: &[],
        why: "directories listed without `/`",
    },
    Variant {
        server: Bug("size-float"),
        breaks: &["SIZE-2"],
        collateral: &[],
        why: "131072 bytes print as 0.12 MB",
    },
    Variant {
        server: Bug("download-wrong-size"),
        breaks: &["DOWNLOAD-1"],
        collateral: &["SEC-6"],
        why: "`150 <size+1>` for every file; the SEC-6 case blames every failure of its link steps on SEC-6, `150 6` for `download back.txt` too",
    },
    Variant {
        server: Bug("early-226"),
        breaks: &["UPLOAD-3", "UPLOAD-4"],
        collateral: &["UPLOAD-5"],
        why: "226 before the data: a stalled upload gets 226, the file is not there yet; racers checked before the first is stored all win (UPLOAD-5), unless load serialises them",
    },
    Variant {
        server: Bug("die-on-unknown"),
        breaks: &["CMD-2", "CMD-6"],
        collateral: &[],
        why: "the connection is closed after the 500 for an unknown verb",
    },
    Variant {
        server: Bug("one-client"),
        breaks: &["CONC-1"],
        collateral: &["LIMIT-1"],
        why: "a second client is not greeted while the first is connected; in the idle case it is greeted only after the first one's 421 and lingering close, and the suite reads that 421 after the second one's 1.8 s of commands (\"421 after 3.8 s\")",
    },
    Variant {
        server: Bug("wrong-code"),
        breaks: &["LS-4", "SIZE-3", "DOWNLOAD-3", "UPLOAD-2", "RM-2"],
        collateral: &["NAME-9", "SEC-5", "SEC-6"],
        why: "450 for missing names, blamed on each command's missing-name clause, except by the 1.1 cases of NAME-9, SEC-5 and SEC-6, which expect their 550 directly",
    },
    Variant {
        server: Bug("no-line-limit"),
        breaks: &["FRAME-4"],
        collateral: &[],
        why: "no 500 and close at 4096 bytes without LF",
    },
    Variant {
        server: Bug("no-idle-timeout"),
        breaks: &["LIMIT-1"],
        collateral: &[],
        why: "--idle-timeout accepted but never fires (LIMIT-2 is then blocked, not failing)",
    },
    Variant {
        server: Bug("strip-arg"),
        breaks: &["CMD-5"],
        collateral: &["UPLOAD-1"],
        why: "arguments trimmed; `upload  5 x.txt` then has a well-formed size field",
    },
    Variant {
        server: Bug("empty-line-closes"),
        breaks: &["FRAME-5"],
        collateral: &[],
        why: "an empty line closes the connection instead of getting 500",
    },
    Variant {
        server: Bug("no-conn-limit"),
        breaks: &["LIMIT-3"],
        collateral: &[],
        why: "--max-connections accepted but ignored",
    },
    // Added with spec 1.1.
    Variant {
        server: Bug("unicode-verbs"),
        breaks: &["CMD-1"],
        collateral: &[],
        why: "verbs matched after Unicode casefold(): `ſize a.txt` is served",
    },
    Variant {
        server: Bug("char-limits"),
        breaks: &["NAME-3"],
        collateral: &[],
        why: "lengths in characters: a 256-byte component of 128 `é` gets 550 (the case stops there, before its 1025-byte name of NAME-2)",
    },
    Variant {
        server: Bug("nfc-names"),
        breaks: &["NAME-7"],
        collateral: &[],
        why: "names normalized to NFC: the NFC spelling finds the NFD file",
    },
    Variant {
        server: Bug("utf16-order"),
        breaks: &["LS-3"],
        collateral: &[],
        why: "listing sorted by UTF-16 code units: `😀` before U+E000",
    },
    Variant {
        server: Bug("lenient-size"),
        breaks: &["UPLOAD-1"],
        collateral: &[],
        why: "int() judges the size: `upload +5 x.txt` gets 150",
    },
    Variant {
        server: Bug("float-mb"),
        breaks: &["SIZE-2"],
        collateral: &[],
        why: "megabytes in doubles: wrong above 2^53 bytes only",
    },
    Variant {
        server: Bug("alloc-upload"),
        breaks: &["UPLOAD-3"],
        collateral: &[],
        why: "a buffer of the announced size: `upload 9223372036854775807 …` gets 451",
    },
    Variant {
        server: Bug("int32-size"),
        breaks: &["SIZE-1"],
        collateral: &[],
        why: "sizes through 32 bits: `size 4g.bin` is 5 bytes (the case stops there, before its download of DOWNLOAD-1)",
    },
    Variant {
        server: Bug("grow-download"),
        breaks: &["DOWNLOAD-4"],
        collateral: &[],
        why: "sends until EOF: the bytes appended during a download follow the announced ones",
    },
    Variant {
        server: Bug("shrink-pad"),
        breaks: &["DOWNLOAD-4"],
        collateral: &[],
        why: "pads a shrunk file with zeros instead of closing",
    },
    Variant {
        server: Bug("dies-on-reset"),
        breaks: &["CONC-2"],
        collateral: &[],
        why: "the process exits when a client resets a transfer; whichever step meets the dead server, the runner blames CONC-2 once it sees the process gone",
    },
    Variant {
        server: Bug("early-input-lost"),
        breaks: &["FRAME-1"],
        collateral: &[],
        why: "input sent before the greeting is discarded: no reply within the step timeout",
    },
    Variant {
        server: Bug("split-whitespace"),
        breaks: &["CMD-2", "CMD-5"],
        collateral: &["FRAME-2", "UPLOAD-1"],
        why: "split at any whitespace: `size\\ta.txt` served, `size  a` asks for `a`; `connme\\r\\r` loses its CR as whitespace (FRAME-2), `upload  5 x.txt` its space before the size (UPLOAD-1)",
    },
    Variant {
        server: Bug("fd-leak"),
        breaks: &["CONC-3"],
        collateral: &[],
        why: "downloads never close their file: at 256 open files `ls docs` gets 451",
    },
    Variant {
        server: Bug("rm-dir-link"),
        breaks: &["RM-4"],
        collateral: &[],
        why: "`rm` of a link to a directory removes the link",
    },
    Variant {
        server: Bug("notdir-551"),
        breaks: &["NAME-9"],
        collateral: &["SIZE-3"],
        why: "ENOTDIR taken as wrong kind: `size a.txt/x` gets 551; the NAME-3 case's `size` through a file is blamed on size's missing-name clause",
    },
    Variant {
        server: Bug("drop-on-eof"),
        breaks: &["FRAME-10"],
        collateral: &[],
        why: "lines still buffered at a half-close are dropped",
    },
    Variant {
        server: Bug("abrupt-close"),
        breaks: &["FRAME-9"],
        collateral: &[],
        why: "no lingering close after `500`: a reset (SHOULD only, so exit 0)",
    },
    Variant {
        server: Bug("idle-from-last-byte"),
        breaks: &["LIMIT-1"],
        collateral: &[],
        why: "the idle timer runs during a download: `421` right after one longer than the timeout",
    },
    Variant {
        server: Bug("ignore-read-only"),
        breaks: &["LIMIT-5"],
        collateral: &[],
        why: "--read-only accepted but ignored: uploads get 150",
    },
    Variant {
        server: Bug("fifo-blocks"),
        breaks: &["SEC-5"],
        collateral: &[],
        why: "open() before the type check: `size pipe` hangs that client",
    },
    Variant {
        server: Bug("abs-link-mixed"),
        breaks: &["SEC-6"],
        collateral: &[],
        why: "absolute links inside the root followed by size/download but not listed",
    },
    Variant {
        server: Bug("rm-while-uploading"),
        breaks: &["UPLOAD-6"],
        collateral: &[],
        why: "`rm` of a name being uploaded gets 250 and cancels the upload",
    },
    // Behaviours spec 1.1 allows: no MUST clause may fail (false alarms).
    Variant {
        server: Allowed("follow-abs-links"),
        breaks: &[],
        collateral: &[],
        why: "absolute links that end inside the root are followed everywhere (SEC-6)",
    },
    Variant {
        server: Allowed("list-reserved"),
        breaks: &[],
        collateral: &[],
        why: "`ls` shows `.mftp-tmp/` in the root (NAME-8: graders ignore it)",
    },
    Variant {
        server: Allowed("crlf"),
        breaks: &["FRAME-8"],
        collateral: &[],
        why: "CR LF after every reply and entry line: FRAME-6 accepts it, only the SHOULD FRAME-8 fails",
    },
    Variant {
        server: Allowed("c1-text"),
        breaks: &[],
        collateral: &[],
        why: "error replies carry U+0085 and other non-ASCII text (FRAME-6)",
    },
    Variant {
        server: Allowed("slow-slot-release"),
        breaks: &[],
        collateral: &[],
        why: "a slot is freed only when the client has closed its side too (LIMIT-3)",
    },
    Variant {
        server: Allowed("reserved-ordinary"),
        breaks: &[],
        collateral: &[],
        why: "`.mftp…` names are ordinary names, 550 not 553 (NAME-8)",
    },
    Variant {
        server: Allowed("perm-550"),
        breaks: &[],
        collateral: &[],
        why: "permission errors get 550, not 451 (CMD-7; untested as root)",
    },
];
