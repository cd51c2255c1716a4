//! Listing entries (spec.md section 6), both ways: the server encodes the
//! lines that follow `200 <n>`, the client parses them.
//!
//! ```text
//! S: 200 3
//! S: a.txt
//! S: docs/
//! S: my file.bin
//! ```

use crate::name::check_component;

/// One entry of a listing (LS-1, LS-2).
///
/// Ordered by name bytes, as LS-3 sorts a listing (names within one
/// directory are unique, so `is_dir` never decides).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// The entry's own name: one component (section 4), never a path.
    pub name: String,
    /// A directory, listed with a trailing `/` (LS-2).
    pub is_dir: bool,
}

/// Why a listing line is not an entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed listing entry: {0:?}")]
pub struct BadEntry(String);

impl Entry {
    /// Appends the entry's line, `component ["/"] LF` (spec.md section 2.1,
    /// `entry`), to `out`. `name` must be one component that keeps the name
    /// rules; the server lists only such names (LS-5).
    ///
    /// ```
    /// use mftp_protocol::Entry;
    /// let mut out = Vec::new();
    /// Entry { name: "docs".to_owned(), is_dir: true }.encode(&mut out);
    /// Entry { name: "a.txt".to_owned(), is_dir: false }.encode(&mut out);
    /// assert_eq!(out, b"docs/\na.txt\n");
    /// ```
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.name.as_bytes());
        if self.is_dir {
            out.push(b'/');
        }
        out.push(b'\n');
    }

    /// Parses one listing line (without its LF; a trailing CR already
    /// gone): a component (NAME-1, NAME-3, NAME-4, NAME-5), then `/` if it
    /// is a directory.
    ///
    /// # Errors
    /// When the line is not a component with an optional `/`.
    pub fn parse(line: &[u8]) -> Result<Self, BadEntry> {
        let bad = || BadEntry(String::from_utf8_lossy(line).into_owned());
        let (name, is_dir) = match line.strip_suffix(b"/") {
            Some(dir) => (dir, true),
            None => (line, false),
        };
        if name.contains(&b'/') || check_component(name).is_err() {
            return Err(bad());
        }
        let name = std::str::from_utf8(name).map_err(|_| bad())?;
        Ok(Self {
            name: name.to_owned(),
            is_dir,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, is_dir: bool) -> Entry {
        Entry {
            name: name.to_owned(),
            is_dir,
        }
    }

    #[test]
    fn entries_round_trip() {
        // LS-1, LS-2, and the example of section 6.
        for entry in [
            entry("a.txt", false),
            entry("docs", true),
            entry("my file.bin", false),
            entry(" café ", true),
            entry(".hidden", false),
        ] {
            let mut line = Vec::new();
            entry.encode(&mut line);
            assert_eq!(line.pop(), Some(b'\n'));
            assert_eq!(Entry::parse(&line), Ok(entry));
        }
    }

    #[test]
    fn lines_that_are_not_entries() {
        for bad in [
            &b""[..],
            b"/",
            b"a//",
            b"a/b",
            b"/a",
            b".",
            b"../",
            b"a\x1b[2J",
            b"a\\b",
            b"\xff",
        ] {
            assert!(Entry::parse(bad).is_err(), "{bad:?}");
        }
        let long = "c".repeat(256);
        assert!(Entry::parse(long.as_bytes()).is_err());
    }

    #[test]
    fn entries_sort_by_name_bytes() {
        // LS-3: memcmp order, without the `/`.
        let mut entries = [entry("b", false), entry("B", true), entry("a b", false)];
        entries.sort_unstable();
        let names: Vec<_> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["B", "a b", "b"]);
    }
}
