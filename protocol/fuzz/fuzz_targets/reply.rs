//! Reply lines, `213` fields and listing entries as the client reads them:
//! no panic, and an entry that parses re-encodes to the same line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mftp_protocol::{Entry, FileSize, Reply, ReplyLine};

fuzz_target!(|line: &[u8]| {
    if let Ok(r) = Reply::parse(line) {
        assert!((100..=599).contains(&r.code));
        let _ = r.number_field();
    }
    if let Ok(r) = ReplyLine::parse(line) {
        let _ = r.number_field();
    }
    if let Ok(text) = std::str::from_utf8(line) {
        let _ = FileSize::parse(text);
    }
    if let Ok(e) = Entry::parse(line) {
        let mut out = Vec::new();
        e.encode(&mut out);
        assert_eq!(&out[..out.len() - 1], line);
    }
});
