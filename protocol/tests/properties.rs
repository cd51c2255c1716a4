//! Properties of every parser that reads bytes from the network, checked
//! on random input in the normal test run (the fuzz targets in `fuzz/`
//! check the same ones with coverage guidance, on nightly):
//!
//! - no input makes a parser panic;
//! - every name a parser accepts stays inside the root: relative, no `.`
//!   or `..` component, no empty component, no byte the name rules forbid,
//!   within the length limits;
//! - what the encoders write, the parsers read back unchanged
//!   (`parse(encode(x)) == x`);
//! - the line buffer cuts the same lines out of a stream however it is
//!   split into reads, and never holds more than its fixed size.

use mftp_protocol::{
    Entry, FileSize, FileSizeText, LineBuffer, MAX_LINE, Name, ReadLineError, Reply, ReplyLine,
    Request,
};
use proptest::prelude::*;
use std::path::{Component, Path};

/// Any bytes, biased towards the ones that matter to the grammar.
fn wire_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            4 => any::<u8>(),
            2 => prop::sample::select(b" /.\\\r\n\t\x000123456789".to_vec()),
            2 => prop::sample::select(b"lsizedownupmcbyeLSIZE".to_vec()),
        ],
        0..max,
    )
}

/// A legal name component: 1-40 characters from a mix of ASCII, spaces,
/// dots and multibyte characters, never `.` or `..`.
fn component() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ._~éü€😀-]{1,40}".prop_filter("not . or ..", |c| c != "." && c != "..")
}

fn name() -> impl Strategy<Value = Name> {
    prop::collection::vec(component(), 1..5).prop_filter_map("a legal name", |parts| {
        Name::parse(parts.join("/").as_bytes()).ok()
    })
}

fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        Just(Request::Connme),
        Just(Request::Byebye),
        prop::option::of(name()).prop_map(Request::Ls),
        name().prop_map(Request::Size),
        name().prop_map(Request::Download),
        name().prop_map(Request::Rm),
        (0..=i64::MAX as u64, name()).prop_map(|(size, name)| Request::Upload { size, name }),
    ]
}

/// The confinement every accepted name must have.
fn assert_confined(name: &Name) {
    let s = name.as_str();
    assert!(!s.is_empty() && s.len() <= 1024, "length of {s:?}");
    assert!(
        !s.bytes().any(|b| b < 0x20 || b == 0x7F || b == b'\\'),
        "forbidden byte in {s:?}"
    );
    for c in s.split('/') {
        assert!(
            !c.is_empty() && c != "." && c != ".." && c.len() <= 255,
            "component {c:?} of {s:?}"
        );
    }
    // Joined to a root, the path never climbs above it.
    for c in Path::new(s).components() {
        assert!(
            matches!(c, Component::Normal(_)),
            "{s:?} has component {c:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn request_parse_never_panics_and_confines_names(line in wire_bytes(600)) {
        if let Ok(r) = Request::parse(&line) {
            match &r {
                Request::Ls(Some(n)) | Request::Size(n) | Request::Download(n)
                | Request::Rm(n) | Request::Upload { name: n, .. } => assert_confined(n),
                _ => {}
            }
            if let Request::Upload { size, .. } = r {
                prop_assert!(size <= i64::MAX as u64);
            }
        }
    }

    #[test]
    fn name_parse_never_panics_and_confines(bytes in wire_bytes(1100)) {
        if let Ok(n) = Name::parse(&bytes) {
            assert_confined(&n);
            prop_assert_eq!(n.as_str().as_bytes(), &bytes[..]);
        }
    }

    #[test]
    fn requests_round_trip(r in request()) {
        let line = r.encode();
        prop_assert_eq!(line.last(), Some(&b'\n'));
        let parsed = Request::parse(&line[..line.len() - 1]);
        prop_assert_eq!(parsed, Ok(r));
    }

    #[test]
    fn upload_sizes_are_plain_ascii_digits(size in any::<u64>(), zeros in 0usize..4) {
        let field = format!("{}{size}", "0".repeat(zeros));
        let line = format!("upload {field} x.bin");
        let r = Request::parse(line.as_bytes());
        let legal = field.len() <= 20 && size <= i64::MAX as u64;
        prop_assert_eq!(r.is_ok(), legal, "{}", line);
    }

    #[test]
    fn reply_parsers_never_panic(line in wire_bytes(300)) {
        if let Ok(r) = Reply::parse(&line) {
            prop_assert!((100..=599).contains(&r.code));
        }
        if let Ok(r) = ReplyLine::parse(&line) {
            let _ = r.number_field();
        }
        if let Ok(text) = std::str::from_utf8(&line) {
            let _ = FileSize::parse(text);
        }
    }

    #[test]
    fn reply_codes_start_with_1_to_5(code in 0u16..1000, text in "[ -~]{0,20}") {
        let line = format!("{code:03} {text}");
        let first = line.as_bytes()[0];
        prop_assert_eq!(Reply::parse(line.as_bytes()).is_ok(), (b'1'..=b'5').contains(&first));
    }

    #[test]
    fn size_replies_round_trip(bytes in 0..=i64::MAX as u64) {
        let text = FileSizeText(bytes).to_string();
        let parsed = FileSize::parse(&text).map(|s| s.bytes);
        prop_assert_eq!(parsed, Ok(bytes));
    }

    #[test]
    fn entries_never_panic_and_round_trip(line in wire_bytes(300), c in component(), dir in any::<bool>()) {
        if let Ok(e) = Entry::parse(&line) {
            prop_assert!(!e.name.contains('/'));
        }
        let entry = Entry { name: c, is_dir: dir };
        let mut out = Vec::new();
        entry.encode(&mut out);
        prop_assert_eq!(Entry::parse(&out[..out.len() - 1]), Ok(entry));
    }

    #[test]
    fn line_buffer_is_independent_of_segmentation(
        input in wire_bytes(3000),
        cuts in prop::collection::vec(1usize..700, 1..20),
    ) {
        let whole = lines(&input, &[input.len().max(1)]);
        let split = lines(&input, &cuts);
        prop_assert_eq!(whole, split);
    }
}

/// The lines a `LineBuffer` cuts from `input` fed in reads of the sizes in
/// `cuts` (cycled), up to the first error, with the error's kind.
fn lines(input: &[u8], cuts: &[usize]) -> (Vec<Vec<u8>>, &'static str) {
    let mut buf = LineBuffer::new(MAX_LINE, MAX_LINE);
    let mut pos = 0;
    let mut cut = cuts.iter().cycle();
    let mut out = Vec::new();
    loop {
        let result = buf.read_line(|spare: &mut [u8]| {
            let want = (*cut.next().unwrap_or(&1)).min(spare.len());
            let n = want.min(input.len() - pos);
            spare[..n].copy_from_slice(&input[pos..pos + n]);
            pos += n;
            Ok::<usize, ()>(n)
        });
        match result {
            Ok(line) => out.push(line.to_vec()),
            Err(ReadLineError::Closed) => return (out, "closed"),
            Err(ReadLineError::Frame(_)) => return (out, "too long"),
            Err(ReadLineError::Read(())) => return (out, "read"),
        }
    }
}
