//! The clauses of `spec.md`, parsed at run time from the copy compiled in.
//!
//! A clause is a block quote of the form
//!
//! ```text
//! > **UPLOAD-5** MUST — An upload never replaces or changes an existing entry:
//! > if any directory entry by that name exists ...
//! ```
//!
//! Its text is the block's lines joined with single spaces. The hash of that
//! text is what each case records, so a clause reworded after its case was
//! written is flagged by the traceability check.
//!
//! Clauses bind servers or clients ([`Role`]): the `CLIENT-n` clauses of
//! section 17 bind clients, every other clause servers. [`clauses`] are the
//! ones a server is graded against, [`client_clauses`] a client's,
//! [`all_clauses`] both.

use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// The spec the suite was built against.
pub const SPEC_MD: &str = include_str!("../../spec.md");

/// RFC 2119 level of a clause (or of a case that checks a SHOULD inside a
/// MUST clause, such as FRAME-6's "SHOULD NOT send CR").
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Level {
    #[serde(rename = "MUST")]
    Must,
    #[serde(rename = "SHOULD")]
    Should,
}

impl Level {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
        }
    }
}

/// What a clause binds, and what a run of the suite grades.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[default]
    Server,
    Client,
}

impl Role {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Server => "server",
            Role::Client => "client",
        }
    }
}

/// Prefix of the IDs of the clauses that bind clients (section 17).
pub const CLIENT_PREFIX: &str = "CLIENT-";

/// One normative clause.
#[derive(Clone, Debug)]
pub struct Clause {
    pub id: String,
    pub level: Level,
    /// Normalized text (after the level and the dash), single-spaced.
    pub text: String,
    /// The `## N Title` heading the clause sits under, e.g. "9 `upload`".
    pub section: String,
}

impl Clause {
    /// First 12 hex digits of SHA-256 over `ID LEVEL text`.
    #[must_use]
    pub fn hash(&self) -> String {
        let digest = Sha256::digest(format!("{} {} {}", self.id, self.level.as_str(), self.text));
        hex(&digest)[..12].to_string()
    }

    /// Whom the clause binds: `CLIENT-n` clients, the others servers.
    #[must_use]
    pub fn role(&self) -> Role {
        if self.id.starts_with(CLIENT_PREFIX) {
            Role::Client
        } else {
            Role::Server
        }
    }
}

/// Lower-case hex of `bytes`.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// SHA-256 of the whole spec.md, stamped on every report.
#[must_use]
pub fn spec_sha256() -> String {
    hex(&Sha256::digest(SPEC_MD.as_bytes()))
}

/// Every clause of the compiled-in spec.md, in document order.
pub fn all_clauses() -> &'static [Clause] {
    static CLAUSES: OnceLock<Vec<Clause>> = OnceLock::new();
    CLAUSES.get_or_init(|| parse(SPEC_MD))
}

/// The clauses a server is graded against (all but the `CLIENT-n` ones),
/// in document order.
pub fn clauses() -> &'static [Clause] {
    clauses_for(Role::Server)
}

/// The clauses a client is graded against (`CLIENT-n`), in document order.
pub fn client_clauses() -> &'static [Clause] {
    clauses_for(Role::Client)
}

/// The clauses that bind `role`, in document order.
pub fn clauses_for(role: Role) -> &'static [Clause] {
    static SERVER: OnceLock<Vec<Clause>> = OnceLock::new();
    static CLIENT: OnceLock<Vec<Clause>> = OnceLock::new();
    let cell = match role {
        Role::Server => &SERVER,
        Role::Client => &CLIENT,
    };
    cell.get_or_init(|| {
        all_clauses()
            .iter()
            .filter(|c| c.role() == role)
            .cloned()
            .collect()
    })
}

/// The clause with this ID, if spec.md has one (of either role).
#[must_use]
pub fn clause(id: &str) -> Option<&'static Clause> {
    all_clauses().iter().find(|c| c.id == id)
}

/// Parses every `> **ID** LEVEL — text` block quote of `md`.
#[must_use]
pub fn parse(md: &str) -> Vec<Clause> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut current: Option<Clause> = None;
    let mut in_fence = false;
    for line in md.lines() {
        if line.starts_with("```") {
            in_fence = !in_fence;
        }
        if in_fence {
            continue;
        }
        if let Some(title) = line.strip_prefix("## ") {
            section = title.trim().to_string();
        }
        let quoted = line.strip_prefix('>').map(str::trim);
        match (quoted, current.as_mut()) {
            (Some(body), _) if body.starts_with("**") => {
                if let Some(done) = current.take() {
                    out.push(done);
                }
                current = start_clause(body, &section);
            }
            (Some(body), Some(c)) if !body.is_empty() => {
                c.text.push(' ');
                c.text.push_str(body);
            }
            (Some(_), Some(_)) | (None, _) => {
                if let Some(done) = current.take() {
                    out.push(done);
                }
            }
            (Some(_), None) => {}
        }
    }
    if let Some(done) = current.take() {
        out.push(done);
    }
    for c in &mut out {
        c.text = c.text.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    out
}

fn start_clause(body: &str, section: &str) -> Option<Clause> {
    let rest = body.strip_prefix("**")?;
    let (id, rest) = rest.split_once("**")?;
    let rest = rest.trim_start();
    let (level, rest) = if let Some(r) = rest.strip_prefix("MUST") {
        (Level::Must, r)
    } else if let Some(r) = rest.strip_prefix("SHOULD") {
        (Level::Should, r)
    } else {
        return None;
    };
    let text = rest.trim_start().strip_prefix('—')?.trim();
    Some(Clause {
        id: id.to_string(),
        level,
        text: text.to_string(),
        section: section.to_string(),
    })
}
