//! Diagnostics: every problem in an experiment file, pinned to `file:line:col`, with the
//! quoted line, a caret, what was expected and what was found.
//!
//! Rendering is plain text at no fixed width and without colour, so the snapshot tests
//! in `tests/data/invalid` hold the exact output users see.

use std::fmt::Write as _;
use std::ops::Range;

use crate::source::SourceFile;

/// A stable identifier for a kind of problem, documented in the README.
pub type Code = &'static str;

/// One problem found in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub code: Code,
    pub message: String,
    pub span: Range<usize>,
    pub expected: Option<String>,
    pub found: Option<String>,
    pub help: Option<String>,
    /// A second location that explains the first ("first defined here").
    pub related: Option<(Range<usize>, String)>,
}

impl Diagnostic {
    pub fn new(code: Code, span: Range<usize>, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            span,
            expected: None,
            found: None,
            help: None,
            related: None,
        }
    }

    pub fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    pub fn found(mut self, found: impl Into<String>) -> Self {
        self.found = Some(found.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn maybe_help(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    pub fn related(mut self, span: Range<usize>, label: impl Into<String>) -> Self {
        self.related = Some((span, label.into()));
        self
    }

    /// Renders the diagnostic against the file it was found in.
    pub fn render(&self, file: &SourceFile) -> String {
        let mut out = String::new();
        let position = file.position(self.span.start);
        let related_line = self.related.as_ref().map_or(0, |(span, _)| file.position(span.start).line);
        let gutter = position.line.max(related_line).to_string().len();
        let _ = writeln!(out, "error[{}]: {}", self.code, self.message);
        let _ = writeln!(out, "{:gutter$}--> {}:{}:{}", "", file.name, position.line, position.column);
        quote_line(&mut out, file, &self.span, None, gutter);
        if let Some((span, label)) = &self.related {
            let related = file.position(span.start);
            let _ = writeln!(out, "{:gutter$}::: {}:{}:{}", "", file.name, related.line, related.column);
            quote_line(&mut out, file, span, Some(label), gutter);
        }
        if let Some(expected) = &self.expected {
            let _ = writeln!(out, "{:gutter$} = expected: {expected}", "");
        }
        if let Some(found) = &self.found {
            let _ = writeln!(out, "{:gutter$} = found: {found}", "");
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "{:gutter$} = help: {help}", "");
        }
        out
    }
}

fn quote_line(out: &mut String, file: &SourceFile, span: &Range<usize>, label: Option<&str>, gutter: usize) {
    let position = file.position(span.start);
    let line = file.line(position.line);
    let _ = writeln!(out, "{:gutter$} |", "");
    let _ = writeln!(out, "{:>gutter$} | {}", position.line, line);
    let carets = "^".repeat(file.caret_width(span));
    let padding = " ".repeat(position.column - 1);
    match label {
        Some(label) => {
            let _ = writeln!(out, "{:gutter$} | {padding}{carets} {label}", "");
        }
        None => {
            let _ = writeln!(out, "{:gutter$} | {padding}{carets}", "");
        }
    }
}

/// Every diagnostic of one file, sorted by position, rendered together with a summary.
#[derive(Debug, Clone)]
pub struct FileDiagnostics {
    pub file: SourceFile,
    pub diagnostics: Vec<Diagnostic>,
}

impl FileDiagnostics {
    pub fn render(&self) -> String {
        let mut out = String::new();
        for diagnostic in &self.diagnostics {
            out.push_str(&diagnostic.render(&self.file));
            out.push('\n');
        }
        let count = self.diagnostics.len();
        let _ = writeln!(
            out,
            "could not validate `{}`: {count} error{}",
            self.file.name,
            if count == 1 { "" } else { "s" }
        );
        out
    }
}

/// "did you mean `x`?" for the closest known name, when one is close enough.
pub fn did_you_mean<'a>(found: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for candidate in known {
        let score = strsim::jaro_winkler(found, candidate);
        if score > 0.8 && best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, name)| format!("did you mean `{name}`?"))
}

/// "`a`, `b` or `c`".
pub fn one_of<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.into_iter().map(|n| format!("`{n}`")).collect();
    match names.len() {
        0 => "nothing".into(),
        1 => names[0].clone(),
        n => format!("{} or {}", names[..n - 1].join(", "), names[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_quote_and_caret() {
        let file = SourceFile::new("exp.toml", "[protocol]\nrepetitons = 5\n");
        let diagnostic =
            Diagnostic::new("spec::unknown-key", 11..21, "unknown key `repetitons` in `[protocol]`")
                .expected("one of `repetitions` or `warmup`")
                .found("`repetitons`")
                .help("did you mean `repetitions`?");
        let rendered = diagnostic.render(&file);
        assert_eq!(
            rendered,
            "error[spec::unknown-key]: unknown key `repetitons` in `[protocol]`\n --> exp.toml:2:1\n  |\n2 | repetitons = 5\n  | ^^^^^^^^^^\n  = expected: one of `repetitions` or `warmup`\n  = found: `repetitons`\n  = help: did you mean `repetitions`?\n"
        );
    }

    #[test]
    fn suggests_only_close_names() {
        assert_eq!(
            did_you_mean("random_forrest", ["decision_tree", "random_forest"]).as_deref(),
            Some("did you mean `random_forest`?")
        );
        assert_eq!(did_you_mean("xgboost", ["decision_tree", "random_forest"]), None);
    }
}
