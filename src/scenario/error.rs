//! Scenario errors: each says which file, where in it (line and column when known), which field, and what
//! was expected. A file can have many problems; all are reported at once.

use super::location::{FieldPath, Location};
use std::fmt;

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// The file.
    pub file: String,
    /// Line and column, when known.
    pub location: Option<Location>,
    /// The field concerned (empty for the whole file).
    pub path: FieldPath,
    /// The variant whose merged spec has the problem, if any.
    pub variant: Option<String>,
    /// What was wrong and what was expected.
    pub message: String,
}

/// `s` with control characters and bidirectional overrides written as `\u{..}` escapes, so that a name taken
/// from the file can neither forge a line of output nor reorder it on a terminal.
fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !s.chars().any(hidden) {
        return s.into();
    }
    s.chars().map(|c| if hidden(c) { c.escape_unicode().to_string() } else { c.to_string() }).collect::<String>().into()
}

impl fmt::Display for Diagnostic {
    /// `file:line:column: field: message (in variant X)`, one line whatever the names hold.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", printable(&self.file))?;
        if let Some(l) = self.location {
            write!(f, ":{}:{}", l.line, l.column)?;
        }
        write!(f, ": ")?;
        if !self.path.0.is_empty() {
            write!(f, "{}: ", printable(&self.path.to_string()))?;
        }
        write!(f, "{}", printable(&self.message))?;
        if let Some(v) = &self.variant {
            write!(f, " (in variant {v:?})")?;
        }
        Ok(())
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file.
        file: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file was read but is not a valid scenario.
    #[error("{}", .0.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Diagnostic>),
}
