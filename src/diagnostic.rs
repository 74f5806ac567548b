//! Diagnostics: what every stage reports, as plain data.
//!
//! Each stage has its own error type and turns it into a [`Diagnostic`];
//! `render` shows diagnostics to people (through miette) and to programs
//! (as JSON).

use crate::source::Span;

/// Whether a problem stops the set from being used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

macro_rules! codes {
    ($($variant:ident = $code:literal, $severity:ident, $title:literal;)*) => {
        /// The kind of a problem. Codes are stable: tools and docs refer to them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            /// Every code, in order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as written in messages and docs, like `E101`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)*
                }
            }

            /// A few words on what the code means.
            pub fn title(self) -> &'static str {
                match self {
                    $(Code::$variant => $title,)*
                }
            }

            pub fn severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$severity,)*
                }
            }
        }
    };
}

codes! {
    NotUtf8 = "E001", Error, "the file is not valid UTF-8";
    Syntax = "E002", Error, "the text does not follow the grammar";
    TooDeep = "E003", Error, "an expression is nested too deeply";
    DuplicateClause = "E004", Error, "a rule has the same clause twice";
    BadEscape = "E005", Error, "unknown escape in text";
    Undeclared = "E101", Error, "a name that the set does not declare";
    WrongKind = "E102", Error, "a name of one kind used where another kind belongs";
    UndeclaredAttribute = "E103", Error, "an attribute that the set does not declare";
    DuplicateDeclaration = "E104", Error, "a name declared twice";
    Cycle = "E105", Error, "a hierarchy that loops back on itself";
    DuplicateDefault = "E106", Error, "a second `default`";
    DuplicateRuleName = "E107", Error, "two rules with the same name";
    DuplicateCombine = "E108", Error, "a second `combine`";
    BadExemption = "E109", Error, "an exemption that names no deny of the set";
    BadPriority = "E110", Error, "a priority that is not a whole number, or that nothing reads";
    BadMembership = "E111", Error, "a window or condition on a declaration without `in`";
    TypeMismatch = "E201", Error, "a comparison of values of different types";
    NoOrder = "E202", Error, "an ordering comparison of values that have no order";
    NotACondition = "E203", Error, "a condition that is not true or false";
    NotConstant = "E204", Error, "a constant or list item whose value is not known when the set is read";
    NotAList = "E205", Error, "`in NAME` where NAME is not a declared list, or a list used as a value";
    BadPattern = "E206", Error, "a text pattern, regular expression or network that does not compile";
    NotADate = "E301", Error, "a date that does not exist or is not written YYYY-MM-DD";
    EmptyWindow = "E302", Error, "a time window that no date satisfies";
    DuplicateBound = "E303", Error, "two lower or two upper time bounds on one rule";
    BadOffset = "E304", Error, "an offset that is not a whole number of units, or that leaves the calendar";
    AttributeType = "E401", Error, "a query gives an attribute a value of the wrong type";
    BadQuery = "E402", Error, "a query that is not well formed";
    DuplicateTestName = "W001", Warning, "two tests with the same name";
    Unused = "W101", Warning, "a declaration that nothing uses";
    ConstantCondition = "W102", Warning, "a condition that reads no attribute";
    DuplicateRule = "W103", Warning, "a rule that repeats another";
    DeadAllow = "W104", Warning, "an allow that an unconditional deny always overrides";
    Conflict = "W105", Warning, "an allow and a deny that overlap, neither inside the other";
    UnreachableExemption = "W106", Warning, "an exemption that no deny it names can reach";
    UndatedExpectation = "W107", Warning, "a test expectation without a date, decided for whatever day the test runs";
    Lookalike = "W109", Warning, "a name of an open kind used once, that is a slip away from another";
    PastTheCalendar = "W108", Warning, "a time window that begins after the last date a query can give";
    NeverApplies = "W110", Warning, "a rule that no query meets (`check --exact`)";
    NeverDecides = "W111", Warning, "a rule that applies but never decides, or an exemption that never lifts a deny (`check --exact`)";
    Covered = "W112", Warning, "a rule that decides only where others of its effect decide too (`check --exact`)";
}

/// A secondary place that a diagnostic points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub span: Span,
    pub label: String,
}

/// One problem, with where it is and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// Plain lower-case words, no final period.
    pub message: String,
    /// The smallest span that shows the problem, if it has a place.
    pub span: Option<Span>,
    /// The words under the underlined span.
    pub label: Option<String>,
    /// Other places that matter (the first declaration of a duplicate, ...).
    pub notes: Vec<Note>,
    /// How to fix it.
    pub help: Option<String>,
    /// Edits that fix it, for tools that apply them (an editor's quick
    /// fixes): each one a whole fix, as its title says.
    pub fixes: Vec<Fix>,
}

/// One way to fix a diagnostic: edits made together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, like "replace with `partner`".
    pub title: String,
    pub edits: Vec<Edit>,
}

/// Replace the text of a span (empty: insert there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub text: String,
}

impl Diagnostic {
    pub fn new(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            span: None,
            label: None,
            notes: Vec::new(),
            help: None,
            fixes: Vec::new(),
        }
    }

    pub fn at(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.span = Some(span);
        let label = label.into();
        self.label = (!label.is_empty()).then_some(label);
        self
    }

    pub fn note(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.notes.push(Note {
            span,
            label: label.into(),
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn maybe_help(mut self, help: Option<String>) -> Diagnostic {
        self.help = help;
        self
    }

    /// Adds a fix of one edit.
    pub fn fix(
        mut self,
        title: impl Into<String>,
        span: Span,
        text: impl Into<String>,
    ) -> Diagnostic {
        self.fixes.push(Fix {
            title: title.into(),
            edits: vec![Edit {
                span,
                text: text.into(),
            }],
        });
        self
    }

    /// For a misspelt name: the fix that writes `name` in place of the
    /// diagnostic's span, when there is a name and a span.
    pub fn replace_with(self, name: Option<&str>) -> Diagnostic {
        match (name, self.span) {
            (Some(name), Some(span)) => {
                let written = crate::syntax::written_name(name).into_owned();
                self.fix(format!("replace with `{written}`"), span, written)
            }
            _ => self,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Whether any diagnostic is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}
