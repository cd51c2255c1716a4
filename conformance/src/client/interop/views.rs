//! The views of a grid: the terminal's, Markdown, and one self-contained
//! HTML page; in each a failing cell links to (or is followed by) its
//! checks, transcript and outputs.

use super::{Cell, Grid};
use crate::class::report::html::esc;
use crate::class::report::markdown::table_text;
use crate::runner::indent;
use std::fmt::Write as _;

impl Grid {
    /// Whether every cell passed.
    #[must_use]
    pub fn passed(&self) -> bool {
        self.cells.iter().all(Cell::passed)
    }

    /// The cell of `client` and `server`.
    #[must_use]
    pub fn cell(&self, client: &str, server: &str) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|c| c.client == client && c.server == server)
    }

    fn mark(&self, client: &str, server: &str) -> (bool, String) {
        match self.cell(client, server) {
            Some(c) if c.passed() => (true, "pass".into()),
            Some(c) => (false, format!("FAIL ({})", c.failures().count())),
            None => (false, "-".into()),
        }
    }

    /// The grid for the terminal, then every failure with its checks and
    /// transcript.
    #[must_use]
    pub fn terminal(&self) -> String {
        let mut s = String::new();
        let corner = "client \\ server";
        let width = self
            .clients
            .iter()
            .map(|c| c.chars().count())
            .chain([corner.len()])
            .max()
            .unwrap_or(0)
            + 2;
        let column = self
            .servers
            .iter()
            .map(|c| c.chars().count())
            .chain(["FAIL (99)".len()])
            .max()
            .unwrap_or(0)
            + 2;
        let _ = writeln!(
            s,
            "\ninterop: {} client(s) × {} server(s), two sessions of real transfers each ({:.1} s)\n",
            self.clients.len(),
            self.servers.len(),
            self.secs
        );
        let _ = write!(s, "{corner:width$}");
        for srv in &self.servers {
            let _ = write!(s, "{srv:column$}");
        }
        s.truncate(s.trim_end().len());
        s.push('\n');
        for cl in &self.clients {
            let _ = write!(s, "{cl:width$}");
            for srv in &self.servers {
                let _ = write!(s, "{:column$}", self.mark(cl, srv).1);
            }
            s.truncate(s.trim_end().len());
            s.push('\n');
        }
        for c in self.cells.iter().filter(|c| !c.passed()) {
            let _ = writeln!(s, "\nFAIL {} × {}:", c.client, c.server);
            for f in c.failures() {
                let _ = writeln!(s, "  {}\n    {}", f.what, f.detail);
            }
            let _ = writeln!(
                s,
                "  transcript (C: the client, S: the server):\n{}",
                indent(&indent(&c.transcript))
            );
        }
        let _ = writeln!(
            s,
            "\n{}",
            if self.passed() {
                "interop: all green"
            } else {
                "interop: FAILURES (see above)"
            }
        );
        s
    }

    /// The grid as Markdown: a table whose failing cells link to a section
    /// with the checks and the transcript.
    #[must_use]
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# mftp/1 interop: clients × servers\n");
        let _ = writeln!(
            s,
            "Each cell runs the client against the server through two sessions of real transfers (listings, sizes, downloads and uploads up to 3 MiB, names with spaces and UTF-8, a remove, an error); {:.1} s in all.\n",
            self.secs
        );
        let _ = write!(s, "| client \\ server |");
        for srv in &self.servers {
            let _ = write!(s, " {} |", table_text(srv));
        }
        let _ = write!(s, "\n|---|");
        for _ in &self.servers {
            s.push_str("---|");
        }
        s.push('\n');
        for cl in &self.clients {
            let _ = write!(s, "| {} |", table_text(cl));
            for srv in &self.servers {
                let text = match self.cell(cl, srv) {
                    Some(c) if c.passed() => "✅ pass".to_string(),
                    Some(c) => format!("❌ [FAIL ({})](#{})", c.failures().count(), c.anchor()),
                    None => "-".into(),
                };
                let _ = write!(s, " {text} |");
            }
            s.push('\n');
        }
        for c in self.cells.iter().filter(|c| !c.passed()) {
            let _ = writeln!(
                s,
                "\n<a id=\"{}\"></a>\n## {} × {}\n",
                c.anchor(),
                table_text(&c.client),
                table_text(&c.server)
            );
            for f in c.failures() {
                let _ = writeln!(
                    s,
                    "- **{}**: {}",
                    table_text(&f.what),
                    table_text(&f.detail)
                );
            }
            let _ = writeln!(
                s,
                "\nTranscript (`C:` the client, `S:` the server):\n\n```text\n{}```\n\nClient output:\n\n```text\n{}```\n\nServer stderr (last lines):\n\n```text\n{}\n```",
                fence_safe(&c.transcript),
                fence_safe(&c.client_output),
                fence_safe(&c.server_stderr)
            );
        }
        s
    }

    /// The grid as one self-contained HTML page (inline CSS, no scripts, no
    /// network): a table whose failing cells link to their section.
    #[must_use]
    pub fn html(&self) -> String {
        let mut s = String::new();
        s.push_str(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>mftp/1 interop</title>\n<style>\n\
             body{font-family:system-ui,sans-serif;margin:2em;color:#222}\n\
             table{border-collapse:collapse}\n\
             th,td{border:1px solid #999;padding:.4em .8em;text-align:center}\n\
             th.row{text-align:left}\n\
             td.pass{background:#d8f5d0}\n\
             td.fail{background:#f9d0d0;font-weight:bold}\n\
             pre{background:#f4f4f4;padding:.6em;overflow-x:auto;font-size:90%}\n\
             section{margin-top:2em;border-top:2px solid #c33;padding-top:.5em}\n\
             </style>\n</head>\n<body>\n<h1>mftp/1 interop: clients × servers</h1>\n",
        );
        let _ = writeln!(
            s,
            "<p>Each cell runs the client against the server through two sessions of real transfers; {:.1}&nbsp;s in all. <strong id=\"verdict\">{}</strong></p>",
            self.secs,
            if self.passed() {
                "All green."
            } else {
                "Failures below."
            }
        );
        s.push_str("<table id=\"grid\">\n<tr><th>client \\ server</th>");
        for srv in &self.servers {
            let _ = write!(s, "<th>{}</th>", esc(srv));
        }
        s.push_str("</tr>\n");
        for cl in &self.clients {
            let _ = write!(s, "<tr><th class=\"row\">{}</th>", esc(cl));
            for srv in &self.servers {
                match self.cell(cl, srv) {
                    Some(c) if c.passed() => {
                        let _ = write!(s, "<td class=\"pass\">pass</td>");
                    }
                    Some(c) => {
                        let _ = write!(
                            s,
                            "<td class=\"fail\"><a href=\"#{}\">FAIL ({})</a></td>",
                            c.anchor(),
                            c.failures().count()
                        );
                    }
                    None => s.push_str("<td>-</td>"),
                }
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</table>\n");
        for c in self.cells.iter().filter(|c| !c.passed()) {
            let _ = writeln!(
                s,
                "<section id=\"{}\">\n<h2>{} × {}</h2>\n<ul>",
                c.anchor(),
                esc(&c.client),
                esc(&c.server)
            );
            for f in c.failures() {
                let _ = writeln!(
                    s,
                    "<li><strong>{}</strong>: {}</li>",
                    esc(&f.what),
                    esc(&f.detail)
                );
            }
            let _ = writeln!(
                s,
                "</ul>\n<h3>Transcript (C: the client, S: the server)</h3>\n<pre>{}</pre>\n<h3>Client output</h3>\n<pre>{}</pre>\n<h3>Server stderr (last lines)</h3>\n<pre>{}</pre>\n</section>",
                esc(&c.transcript),
                esc(&c.client_output),
                esc(&c.server_stderr)
            );
        }
        s.push_str("</body>\n</html>\n");
        s
    }
}

/// Text for a fenced block: a line of three backticks cannot end it.
fn fence_safe(s: &str) -> String {
    s.replace("```", "`\u{200b}``")
}
