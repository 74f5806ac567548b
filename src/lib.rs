//! edict: a policy-as-data language and its interpreter.
//!
//! The pipeline, one module a stage: [`load`](mod@load) finds and reads
//! `.policy` files, [`syntax`] parses them (grammar in `grammar/edict.pest`),
//! [`check`] resolves names (found through [`lookup`]), dates and types into
//! a [`model::Policy`], [`index`] compiles them for deciding (conditions
//! through [`condition`]) and [`eval`] is the reference that decides rule by
//! rule, [`testing`] runs test blocks, and [`render`] shows diagnostics and
//! answers to people and programs. Beside the pipeline, [`analysis`]
//! answers questions about whole sets: what changed between two versions,
//! and how a query's decision runs over time; with the `serve` feature (on
//! by default), `serve` answers decisions over HTTP.
//!
//! ```
//! let set = edict::PolicySet::from_text("rules.policy", "deny sale by partner to category state_owned after 2021-03-31\nallow sale by partner").unwrap();
//! let query = set.query("sale by partner to category state_owned on 2021-04-02").unwrap();
//! assert_eq!(set.decide(&query).effect, edict::Effect::Deny);
//! ```
#![forbid(unsafe_code)]
// Errors carry every diagnostic with its source; they are built once, on the
// cold path, so their size does not matter.
#![allow(clippy::result_large_err)]

pub mod analysis;
pub mod batch;
pub mod calendar;
pub mod check;
pub mod condition;
pub mod diagnostic;
pub mod eval;
pub mod explain;
pub mod format;
pub mod index;
pub mod json;
pub mod lint;
pub mod load;
pub mod lookup;
#[cfg(feature = "lsp")]
pub mod lsp;
pub mod model;
pub mod pattern;
pub mod render;
#[cfg(feature = "serve")]
pub mod serve;
pub mod source;
pub mod syntax;
pub mod testing;
pub mod value;

use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;

pub use diagnostic::{Code, Diagnostic, Severity};
pub use eval::Decision;
pub use load::LoadError;
pub use model::{Policy, Query};
pub use source::Sources;
pub use syntax::ast::Effect;

/// Today in UTC: the date of a query that gives none.
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The result of reading a set: every diagnostic, and the policy built from
/// what could be checked. Use the policy only when [`Loaded::has_errors`] is
/// false; [`Loaded::into_set`] enforces that.
#[derive(Debug)]
pub struct Loaded {
    pub policy: Policy,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        diagnostic::has_errors(&self.diagnostics)
    }

    /// The checked set, or every diagnostic when any is an error.
    pub fn into_set(self) -> Result<PolicySet, Loaded> {
        if self.has_errors() {
            Err(self)
        } else {
            Ok(PolicySet {
                index: Arc::new(index::Index::build(&self.policy)),
                policy: self.policy,
                today: today(),
                number: SETS_BUILT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            })
        }
    }
}

/// Reads, parses and checks the `.policy` files under `paths`.
pub fn load(paths: &[PathBuf]) -> Result<Loaded, LoadError> {
    load_at(paths, today())
}

/// [`load`](fn@load), with `today` as the date of test queries that give none.
pub fn load_at(paths: &[PathBuf], today: NaiveDate) -> Result<Loaded, LoadError> {
    load_with(paths, today, Warnings::Look)
}

/// [`load_at`], saying whether to look for warnings.
pub fn load_with(
    paths: &[PathBuf],
    today: NaiveDate,
    warnings: Warnings,
) -> Result<Loaded, LoadError> {
    let files = load::find_files(paths)?;
    let mut sources = Sources::new();
    let diagnostics = load::read_files(&files, &mut sources)?;
    Ok(compile_with(sources, diagnostics, today, warnings))
}

/// Whether loading looks for warnings (the lints) as well as errors.
/// Deciding needs only the errors, so `eval` and `test` skip the lints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warnings {
    Look,
    Skip,
}

/// Statements parsed and checked at a time: a large set is never held as a
/// syntax tree all at once, only this many statements of it.
const CHECK_PIECE: usize = 4_096;

/// Parses and checks sources; files named by a diagnostic already given
/// (not UTF-8) are not parsed.
///
/// Declarations come first, from every file, since any rule may use any of
/// them; then rules and tests are parsed and checked a piece at a time, in
/// set order.
pub fn compile(sources: Sources, diagnostics: Vec<Diagnostic>, today: NaiveDate) -> Loaded {
    compile_with(sources, diagnostics, today, Warnings::Look)
}

/// [`compile`], saying whether to look for warnings.
pub fn compile_with(
    sources: Sources,
    diagnostics: Vec<Diagnostic>,
    today: NaiveDate,
    warnings: Warnings,
) -> Loaded {
    compile_by(
        sources,
        diagnostics,
        today,
        warnings,
        &mut syntax::parse_ranges,
    )
}

/// [`compile_with`], parsing through a cache that keeps the statements of
/// the last parse: after a small edit, only the statements it touched are
/// parsed again (an editor checks a set on every keystroke this way).
pub fn compile_cached(
    sources: Sources,
    diagnostics: Vec<Diagnostic>,
    today: NaiveDate,
    warnings: Warnings,
    cache: &mut syntax::cache::ParseCache,
) -> Loaded {
    let loaded = compile_by(
        sources,
        diagnostics,
        today,
        warnings,
        &mut |file, text, ranges| cache.parse(file, text, ranges),
    );
    cache.sweep();
    loaded
}

/// How a compile parses the statements at some ranges of a file.
type ParseRanges<'a> = dyn FnMut(
        source::FileId,
        &str,
        &[std::ops::Range<usize>],
    ) -> (Vec<syntax::ast::Statement>, Vec<syntax::SyntaxError>)
    + 'a;

fn compile_by(
    sources: Sources,
    mut diagnostics: Vec<Diagnostic>,
    today: NaiveDate,
    warnings: Warnings,
    parse: &mut ParseRanges<'_>,
) -> Loaded {
    use syntax::split::{is_declaration, split};
    let skip: Vec<source::FileId> = diagnostics
        .iter()
        .filter_map(|d| d.span.map(|s| s.file))
        .collect();
    let mut declarations = Vec::new();
    let mut rest = Vec::new();
    for (id, file) in sources.iter() {
        if skip.contains(&id) {
            continue;
        }
        let (declared, others): (Vec<_>, Vec<_>) = split(&file.text)
            .into_iter()
            .partition(|r| is_declaration(&file.text, r));
        let (statements, errors) = parse(id, &file.text, &declared);
        diagnostics.extend(errors.iter().map(|e| e.to_diagnostic()));
        declarations.extend(statements);
        rest.push((id, Arc::clone(file), others));
    }
    let declared: Vec<&syntax::ast::Statement> = declarations.iter().collect();
    let mut check = check::Check::new(sources, &declared, today);
    // a statement that starts like a declaration but is not one (a rule
    // named `actor`, say) is still checked, if after those that precede it
    check.add(&declared);
    for (id, file, ranges) in rest {
        for piece in ranges.chunks(CHECK_PIECE) {
            let (statements, errors) = parse(id, &file.text, piece);
            diagnostics.extend(errors.iter().map(|e| e.to_diagnostic()));
            check.add(&statements.iter().collect::<Vec<_>>());
        }
    }
    let (policy, errors) = check.finish();
    diagnostics.extend(errors);
    if warnings == Warnings::Look && !diagnostic::has_errors(&diagnostics) {
        diagnostics.extend(lint::lint(&policy));
    }
    diagnostics.sort_by_key(|d| d.span.map(|s| (s.file, s.start())));
    Loaded {
        policy,
        diagnostics,
    }
}

/// A query that could not be checked: its diagnostics, and the text they
/// point into (for a text query).
#[derive(Debug)]
pub struct QueryError {
    pub sources: Sources,
    pub diagnostics: Vec<Diagnostic>,
}

/// A query being built from its parts; see [`PolicySet::ask`].
#[derive(Debug, Clone)]
pub struct Ask<'a> {
    set: &'a PolicySet,
    action: &'a str,
    actor: &'a str,
    category: Option<&'a str>,
    date: Option<NaiveDate>,
    /// By attribute index, placed as they are given.
    attributes: Vec<Option<value::Value>>,
    /// What placing them found wrong.
    errors: Vec<Diagnostic>,
}

impl<'a> Ask<'a> {
    /// The category the action is for.
    pub fn category(mut self, category: &'a str) -> Ask<'a> {
        self.category = Some(category);
        self
    }

    /// The date asked about (default: the set's today).
    pub fn on(mut self, date: NaiveDate) -> Ask<'a> {
        self.date = Some(date);
        self
    }

    /// An attribute's value: text, a number, a bool or a date.
    pub fn with(mut self, name: &'a str, value: impl Into<value::Value>) -> Ask<'a> {
        let vocab = &self.set.policy.vocabulary;
        if let Err(e) = check::place_attribute(vocab, &mut self.attributes, name, value.into()) {
            self.errors.push(e);
        }
        self
    }

    /// The checked query; the error is one plain sentence.
    pub fn check(self) -> Result<Query, String> {
        check::check_parts(
            &self.set.policy.vocabulary,
            (self.action, self.actor, self.category),
            self.date.unwrap_or(self.set.today),
            self.attributes,
            self.errors,
        )
        .map_err(|errors| {
            errors
                .iter()
                .map(|d| d.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    /// Checks and decides.
    pub fn decide(self) -> Result<Decision, String> {
        let set = self.set;
        self.check().map(|q| set.decide(&q))
    }
}

/// A batch line's text, and its query checked and decided or the sentence
/// that says why not; see [`PolicySet::decide_line`].
pub type LineAnswer<'a> = (std::borrow::Cow<'a, str>, Result<(Query, Decision), String>);

/// A policy set without errors: the only thing that decides.
#[derive(Debug, Clone)]
pub struct PolicySet {
    policy: Policy,
    index: Arc<index::Index>,
    today: NaiveDate,
    /// A number no other set built in this process has, for what is kept
    /// of it aside ([`PolicySet::write_decision_json`]).
    number: u64,
}

/// The number of the next set built.
static SETS_BUILT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl PolicySet {
    /// Builds a set from one text; the error holds every diagnostic.
    pub fn from_text(name: &str, text: &str) -> Result<PolicySet, Loaded> {
        let mut sources = Sources::new();
        sources.add(name, text);
        compile_with(sources, Vec::new(), today(), Warnings::Skip).into_set()
    }

    /// Reads a set from paths.
    pub fn load(paths: &[PathBuf]) -> Result<Result<PolicySet, Loaded>, LoadError> {
        Ok(load_with(paths, today(), Warnings::Skip)?.into_set())
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Sets the date used for queries that give none (default: today, UTC).
    /// Appends a decision of this set as JSON, as
    /// [`render::write_decision_json`] writes it; each deciding rule's part
    /// is written once a thread and copied from then on.
    pub fn write_decision_json(&self, decision: &Decision, out: &mut Vec<u8>) {
        render::write_decision_json_cached(self.number, &self.policy, decision, out);
    }

    pub fn with_today(mut self, today: NaiveDate) -> PolicySet {
        self.today = today;
        self
    }

    /// Checks a query in its text form.
    pub fn query(&self, text: &str) -> Result<Query, QueryError> {
        let mut sources = Sources::new();
        let id = sources.add("query", text);
        let parsed = match syntax::parse_query(id, text) {
            Ok(q) => q,
            Err(errors) => {
                let diagnostics = errors.iter().map(|e| e.to_diagnostic()).collect();
                return Err(QueryError {
                    sources,
                    diagnostics,
                });
            }
        };
        let raw = check::RawQuery::from_ast(&parsed);
        check::check_query(&self.policy.vocabulary, &raw, self.today).map_err(|diagnostics| {
            QueryError {
                sources,
                diagnostics,
            }
        })
    }

    /// Parses and checks a query with holes (`?`), which
    /// [`analysis::who_may`] answers: `sale by ? to category state_owned`.
    pub fn open_query(&self, text: &str) -> Result<model::OpenQuery, QueryError> {
        let mut sources = Sources::new();
        let id = sources.add("query", text);
        let parsed = match syntax::parse_open_query(id, text) {
            Ok(q) => q,
            Err(errors) => {
                let diagnostics = errors.iter().map(|e| e.to_diagnostic()).collect();
                return Err(QueryError {
                    sources,
                    diagnostics,
                });
            }
        };
        check::check_open_query(&self.policy.vocabulary, &parsed).map_err(|diagnostics| {
            QueryError {
                sources,
                diagnostics,
            }
        })
    }

    /// Starts a query from its parts, for programs:
    /// `set.ask("sale", "partner").category("state_owned").on(date).with("country", "RU").check()`.
    /// Nothing is parsed; names and values are checked as in the other forms.
    pub fn ask<'a>(&'a self, action: &'a str, actor: &'a str) -> Ask<'a> {
        Ask {
            set: self,
            action,
            actor,
            category: None,
            date: None,
            // made one by one: `vec![None; n]` would clone a `None` n times
            attributes: std::iter::repeat_with(|| None)
                .take(self.policy.vocabulary.attributes.len())
                .collect(),
            errors: Vec::new(),
        }
    }

    /// Checks a query in its JSON form; the error is one plain sentence.
    pub fn json_query(&self, line: &str) -> Result<Query, String> {
        self.check_owned(json::parse_query(line)?)
    }

    /// Checks a query read from JSON (or built by hand); the error is one
    /// plain sentence.
    pub fn check_raw(&self, raw: &check::RawQuery) -> Result<Query, String> {
        self.check_owned(raw.clone())
    }

    /// [`PolicySet::check_raw`], taking the query's values rather than
    /// copying them. Each error's help follows its message, as `--query`
    /// shows it: "undeclared actor `partnr`: did you mean `partner`?".
    pub fn check_owned(&self, raw: check::RawQuery) -> Result<Query, String> {
        self.check_owned_on(raw, self.today)
    }

    /// [`PolicySet::check_owned`], with `today` as the date of a query that
    /// gives none.
    pub fn check_owned_on(&self, raw: check::RawQuery, today: NaiveDate) -> Result<Query, String> {
        check::check_query_owned(&self.policy.vocabulary, raw, today).map_err(|errors| {
            errors
                .iter()
                .map(|d| match &d.help {
                    Some(help) => format!("{}: {help}", d.message),
                    None => d.message.clone(),
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    /// Decides a checked query, through the compiled index.
    pub fn decide(&self, query: &Query) -> Decision {
        self.index.decide(&self.policy, query)
    }

    /// Decides a checked query with the reference evaluator, which looks at
    /// every rule; it answers exactly as [`PolicySet::decide`], more slowly.
    pub fn decide_reference(&self, query: &Query) -> Decision {
        eval::decide(&self.policy, query)
    }

    /// Answers one line of a batch of JSON queries: the line's text and its
    /// query checked and decided, or the sentence that says why not; `None`
    /// for a blank line.
    pub fn decide_line<'a>(&self, line: batch::Line<'a>) -> Option<LineAnswer<'a>> {
        self.decide_line_on(line, self.today)
    }

    /// [`PolicySet::decide_line`], with `today` as the date of a query that
    /// gives none (a service decides for the day of each request).
    pub fn decide_line_on<'a>(
        &self,
        line: batch::Line<'a>,
        today: NaiveDate,
    ) -> Option<LineAnswer<'a>> {
        use batch::LineText;
        use std::borrow::Cow;
        let number = line.number;
        Some(match line.text {
            LineText::TooLong => (
                Cow::Borrowed(""),
                Err(format!(
                    "line {number} is longer than the {} KiB a query may have",
                    batch::MAX_LINE / 1024
                )),
            ),
            LineText::NotUtf8(bytes) => (
                Cow::Owned(String::from_utf8_lossy(bytes).trim().to_string()),
                Err(format!("line {number} is not valid UTF-8")),
            ),
            LineText::Text(text) if text.trim().is_empty() => return None,
            LineText::Text(text) => match json::parse_query(text.trim()) {
                Ok(raw) => (
                    Cow::Borrowed(text.trim()),
                    self.check_owned_on(raw, today).map(|q| {
                        let decision = self.decide(&q);
                        (q, decision)
                    }),
                ),
                Err(message) => (Cow::Borrowed(text.trim()), Err(message)),
            },
        })
    }

    /// Runs every test block whose name contains `filter`.
    pub fn run_tests(&self, filter: Option<&str>) -> testing::Report {
        testing::run(&self.policy, filter)
    }
}
