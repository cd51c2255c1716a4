//! What the suite sees of a directory on disk, without asking the server:
//! a snapshot of every entry under it, and the difference of two
//! snapshots. Used to prove that nothing outside the root changed (SEC-1)
//! and that failed uploads leave nothing behind (SEC-4).

use crate::model::is_reserved;
use crate::spec;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the suite sees of one directory entry on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    File { len: u64, sha256: String },
    Dir,
    Link(PathBuf),
    Other,
}

/// Relative path (lossy) → entry, for every entry under a directory.
pub type Tree = BTreeMap<String, Node>;

/// Walks `dir` without following links.
#[must_use]
pub fn tree(dir: &Path) -> Tree {
    let mut out = Tree::new();
    walk(dir, dir, &mut out, 0);
    out
}

fn walk(base: &Path, dir: &Path, out: &mut Tree, depth: usize) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let rel = p.strip_prefix(base).map_or_else(
            |_| p.display().to_string(),
            |r| r.to_string_lossy().into_owned(),
        );
        let Ok(md) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        let ft = md.file_type();
        let node = if ft.is_symlink() {
            Node::Link(std::fs::read_link(&p).unwrap_or_default())
        } else if ft.is_dir() {
            if depth < 16 {
                walk(base, &p, out, depth + 1);
            }
            Node::Dir
        } else if ft.is_file() {
            let sha256 = if md.len() <= LARGE as u64 {
                std::fs::read(&p)
                    .map(|b| spec::hex(&Sha256::digest(&b)))
                    .unwrap_or_default()
            } else {
                "(large)".into()
            };
            Node::File {
                len: md.len(),
                sha256,
            }
        } else {
            Node::Other
        };
        out.insert(rel, node);
    }
}

/// The [`Node`] a regular file holding `bytes` appears as in a [`Tree`].
#[must_use]
pub fn file_node(bytes: &[u8]) -> Node {
    Node::File {
        len: bytes.len() as u64,
        sha256: if bytes.len() <= LARGE {
            spec::hex(&Sha256::digest(bytes))
        } else {
            "(large)".into()
        },
    }
}

/// Files above this many bytes are not hashed (their length is compared).
const LARGE: usize = 8 << 20;

/// `t` without the directories under reserved names (section 4): a server
/// may keep an empty upload area there.
#[must_use]
pub fn without_reserved_dirs(t: &Tree) -> Tree {
    t.iter()
        .filter(|(k, v)| !(is_reserved(k) && **v == Node::Dir))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// "added: x; removed: y; changed: z".
#[must_use]
pub fn tree_diff(want: &Tree, now: &Tree) -> String {
    let added: Vec<&String> = now.keys().filter(|k| !want.contains_key(*k)).collect();
    let removed: Vec<&String> = want.keys().filter(|k| !now.contains_key(*k)).collect();
    let changed: Vec<&String> = want
        .iter()
        .filter(|(k, v)| now.get(*k).is_some_and(|n| n != *v))
        .map(|(k, _)| k)
        .collect();
    format!("added: {added:?}; removed: {removed:?}; changed: {changed:?}")
}
