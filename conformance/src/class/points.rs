//! Points: what each clause is worth, and what a cell of the grid earns.
//!
//! The unit is the clause (one row of the grid). Defaults: a MUST clause
//! is worth 2 points, a SHOULD clause 1, a clause no server case can check
//! (`FRAME-11`, `UPLOAD-7`) nothing. The `[scoring]` section of the
//! manifest changes that:
//!
//! ```toml
//! [scoring]
//! must = 2                  # a MUST clause
//! should = 1                # a SHOULD clause
//! flaky = "ratio"           # "ratio" (default), "zero" or "full"
//! skip = "exclude"          # "exclude" (default), "zero" or "full"
//! hidden = ["SEC-*"]        # clause IDs (globs) hidden from students
//! hidden_visibility = "after_due_date"
//!
//! [scoring.sections]        # a whole section, shared by its clauses
//! "14" = 20                 #   by their MUST/SHOULD weights
//!
//! [scoring.clauses]         # one clause, over its section's share
//! "UPLOAD-5" = 5
//! ```
//!
//! What a cell earns, by its status:
//!
//! | status | earns | counts in the maximum |
//! |---|---|---|
//! | pass | all | yes |
//! | flaky | `ratio`: points × the pass ratio of its worst case; `zero`; `full` | yes |
//! | fail, fail-should, error, blocked, not run, not graded | nothing | yes |
//! | skip | `exclude`: nothing; `zero`: nothing; `full`: all | not with `exclude` |
//! | untestable | nothing | no |
//!
//! A skip (an optional option the server refused, LAUNCH-3; CMD-7 when
//! grading as root) is not held against the implementation by default, nor
//! counted as a pass: the clause leaves its maximum. An assignment that
//! requires the limit options sets `require_limits = true` (manifest),
//! which turns those skips into failures.

use crate::spec::{self, Level};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a flaky clause (failed, then passed on a rerun) counts.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FlakyRule {
    /// Points × the pass ratio of its worst case (default).
    #[default]
    Ratio,
    Zero,
    Full,
}

impl FlakyRule {
    /// What a flaky clause earns, in the words the reports use.
    #[must_use]
    pub fn in_words(self) -> &'static str {
        match self {
            FlakyRule::Ratio => "× pass ratio",
            FlakyRule::Zero => "0",
            FlakyRule::Full => "full",
        }
    }
}

/// How a skipped clause counts.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SkipRule {
    /// Left out of the maximum (default).
    #[default]
    Exclude,
    Zero,
    Full,
}

impl SkipRule {
    /// What a skipped clause earns, in the words the reports use.
    #[must_use]
    pub fn in_words(self) -> &'static str {
        match self {
            SkipRule::Exclude => "left out of the maximum",
            SkipRule::Zero => "0",
            SkipRule::Full => "full",
        }
    }
}

/// The `[scoring]` section.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Scoring {
    #[serde(default = "default_must")]
    pub must: f64,
    #[serde(default = "default_should")]
    pub should: f64,
    /// Section (its number, "9", or its title as in spec.md, "9 `upload`")
    /// → points shared by its clauses.
    #[serde(default)]
    pub sections: BTreeMap<String, f64>,
    /// Clause ID → points.
    #[serde(default)]
    pub clauses: BTreeMap<String, f64>,
    #[serde(default)]
    pub flaky: FlakyRule,
    #[serde(default)]
    pub skip: SkipRule,
    /// Clause ID patterns (`*` matches any run of characters) whose
    /// results students do not see (Gradescope visibility, GitHub
    /// Classroom message); the instructor's page shows them, marked.
    #[serde(default)]
    pub hidden: Vec<String>,
    /// Gradescope `visibility` of hidden clauses: "hidden",
    /// "after_due_date" (default) or "after_published". Gradescope asks
    /// that "hidden" be used only for tests worth no points.
    #[serde(default = "default_hidden_visibility")]
    pub hidden_visibility: String,
}

fn default_must() -> f64 {
    2.0
}
fn default_should() -> f64 {
    1.0
}
fn default_hidden_visibility() -> String {
    "after_due_date".into()
}

impl Default for Scoring {
    fn default() -> Scoring {
        Scoring {
            must: default_must(),
            should: default_should(),
            sections: BTreeMap::new(),
            clauses: BTreeMap::new(),
            flaky: FlakyRule::default(),
            skip: SkipRule::default(),
            hidden: Vec::new(),
            hidden_visibility: default_hidden_visibility(),
        }
    }
}

/// `*` matches any run of characters; everything else itself.
#[must_use]
pub fn glob(pattern: &str, s: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == s,
        Some((head, rest)) => {
            let Some(tail) = s.strip_prefix(head) else {
                return false;
            };
            (0..=tail.len())
                .filter(|&i| tail.is_char_boundary(i))
                .any(|i| glob(rest, &tail[i..]))
        }
    }
}

/// The number of a section title: "9 `upload`" → "9".
#[must_use]
pub fn section_number(title: &str) -> &str {
    title.split(' ').next().unwrap_or("")
}

/// What one clause is worth.
#[derive(Clone, Debug, PartialEq)]
pub struct Worth {
    pub points: f64,
    pub hidden: bool,
}

impl Scoring {
    /// Checks the values and that every name refers to something.
    ///
    /// # Errors
    /// Negative or non-finite points, an unknown clause or section, a
    /// hidden pattern that matches no clause, an unknown visibility.
    pub fn check(&self) -> Result<(), String> {
        let finite = |what: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(format!("[scoring] {what}: points must be 0 or more"))
            }
        };
        finite("must", self.must)?;
        finite("should", self.should)?;
        for (c, v) in &self.clauses {
            finite(c, *v)?;
            if spec::clause(c).is_none() {
                return Err(format!(
                    "[scoring.clauses] {c:?} is not a clause of spec.md"
                ));
            }
        }
        for (s, v) in &self.sections {
            finite(s, *v)?;
            let members = self.section_members(s);
            if members.is_empty() {
                return Err(format!(
                    "[scoring.sections] {s:?} names no section of spec.md with clauses (use its number, e.g. \"9\")"
                ));
            }
            let weight: f64 = members
                .iter()
                .filter(|c| !self.clauses.contains_key(&c.id))
                .map(|c| self.level_weight(c.level))
                .sum();
            if *v > 0.0 && weight <= 0.0 {
                return Err(format!(
                    "[scoring.sections] {s:?}: its clauses weigh nothing (must/should are 0 or every clause has its own points)"
                ));
            }
        }
        for h in &self.hidden {
            if !spec::clauses().iter().any(|c| glob(h, &c.id)) {
                return Err(format!("[scoring] hidden: {h:?} matches no clause"));
            }
        }
        if !["hidden", "after_due_date", "after_published", "visible"]
            .contains(&self.hidden_visibility.as_str())
        {
            return Err(format!(
                "[scoring] hidden_visibility: {:?} is not one of hidden, after_due_date, after_published, visible",
                self.hidden_visibility
            ));
        }
        Ok(())
    }

    fn level_weight(&self, level: Level) -> f64 {
        match level {
            Level::Must => self.must,
            Level::Should => self.should,
        }
    }

    /// Clauses of the section `key` (number or title), untestable ones
    /// left out.
    fn section_members(&self, key: &str) -> Vec<&'static spec::Clause> {
        spec::clauses()
            .iter()
            .filter(|c| c.section == key || section_number(&c.section) == key)
            .filter(|c| !untestable(&c.id))
            .collect()
    }

    /// What each clause of spec.md is worth, by ID.
    #[must_use]
    pub fn worth(&self) -> BTreeMap<String, Worth> {
        let mut out = BTreeMap::new();
        for c in spec::clauses() {
            let section_points = self
                .sections
                .iter()
                .find(|(k, _)| c.section == **k || section_number(&c.section) == k.as_str());
            let points = if let Some(p) = self.clauses.get(&c.id) {
                *p
            } else if untestable(&c.id) {
                0.0
            } else if let Some((key, total)) = section_points {
                let weight: f64 = self
                    .section_members(key)
                    .iter()
                    .filter(|m| !self.clauses.contains_key(&m.id))
                    .map(|m| self.level_weight(m.level))
                    .sum();
                if weight > 0.0 {
                    total * self.level_weight(c.level) / weight
                } else {
                    0.0
                }
            } else {
                self.level_weight(c.level)
            };
            out.insert(
                c.id.clone(),
                Worth {
                    points,
                    hidden: self.hidden.iter().any(|h| glob(h, &c.id)),
                },
            );
        }
        out
    }
}

/// Whether no server case can check the clause (see `trace.rs`).
#[must_use]
pub fn untestable(id: &str) -> bool {
    crate::trace::UNTESTABLE.iter().any(|(c, _)| *c == id)
}

/// Points earned and counted in the maximum for a cell, by the table in
/// the module docs. `ratio` is (passed runs, runs) of a flaky clause.
#[must_use]
pub fn earn(
    status: crate::class::model::CellStatus,
    worth: f64,
    ratio: Option<(u32, u32)>,
    scoring: &Scoring,
) -> (f64, f64) {
    use crate::class::model::CellStatus as S;
    match status {
        S::Pass => (worth, worth),
        S::Flaky => match scoring.flaky {
            FlakyRule::Full => (worth, worth),
            FlakyRule::Zero => (0.0, worth),
            FlakyRule::Ratio => {
                let (passed, runs) = ratio.unwrap_or((0, 1));
                (worth * f64::from(passed) / f64::from(runs.max(1)), worth)
            }
        },
        S::Skip => match scoring.skip {
            SkipRule::Exclude => (0.0, 0.0),
            SkipRule::Zero => (0.0, worth),
            SkipRule::Full => (worth, worth),
        },
        S::Untestable => (0.0, 0.0),
        S::Fail | S::FailShould | S::Error | S::Blocked | S::NotRun | S::NotGraded => (0.0, worth),
    }
}

/// Rounds a score for display and for formats that expect few decimals.
#[must_use]
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
