//! Command lines as the server reads them: no panic, every accepted name
//! confined to the root, and what parses re-encodes to a line that parses
//! the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mftp_protocol::{Name, Request};

fn confined(n: &Name) {
    let s = n.as_str();
    assert!(!s.is_empty() && s.len() <= 1024);
    assert!(!s.starts_with('/'));
    for c in s.split('/') {
        assert!(!c.is_empty() && c != "." && c != ".." && c.len() <= 255, "{s:?}");
        assert!(!c.bytes().any(|b| b < 0x20 || b == 0x7F || b == b'\\'), "{s:?}");
    }
}

fuzz_target!(|line: &[u8]| {
    let Ok(r) = Request::parse(line) else {
        return;
    };
    match &r {
        Request::Ls(Some(n))
        | Request::Size(n)
        | Request::Download(n)
        | Request::Rm(n)
        | Request::Upload { name: n, .. } => confined(n),
        _ => {}
    }
    if let Request::Upload { size, .. } = r {
        assert!(size <= i64::MAX as u64);
    }
    let encoded = r.encode();
    assert_eq!(Request::parse(&encoded[..encoded.len() - 1]), Ok(r));
});
