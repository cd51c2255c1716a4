//! Tab completion at the prompt, as lftp users expect it: the command
//! words; local file names after `upload`; remote names after `download`,
//! `size` and `rm` (files and directories to go into) and after `ls`
//! (directories), fetched with `ls` on the open connection and kept for a
//! few seconds ([`Listings`]), so that pressing Tab twice, or completing
//! `docs/` and then a name inside it, asks the server once.
//!
//! Completion works on the word being typed up to the cursor: for a name,
//! the part after its last `/`. A directory is completed with its `/`, so
//! that the next Tab goes into it. Names need no quoting: at the prompt a
//! name is the rest of the line, spaces included (see `command.rs`).
//!
//! [`complete`] is a pure function of the line, the cursor and two ways to
//! list names; `repl.rs` wires it to rustyline, the working directory and
//! the session.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// The words a line can start with.
pub const COMMANDS: &[&str] = &[
    "byebye", "connme", "download", "exit", "help", "ls", "quit", "rm", "size", "upload",
];

/// Commands that take no argument: completed without a trailing space.
const BARE: &[&str] = &["byebye", "connme", "exit", "help", "quit"];

/// One name a directory listing holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name {
    pub name: String,
    pub is_dir: bool,
}

/// One completion: what the list shows and what goes into the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub display: String,
    pub replacement: String,
}

/// Completes `line` at byte offset `pos`: the offset where the replaced
/// text starts, and the candidates, sorted. `local(dir)` lists a local
/// directory (`""` is the working directory); `remote(dir)` a remote one
/// (`None` is the root). Either may have nothing to say (`None`).
pub fn complete(
    line: &str,
    pos: usize,
    local: &mut dyn FnMut(&str) -> Option<Vec<Name>>,
    remote: &mut dyn FnMut(Option<&str>) -> Option<Vec<Name>>,
) -> (usize, Vec<Candidate>) {
    let Some(before) = line.get(..pos) else {
        return (pos, Vec::new());
    };
    let start = before.len() - before.trim_start().len();
    let typed = &before[start..];
    let Some(verb_end) = typed.find(char::is_whitespace) else {
        return (start, commands(typed));
    };
    let verb = typed[..verb_end].to_ascii_lowercase();
    let rest = &typed[verb_end..];
    let arg_start = start + verb_end + (rest.len() - rest.trim_start().len());
    let arg = &line[arg_start..pos];
    // A name opened with a quote is completed inside it.
    let (arg_start, arg) = match arg.chars().next() {
        Some(q @ ('\'' | '"')) => (arg_start + q.len_utf8(), &arg[q.len_utf8()..]),
        _ => (arg_start, arg),
    };
    let (dir, prefix) = match arg.rfind('/') {
        Some(0) => ("/", &arg[1..]),
        Some(i) => (&arg[..i], &arg[i + 1..]),
        None => ("", arg),
    };
    let names = match verb.as_str() {
        "upload" => local(dir),
        "download" | "size" | "rm" | "ls" => remote((!dir.is_empty()).then_some(dir)),
        _ => None,
    };
    let dirs_only = verb == "ls";
    let mut out: Vec<Candidate> = names
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n.name.starts_with(prefix) && (n.is_dir || !dirs_only))
        // Hidden names only when asked for, as shells do.
        .filter(|n| !n.name.starts_with('.') || prefix.starts_with('.'))
        .map(|n| {
            let shown = if n.is_dir {
                format!("{}/", n.name)
            } else {
                n.name
            };
            Candidate {
                display: shown.clone(),
                replacement: shown,
            }
        })
        .collect();
    out.sort_by(|a, b| a.replacement.cmp(&b.replacement));
    (arg_start + (arg.len() - prefix.len()), out)
}

/// The commands starting with `typed` (any letter case, as verbs are).
fn commands(typed: &str) -> Vec<Candidate> {
    let typed = typed.to_ascii_lowercase();
    COMMANDS
        .iter()
        .filter(|c| c.starts_with(&typed))
        .map(|c| Candidate {
            display: (*c).to_string(),
            replacement: if BARE.contains(c) {
                (*c).to_string()
            } else {
                format!("{c} ")
            },
        })
        .collect()
}

/// The entries of a local directory (`""`: the working directory, `~/…`:
/// the home directory), as [`Name`]s; `None` if it cannot be read.
pub fn local_names(base: &Path, dir: &str) -> Option<Vec<Name>> {
    let home = || std::env::var_os("HOME").filter(|h| !h.is_empty());
    let path = match dir.strip_prefix("~/") {
        Some(rest) => Path::new(&home()?).join(rest),
        None if dir == "~" => Path::new(&home()?).to_path_buf(),
        // An absolute `dir` replaces `base`.
        None => base.join(dir),
    };
    let entries = std::fs::read_dir(path).ok()?;
    Some(
        entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                // Follows links, as opening the file will.
                let is_dir = e.path().is_dir();
                Some(Name { name, is_dir })
            })
            .collect(),
    )
}

/// Remote listings fetched for completion, each kept for [`Listings::TTL`].
#[derive(Debug, Default)]
pub struct Listings {
    /// Directory (`""` is the root) → when it was listed, and what it held.
    kept: HashMap<String, (Instant, Vec<Name>)>,
}

impl Listings {
    /// How long a listing is believed: long enough for a second Tab or a
    /// name inside a directory just completed, short enough that what
    /// other clients change shows up soon.
    pub const TTL: Duration = Duration::from_secs(10);

    /// The listing of `dir` as of `now`: the one kept, if fresh, else
    /// `fetch(dir)`'s (kept when there is one).
    pub fn get(
        &mut self,
        dir: Option<&str>,
        now: Instant,
        fetch: impl FnOnce(Option<&str>) -> Option<Vec<Name>>,
    ) -> Option<Vec<Name>> {
        let key = dir.unwrap_or("").to_string();
        if let Some((at, names)) = self.kept.get(&key)
            && now.saturating_duration_since(*at) < Self::TTL
        {
            return Some(names.clone());
        }
        let names = fetch(dir)?;
        self.kept.insert(key, (now, names.clone()));
        Some(names)
    }

    /// Forgets every listing (after a command that may change them, or a
    /// new connection).
    pub fn clear(&mut self) {
        self.kept.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &str) -> Name {
        match n.strip_suffix('/') {
            Some(d) => Name {
                name: d.to_owned(),
                is_dir: true,
            },
            None => Name {
                name: n.to_owned(),
                is_dir: false,
            },
        }
    }

    /// A server root: `a.txt`, `a b.txt`, `docs/` (with `readme.md`),
    /// `.hidden`.
    fn remote(dir: Option<&str>) -> Option<Vec<Name>> {
        match dir {
            None => Some(
                ["a.txt", "a b.txt", "docs/", ".hidden", "café.bin"]
                    .map(name)
                    .to_vec(),
            ),
            Some("docs") => Some(vec![name("readme.md"), name("sub/")]),
            Some(_) => None,
        }
    }

    fn local(dir: &str) -> Option<Vec<Name>> {
        match dir {
            "" => Some(vec![name("up.bin"), name("upload me.txt"), name("src/")]),
            "src" => Some(vec![name("main.rs")]),
            _ => None,
        }
    }

    /// The line after taking the candidate, if there is exactly one.
    fn completed(line: &str) -> (Vec<String>, Option<String>) {
        let (start, c) = complete(line, line.len(), &mut local, &mut remote);
        let shown: Vec<String> = c.iter().map(|c| c.display.clone()).collect();
        let only = (c.len() == 1).then(|| format!("{}{}", &line[..start], c[0].replacement));
        (shown, only)
    }

    #[test]
    fn command_words() {
        assert_eq!(completed("si").1.as_deref(), Some("size "));
        assert_eq!(completed("by").1.as_deref(), Some("byebye"));
        assert_eq!(completed("DOWN").1.as_deref(), Some("download "));
        assert_eq!(completed("  con").1.as_deref(), Some("  connme"));
        assert_eq!(completed("").0.len(), COMMANDS.len());
        let (shown, only) = completed("u");
        assert_eq!(
            (shown, only.as_deref()),
            (vec!["upload".to_owned()], Some("upload "))
        );
        assert!(completed("x").0.is_empty());
    }

    #[test]
    fn remote_names_for_download_size_and_rm() {
        assert_eq!(completed("size a").0, ["a b.txt", "a.txt"]);
        assert_eq!(
            completed("download a ").1.as_deref(),
            Some("download a b.txt")
        );
        assert_eq!(completed("rm caf").1.as_deref(), Some("rm café.bin"));
        assert_eq!(completed("download d").1.as_deref(), Some("download docs/"));
        assert_eq!(completed("size docs/").0, ["readme.md", "sub/"]);
        assert_eq!(
            completed("rm docs/r").1.as_deref(),
            Some("rm docs/readme.md")
        );
        assert_eq!(completed("size nowhere/x").0, Vec::<String>::new());
        // Hidden names only when the prefix asks for them.
        assert!(!completed("rm ").0.contains(&".hidden".to_owned()));
        assert_eq!(completed("rm .").1.as_deref(), Some("rm .hidden"));
        // Inside a quote.
        assert_eq!(completed("size 'a b").1.as_deref(), Some("size 'a b.txt"));
    }

    #[test]
    fn ls_offers_directories_only() {
        assert_eq!(completed("ls ").0, ["docs/"]);
        assert_eq!(completed("ls docs/").0, ["sub/"]);
    }

    #[test]
    fn local_names_for_upload() {
        assert_eq!(completed("upload up").0, ["up.bin", "upload me.txt"]);
        assert_eq!(
            completed("upload upload").1.as_deref(),
            Some("upload upload me.txt")
        );
        assert_eq!(
            completed("upload src/").1.as_deref(),
            Some("upload src/main.rs")
        );
    }

    #[test]
    fn nothing_after_words_without_names() {
        assert!(completed("connme ").0.is_empty());
        assert!(completed("frobnicate a").0.is_empty());
    }

    #[test]
    fn local_directories_are_read() {
        let dir = std::env::temp_dir().join(format!("mftp-complete-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).expect("mkdir");
        std::fs::write(dir.join("f.txt"), b"x").expect("write");
        let mut got = local_names(&dir, "").expect("readable");
        got.sort_by(|a, b| a.name.cmp(&b.name));
        assert_eq!(got, [name("f.txt"), name("sub/")]);
        assert_eq!(local_names(&dir, "sub"), Some(vec![]));
        assert_eq!(local_names(&dir, "missing"), None);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn listings_are_kept_briefly() {
        let mut listings = Listings::default();
        let mut asked = 0;
        let t0 = Instant::now();
        let fetch = |at: Instant, l: &mut Listings, asked: &mut usize| {
            l.get(None, at, |dir| {
                *asked += 1;
                remote(dir)
            })
        };
        assert!(fetch(t0, &mut listings, &mut asked).is_some());
        assert!(fetch(t0 + Duration::from_secs(1), &mut listings, &mut asked).is_some());
        assert_eq!(
            asked, 1,
            "a second Tab within the TTL asks the server again"
        );
        assert!(fetch(t0 + Listings::TTL, &mut listings, &mut asked).is_some());
        assert_eq!(asked, 2, "a stale listing is fetched again");
        listings.clear();
        assert!(fetch(t0 + Listings::TTL, &mut listings, &mut asked).is_some());
        assert_eq!(asked, 3, "cleared listings are fetched again");
        // A failed fetch is not kept.
        assert!(listings.get(Some("nowhere"), t0, |_| None).is_none());
        assert!(
            listings
                .get(Some("nowhere"), t0, |_| Some(vec![]))
                .is_some()
        );
    }
}
