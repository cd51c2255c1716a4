//! Names: no panic; an accepted name is exactly the bytes given and stays
//! inside the root.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mftp_protocol::Name;
use std::path::{Component, Path};

fuzz_target!(|bytes: &[u8]| {
    let Ok(n) = Name::parse(bytes) else {
        return;
    };
    assert_eq!(n.as_str().as_bytes(), bytes);
    for c in Path::new(n.as_str()).components() {
        assert!(matches!(c, Component::Normal(_)), "{:?}", n.as_str());
    }
    assert!(n.as_str().split('/').all(|c| !c.is_empty() && c.len() <= 255));
});
