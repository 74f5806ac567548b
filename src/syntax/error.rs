//! Syntax errors: the parse stage's one error type.

use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyntaxError {
    /// The text does not follow the grammar at `span`.
    Unexpected {
        span: Span,
        /// Everything that could have stood there, in words.
        expected: Vec<String>,
        /// What stands there instead, in words.
        found: String,
        help: Option<String>,
    },
    /// Parentheses or `not`s nested deeper than [`super::MAX_DEPTH`].
    TooDeep { span: Span },
    /// A clause given twice in one rule.
    DuplicateClause {
        clause: &'static str,
        span: Span,
        first: Span,
    },
    /// A backslash in text followed by something other than `"` or `\`.
    BadEscape { span: Span, escape: String },
    /// An exemption without `from rule NAME`: it would lift nothing.
    MissingExemptedRule { span: Span },
}

impl SyntaxError {
    pub fn span(&self) -> Span {
        match self {
            SyntaxError::Unexpected { span, .. }
            | SyntaxError::TooDeep { span }
            | SyntaxError::DuplicateClause { span, .. }
            | SyntaxError::BadEscape { span, .. }
            | SyntaxError::MissingExemptedRule { span } => *span,
        }
    }

    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            SyntaxError::Unexpected {
                span,
                expected,
                found,
                help,
            } => {
                let label = match expected.len() {
                    0 => "unexpected here".to_string(),
                    _ => format!("expected {}", or_list(expected)),
                };
                Diagnostic::new(Code::Syntax, format!("unexpected {found}"))
                    .at(*span, label)
                    .maybe_help(help.clone())
            }
            SyntaxError::TooDeep { span } => Diagnostic::new(
                Code::TooDeep,
                format!(
                    "expression is nested more than {} levels deep",
                    super::MAX_DEPTH
                ),
            )
            .at(*span, "too deep from here")
            .help("split the condition into simpler parts, or remove extra parentheses and `not`s"),
            SyntaxError::DuplicateClause {
                clause,
                span,
                first,
            } => Diagnostic::new(
                Code::DuplicateClause,
                format!("this rule already has a `{clause}` clause"),
            )
            .at(*span, "second one")
            .note(*first, "first one")
            .help(match *clause {
                "where" | "unless" => {
                    format!("join the conditions into one `{clause}` with `and` or `or`")
                }
                "because" => "give one reason per rule".to_string(),
                _ => format!("list every name in one `{clause}` clause, separated by commas"),
            }),
            SyntaxError::BadEscape { span, escape } => Diagnostic::new(
                Code::BadEscape,
                format!("unknown escape `{escape}` in text"),
            )
            .at(*span, "not an escape")
            .help("text knows two escapes: `\\\"` for a quote and `\\\\` for a backslash"),
            SyntaxError::MissingExemptedRule { span } => Diagnostic::new(
                Code::BadExemption,
                "this exemption does not say which deny it lifts",
            )
            .at(*span, "an exemption of no rule")
            .help("name the denies it carves out of: `exempt ... from rule NAME`"),
        }
    }
}

/// "`a`", "`a` or `b`", "`a`, `b` or `c`".
pub fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
