//! The conformance suite's own reply parser (it judges replies apart from
//! the protocol crate): no panic, and an accepted line keeps FRAME-6.
#![no_main]

use conformance::expect::Reply;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|line: &[u8]| {
    if let Ok(r) = Reply::parse(line.to_vec()) {
        assert!((100..=599).contains(&r.code));
        assert!(!r.text.bytes().any(|b| b < 0x20 || b == 0x7F));
        let _ = r.field(0);
        let _ = r.shown();
    }
});
