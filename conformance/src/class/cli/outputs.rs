//! Where the reports go (`--out DIR` or one option per format; with none,
//! `--out mftp-grade-report`), and writing them.

use crate::class::model::{ClassReport, ImplResult};
use crate::class::report;
use std::path::{Path, PathBuf};

/// Where reports go.
#[derive(Default, Debug)]
pub(super) struct Outputs {
    pub(super) out: Option<PathBuf>,
    pub(super) html: Option<PathBuf>,
    pub(super) markdown: Option<PathBuf>,
    pub(super) json: Option<PathBuf>,
    pub(super) junit: Option<PathBuf>,
    pub(super) tap: Option<PathBuf>,
    pub(super) gradescope: Option<PathBuf>,
    /// `Some(None)`: `$GITHUB_OUTPUT`.
    pub(super) classroom: Option<Option<PathBuf>>,
}

impl Outputs {
    /// These, or `--out mftp-grade-report` when none is given.
    pub(super) fn or_default(self) -> Outputs {
        if self.any() {
            self
        } else {
            Outputs {
                out: Some(PathBuf::from("mftp-grade-report")),
                ..Outputs::default()
            }
        }
    }

    fn any(&self) -> bool {
        self.out.is_some()
            || self.html.is_some()
            || self.markdown.is_some()
            || self.json.is_some()
            || self.junit.is_some()
            || self.tap.is_some()
            || self.gradescope.is_some()
            || self.classroom.is_some()
    }
}

fn write(path: &Path, text: &str, what: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!("{what}: {}", path.display());
    Ok(())
}

/// Appends GitHub Classroom result lines to `path`.
fn append(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write as _;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    f.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!("GitHub Classroom result: {}", path.display());
    Ok(())
}

/// An implementation's Gradescope `results.json`.
fn gradescope_json(r: &ClassReport, i: &ImplResult) -> Result<String, String> {
    serde_json::to_string_pretty(&report::gradescope::render(r, i)).map_err(|e| e.to_string())
}

/// The name of an implementation's GitHub output: `result` when it is the
/// only one, else `result_NAME`.
fn classroom_name(r: &ClassReport, name: &str) -> String {
    if r.implementations.len() == 1 {
        "result".into()
    } else {
        format!("result_{}", crate::case::slug(name))
    }
}

/// Writes every report `o` asks for.
pub(super) fn write_outputs(r: &ClassReport, o: &Outputs) -> Result<(), String> {
    let mut out = Outputs {
        html: o.html.clone(),
        markdown: o.markdown.clone(),
        json: o.json.clone(),
        junit: o.junit.clone(),
        tap: o.tap.clone(),
        gradescope: o.gradescope.clone(),
        classroom: o.classroom.clone(),
        out: None,
    };
    if let Some(dir) = &o.out {
        out.html.get_or_insert_with(|| dir.join("index.html"));
        out.markdown.get_or_insert_with(|| dir.join("report.md"));
        out.json.get_or_insert_with(|| dir.join("class.json"));
        out.junit.get_or_insert_with(|| dir.join("junit.xml"));
        out.tap.get_or_insert_with(|| dir.join("report.tap"));
        for i in &r.implementations {
            let slug = crate::case::slug(&i.name);
            write(
                &dir.join("gradescope").join(&slug).join("results.json"),
                &gradescope_json(r, i)?,
                "Gradescope",
            )?;
            write(
                &dir.join("classroom").join(format!("{slug}.txt")),
                &report::classroom::output_line("result", r, i),
                "GitHub Classroom",
            )?;
        }
    }
    if let Some(p) = &out.html {
        write(p, &report::html::render(r), "HTML")?;
    }
    if let Some(p) = &out.markdown {
        write(p, &report::markdown::render(r), "Markdown")?;
    }
    if let Some(p) = &out.json {
        write(p, &report::json::render(r)?, "JSON")?;
    }
    if let Some(p) = &out.junit {
        write(p, &report::junit::render(r)?, "JUnit")?;
    }
    if let Some(p) = &out.tap {
        write(p, &report::tap::render(r), "TAP")?;
    }
    if let Some(p) = &out.gradescope {
        if let [only] = r.implementations.as_slice() {
            write(p, &gradescope_json(r, only)?, "Gradescope")?;
        } else {
            for i in &r.implementations {
                write(
                    &p.join(crate::case::slug(&i.name)).join("results.json"),
                    &gradescope_json(r, i)?,
                    "Gradescope",
                )?;
            }
        }
    }
    if let Some(target) = &out.classroom {
        let path = match target {
            Some(p) => p.clone(),
            None => std::env::var_os("GITHUB_OUTPUT")
                .map(PathBuf::from)
                .ok_or("--classroom: $GITHUB_OUTPUT is not set (outside GitHub Actions, give --classroom=PATH)")?,
        };
        let mut lines = String::new();
        for i in &r.implementations {
            lines.push_str(&report::classroom::output_line(
                &classroom_name(r, &i.name),
                r,
                i,
            ));
        }
        append(&path, &lines)?;
    }
    Ok(())
}
