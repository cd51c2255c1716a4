//! What `spec.md` fixes, as data and formulas the suite judges against:
//! the grammar's `dec`, the rule for one name component, the reserved
//! prefix, the SIZE-2 formula.
//!
//! Written from the spec's text alone, not taken from the `protocol`
//! crate (see the crate docs): a rule the reference server and its parser
//! got wrong must not be the rule the suite checks.

/// Names starting with this are reserved for the server's own use
/// (section 4): graders never use them, so the suite does not judge a
/// server on entries under them (listings, leftovers, the root on disk).
pub const RESERVED_PREFIX: &str = ".mftp";

/// Whether `name` (lossy text or raw bytes) is under the reserved prefix.
#[must_use]
pub fn is_reserved(name: impl AsRef<[u8]>) -> bool {
    name.as_ref().starts_with(RESERVED_PREFIX.as_bytes())
}

/// Is `s` a `dec` of the grammar (no leading zeros)?
#[must_use]
pub fn is_dec(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
}

/// Is `name` one valid name component (section 4): not empty, not `.` or
/// `..`, at most 255 bytes, valid UTF-8, no control byte, DEL, `/` or `\`.
#[must_use]
pub fn is_component(name: &[u8]) -> bool {
    !(name.is_empty()
        || name == b"."
        || name == b".."
        || name.len() > 255
        || name
            .iter()
            .any(|&b| b < 0x20 || b == 0x7F || b == b'/' || b == b'\\')
        || std::str::from_utf8(name).is_err())
}

/// SIZE-2: `h = (bytes × 100 + 524288) div 1048576`, printed `h/100.h%100`.
#[must_use]
pub fn megabytes(bytes: u64) -> String {
    let h = (u128::from(bytes) * 100 + 524_288) / 1_048_576;
    format!("{}.{:02}", h / 100, h % 100)
}
