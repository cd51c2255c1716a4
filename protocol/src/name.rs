//! The name rules of spec.md section 4.
//!
//! A [`Name`] is a path relative to the server root that has passed every
//! rule, so code holding one never needs to check again.

use std::fmt;

/// The longest name in bytes (NAME-2).
const MAX_NAME: usize = 1024;
/// The longest component in bytes (NAME-3).
const MAX_COMPONENT: usize = 255;
/// Names whose first component starts with this are reserved for a
/// server's own use (spec.md section 4, note).
const RESERVED_PREFIX: &str = ".mftp";

/// Which name rule was broken. Every variant is answered with `553`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// NAME-1.
    #[error("name is not valid UTF-8")]
    NotUtf8,
    /// NAME-2.
    #[error("name is longer than {MAX_NAME} bytes")]
    TooLong,
    /// NAME-3: leading `/`, trailing `/`, or `//`.
    #[error("name has an empty component (absolute, or a doubled or trailing '/')")]
    EmptyComponent,
    /// NAME-3.
    #[error("a name component is longer than {MAX_COMPONENT} bytes")]
    ComponentTooLong,
    /// NAME-4.
    #[error("'.' and '..' are not allowed in names")]
    DotComponent,
    /// NAME-5.
    #[error("name contains a control byte or a backslash")]
    ForbiddenByte,
    /// The first component starts with `.mftp` (reserved).
    #[error("names starting with '{RESERVED_PREFIX}' are reserved")]
    Reserved,
    /// No name at all; callers answer `501` for this (CMD-3), not `553`.
    #[error("name is empty")]
    Empty,
}

/// A name that keeps every rule of section 4.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(String);

impl Name {
    /// Checks `bytes` against the rules, in the order of section 4.
    ///
    /// Reserved names are refused too: the reference implementations keep
    /// their temporary files under them.
    pub fn parse(bytes: &[u8]) -> Result<Self, NameError> {
        if bytes.is_empty() {
            return Err(NameError::Empty);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| NameError::NotUtf8)?;
        if bytes.len() > MAX_NAME {
            return Err(NameError::TooLong);
        }
        for component in text.split('/') {
            check_component(component.as_bytes())?;
        }
        if text.starts_with(RESERVED_PREFIX) {
            return Err(NameError::Reserved);
        }
        Ok(Self(text.to_owned()))
    }

    /// The name as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last component (the entry's own name).
    #[must_use]
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    /// The directory holding this name, or `None` for the root.
    #[must_use]
    pub fn parent(&self) -> Option<&str> {
        self.0.rsplit_once('/').map(|(parent, _)| parent)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks one component: 1 to 255 bytes, not `.` or `..`, no forbidden byte.
pub(crate) fn check_component(component: &[u8]) -> Result<(), NameError> {
    if component.is_empty() {
        return Err(NameError::EmptyComponent);
    }
    if component.len() > MAX_COMPONENT {
        return Err(NameError::ComponentTooLong);
    }
    if component == b"." || component == b".." {
        return Err(NameError::DotComponent);
    }
    if component
        .iter()
        .any(|&b| b < 0x20 || b == 0x7f || b == b'\\')
    {
        return Err(NameError::ForbiddenByte);
    }
    Ok(())
}

/// The text under which a directory entry may be listed (LS-5), or `None`
/// when the protocol cannot name it or it is reserved.
#[must_use]
pub fn listable(entry: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(entry).ok()?;
    if check_component(entry).is_err() || text.starts_with(RESERVED_PREFIX) || text.contains('/') {
        return None;
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_pass() {
        // NAME-7
        for ok in [
            "a.txt",
            "my file.txt",
            "café/naïve.bin",
            " a ",
            "dir/sub/file",
            ".hidden",
        ] {
            assert_eq!(
                Name::parse(ok.as_bytes()).map(|n| n.0),
                Ok(ok.to_owned()),
                "{ok:?}"
            );
        }
    }

    #[test]
    fn each_rule_has_its_error() {
        let cases: &[(&[u8], NameError)] = &[
            (b"\xff.txt", NameError::NotUtf8),           // NAME-1
            (b"/etc/passwd", NameError::EmptyComponent), // NAME-3
            (b"a//b", NameError::EmptyComponent),        // NAME-3
            (b"dir/", NameError::EmptyComponent),        // NAME-3
            (b"..", NameError::DotComponent),            // NAME-4
            (b"a/../../x", NameError::DotComponent),     // NAME-4
            (b"./a", NameError::DotComponent),           // NAME-4
            (b"a\x01b", NameError::ForbiddenByte),       // NAME-5
            (b"a\x7f", NameError::ForbiddenByte),        // NAME-5
            (b"a\\b", NameError::ForbiddenByte),         // NAME-5
            (b"a\rb", NameError::ForbiddenByte),         // NAME-5
            (b".mftp-tmp/x", NameError::Reserved),       // section 4 note
            (b"", NameError::Empty),                     // CMD-3
        ];
        for (bytes, want) in cases {
            assert_eq!(Name::parse(bytes), Err(*want), "{bytes:?}");
        }
    }

    #[test]
    fn length_limits() {
        // NAME-2, NAME-3
        let component = "c".repeat(MAX_COMPONENT);
        assert!(Name::parse(component.as_bytes()).is_ok());
        let long_component = "c".repeat(MAX_COMPONENT + 1);
        assert_eq!(
            Name::parse(long_component.as_bytes()),
            Err(NameError::ComponentTooLong)
        );
        let four = [component.as_str(); 4].join("/"); // 1023 bytes
        assert_eq!(four.len(), 1023);
        assert!(Name::parse(four.as_bytes()).is_ok());
        let over = format!("{four}/ab");
        assert_eq!(Name::parse(over.as_bytes()), Err(NameError::TooLong));
    }

    #[test]
    fn parent_and_file_name() {
        let name = Name::parse(b"a/b/c.txt").expect("valid");
        assert_eq!((name.parent(), name.file_name()), (Some("a/b"), "c.txt"));
        let top = Name::parse(b"c.txt").expect("valid");
        assert_eq!((top.parent(), top.file_name()), (None, "c.txt"));
    }

    #[test]
    fn listable_entries() {
        assert_eq!(listable(b"a b"), Some("a b"));
        assert_eq!(listable(b"a\nb"), None);
        assert_eq!(listable(b"a\\b"), None);
        assert_eq!(listable(b"\xfe"), None);
        assert_eq!(listable(b".mftp-tmp"), None);
    }
}
