//! Showing diagnostics, decisions and test reports: to people through
//! miette, to programs as JSON.

use std::fmt;
use std::io::Write;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use serde_json::{json, Value as Json};

use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::Decision;
use crate::explain::Explanation;
use crate::model::Policy;
use crate::source::{SourceFile, Sources, Span};
use crate::syntax::ast::{Combining, Effect};
use crate::testing::Report;

/// Lines longer than this are not shown in a snippet, only named.
const MAX_SNIPPET_LINE: usize = 400;

impl SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// A diagnostic and the source it points into, as miette sees it.
struct Shown<'a> {
    diagnostic: &'a Diagnostic,
    message: String,
    file: Option<&'a SourceFile>,
    labels: Vec<(Span, Option<String>)>,
    related: Vec<Shown<'a>>,
    code: bool,
}

impl<'a> Shown<'a> {
    fn new(d: &'a Diagnostic, sources: &'a Sources) -> Shown<'a> {
        let mut message = d.message.clone();
        let mut file = d.span.map(|s| &**sources.get(s.file));
        let mut labels: Vec<(Span, Option<String>)> =
            d.span.map(|s| (s, d.label.clone())).into_iter().collect();
        if let (Some(f), Some(span)) = (file, d.span) {
            if f.line_text(span.start()).len() > MAX_SNIPPET_LINE {
                let at = f.line_col(span.start());
                message = format!("{message}\n  at {}:{}:{}", f.name, at.line, at.column);
                file = None;
                labels.clear();
            }
        }
        // miette draws no label at the very end of a text: point at the
        // last character instead, or, in an empty text, say it in words.
        if let (Some(f), Some((span, label))) = (file, labels.first_mut()) {
            if span.start() >= f.text.len() {
                match f.text.char_indices().last() {
                    Some((i, _)) => *span = Span::new(span.file, i, f.text.len()),
                    None => {
                        if let Some(label) = label {
                            message = format!("{message}: {label}");
                        }
                        file = None;
                        labels.clear();
                    }
                }
            }
        }
        let mut related = Vec::new();
        for note in &d.notes {
            if file.is_some() && d.span.is_some_and(|s| s.file == note.span.file) {
                labels.push((note.span, Some(note.label.clone())));
            } else {
                let f = &**sources.get(note.span.file);
                let short = f.line_text(note.span.start()).len() <= MAX_SNIPPET_LINE;
                let at = f.line_col(note.span.start());
                related.push(Shown {
                    diagnostic: d,
                    message: if short {
                        note.label.clone()
                    } else {
                        format!("{} at {}:{}:{}", note.label, f.name, at.line, at.column)
                    },
                    file: short.then_some(f),
                    labels: if short {
                        vec![(note.span, None)]
                    } else {
                        Vec::new()
                    },
                    related: Vec::new(),
                    code: false,
                });
            }
        }
        Shown {
            diagnostic: d,
            message,
            file,
            labels,
            related,
            code: true,
        }
    }
}

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Shown<'_> {}

impl miette::Diagnostic for Shown<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.code
            .then(|| Box::new(self.diagnostic.code.as_str()) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match (self.code, self.diagnostic.severity) {
            (false, _) => miette::Severity::Advice,
            (true, Severity::Error) => miette::Severity::Error,
            (true, Severity::Warning) => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        if !self.code {
            return None;
        }
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.file.map(|f| f as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.file?;
        Some(Box::new(self.labels.iter().enumerate().map(
            |(i, (span, label))| {
                let s = SourceSpan::from(span.start()..span.end());
                if i == 0 {
                    LabeledSpan::new_primary_with_span(label.clone(), s)
                } else {
                    LabeledSpan::new_with_span(label.clone(), s)
                }
            },
        )))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

/// Renders diagnostics for people; `color` only on a terminal that wants it.
pub fn diagnostics(list: &[Diagnostic], sources: &Sources, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    for d in list {
        let shown = Shown::new(d, sources);
        if handler.render_report(&mut out, &shown).is_err() {
            out.push_str(&format!("{}: {}\n", d.severity.as_str(), d.message));
        }
    }
    out
}

/// One diagnostic as JSON.
pub fn diagnostic_json(d: &Diagnostic, sources: &Sources) -> Json {
    let mut object = json!({
        "severity": d.severity.as_str(),
        "code": d.code.as_str(),
        "message": d.message,
    });
    if let Some(span) = d.span {
        let file = sources.get(span.file);
        let start = file.line_col(span.start());
        let end = file.line_col(span.end());
        object["file"] = json!(file.name);
        object["line"] = json!(start.line);
        object["column"] = json!(start.column);
        object["end_line"] = json!(end.line);
        object["end_column"] = json!(end.column);
    }
    if let Some(label) = &d.label {
        object["label"] = json!(label);
    }
    if let Some(help) = &d.help {
        object["help"] = json!(help);
    }
    if !d.notes.is_empty() {
        object["notes"] = d
            .notes
            .iter()
            .map(|n| {
                let file = sources.get(n.span.file);
                let at = file.line_col(n.span.start());
                json!({"message": n.label, "file": file.name, "line": at.line, "column": at.column})
            })
            .collect();
    }
    if !d.fixes.is_empty() {
        object["fixes"] = d.fixes.iter().map(|f| fix_json(f, sources)).collect();
    }
    object
}

/// A fix as JSON: its title and edits, each a span given as line and
/// column (1-based, columns in characters), and the text.
fn fix_json(fix: &crate::diagnostic::Fix, sources: &Sources) -> Json {
    let edits: Vec<Json> = fix
        .edits
        .iter()
        .map(|e| {
            let file = sources.get(e.span.file);
            let (start, end) = (file.line_col(e.span.start()), file.line_col(e.span.end()));
            json!({"file": file.name, "line": start.line, "column": start.column,
                   "end_line": end.line, "end_column": end.column, "text": e.text})
        })
        .collect();
    json!({"title": fix.title, "edits": edits})
}

/// The summary line after diagnostics: "2 errors, 1 warning".
pub fn summary(list: &[Diagnostic]) -> String {
    let errors = list.iter().filter(|d| d.is_error()).count();
    let warnings = list.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// A decision as JSON: the decision, whether the default made it, the
/// deciding rules, and the rules whose match was unknown.
pub fn decision_json(policy: &Policy, decision: &Decision) -> Json {
    let rules: Vec<Json> = decision
        .rules
        .iter()
        .map(|&i| rule_json(policy, i))
        .collect();
    let mut object = json!({
        "decision": decision.effect.as_str(),
        "default": decision.by_default,
        "rules": rules,
    });
    if !decision.exempted.is_empty() {
        object["exempted"] = decision
            .exempted
            .iter()
            .map(|&(deny, by)| {
                let mut entry = rule_json(policy, deny);
                entry["by"] = rule_json(policy, by);
                entry
            })
            .collect();
    }
    if shows_overridden(policy, decision) {
        object["overridden"] = decision
            .overridden
            .iter()
            .map(|&i| rule_json(policy, i))
            .collect();
    }
    if !decision.unknowns.is_empty() {
        object["unknown"] = decision
            .unknowns
            .iter()
            .map(|u| {
                let r = &policy.rules[u.rule];
                json!({"id": r.id(), "file": &*r.file, "line": r.line, "effect": r.kind(), "missing": u.missing, "applied": u.applied})
            })
            .collect();
    }
    object
}

/// A rule in a decision: its id, place, effect and reason.
fn rule_json(policy: &Policy, index: usize) -> Json {
    let r = &policy.rules[index];
    json!({
        "id": r.id(),
        "file": &*r.file,
        "line": r.line,
        "effect": r.kind(),
        "reason": r.reason,
    })
}

/// Whether a decision lists the rules that lost: under `deny overrides` an
/// allow that a deny overrode is the usual case and goes unsaid, as it did
/// before there were other combinings; under those a deny may lose, and
/// that is said.
fn shows_overridden(policy: &Policy, decision: &Decision) -> bool {
    policy.combining != Combining::DenyOverrides && !decision.overridden.is_empty()
}

/// [`decision_json`] written straight into `out`, on one line: the same
/// bytes, without building the JSON value first (the batch's hot path).
pub fn write_decision_json(policy: &Policy, decision: &Decision, out: &mut Vec<u8>) {
    write_decision_json_by(policy, decision, out, |index, out| {
        write_rule_json(&policy.rules[index], out)
    });
}

/// [`write_decision_json`] for the set numbered `set` (a number no other
/// set in this process has): each rule's part is written once a thread and
/// copied from then on. On a large set that spares a decision the cache
/// misses of reading each deciding rule's fields and texts.
pub fn write_decision_json_cached(
    set: u64,
    policy: &Policy,
    decision: &Decision,
    out: &mut Vec<u8>,
) {
    RULE_JSON.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.set != Some(set) {
            cache.set = Some(set);
            cache.places.clear();
            cache.places.resize(policy.rules.len(), (u32::MAX, 0));
            cache.text.clear();
        }
        let cache = &mut *cache;
        write_decision_json_by(policy, decision, out, |index, out| {
            let (start, len) = cache.places[index];
            if start != u32::MAX {
                out.extend_from_slice(&cache.text[start as usize..(start + len) as usize]);
                return;
            }
            let from = out.len();
            write_rule_json(&policy.rules[index], out);
            // kept while the offsets fit; past 4 GiB of texts, written each time
            if let Ok(start) = u32::try_from(cache.text.len()) {
                cache.text.extend_from_slice(&out[from..]);
                cache.places[index] = (start, (out.len() - from) as u32);
            }
        });
    })
}

/// The rules' parts of one set's decisions, for [`write_decision_json_cached`].
#[derive(Default)]
struct RuleJson {
    set: Option<u64>,
    /// By rule: where its part is in `text`, `u32::MAX` when not yet.
    places: Vec<(u32, u32)>,
    text: Vec<u8>,
}

thread_local! {
    static RULE_JSON: std::cell::RefCell<RuleJson> = std::cell::RefCell::new(RuleJson::default());
}

/// One deciding rule as a decision's JSON lists it.
fn write_rule_json(r: &crate::model::Rule, out: &mut Vec<u8>) {
    let text = |out: &mut Vec<u8>, s: &str| {
        let _ = serde_json::to_writer(&mut *out, s);
    };
    out.extend_from_slice(b"{\"id\":");
    match &r.name {
        Some(name) => text(out, name),
        None => {
            // `file:line`, as [`crate::model::Rule::id`] writes it
            text(out, &r.file);
            out.pop();
            let _ = write!(out, ":{}\"", r.line);
        }
    }
    out.extend_from_slice(b",\"file\":");
    text(out, &r.file);
    let _ = write!(out, ",\"line\":{},\"effect\":\"", r.line);
    out.extend_from_slice(r.effect.as_str().as_bytes());
    out.extend_from_slice(b"\",\"reason\":");
    match &r.reason {
        Some(reason) => text(out, reason),
        None => out.extend_from_slice(b"null"),
    }
    out.push(b'}');
}

/// [`write_decision_json`], each rule's part written by `rule`.
fn write_decision_json_by(
    policy: &Policy,
    decision: &Decision,
    out: &mut Vec<u8>,
    mut rule: impl FnMut(usize, &mut Vec<u8>),
) {
    if !decision.unknowns.is_empty()
        || !decision.exempted.is_empty()
        || shows_overridden(policy, decision)
    {
        let _ = serde_json::to_writer(&mut *out, &decision_json(policy, decision));
        return;
    }
    out.extend_from_slice(b"{\"decision\":\"");
    out.extend_from_slice(decision.effect.as_str().as_bytes());
    out.extend_from_slice(if decision.by_default {
        b"\",\"default\":true,\"rules\":["
    } else {
        b"\",\"default\":false,\"rules\":["
    });
    for (i, &index) in decision.rules.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        rule(index, out);
    }
    out.extend_from_slice(b"]}");
}

/// A decision for people: the effect, then why.
pub fn decision_human(policy: &Policy, decision: &Decision) -> String {
    let mut out = format!("{}\n", decision.effect.as_str());
    if decision.by_default {
        out.push_str(&format!(
            "  no rule applies: the set's default is {}\n",
            policy.default.as_str()
        ));
    }
    for &i in &decision.rules {
        let r = &policy.rules[i];
        match &r.name {
            Some(name) => out.push_str(&format!("  by `{name}` at {}:{}", r.file, r.line)),
            None => out.push_str(&format!("  by the rule at {}:{}", r.file, r.line)),
        }
        if let Some(reason) = &r.reason {
            out.push_str(&format!(": {reason}"));
        }
        out.push('\n');
    }
    for &(deny, by) in &decision.exempted {
        let e = &policy.rules[by];
        out.push_str(&format!(
            "  the deny {} applied, but the exemption {} lifts it",
            where_(&policy.rules[deny]),
            where_(e)
        ));
        if let Some(reason) = &e.reason {
            out.push_str(&format!(": {reason}"));
        }
        out.push('\n');
    }
    if shows_overridden(policy, decision) {
        for &i in &decision.overridden {
            let r = &policy.rules[i];
            out.push_str(&format!(
                "  overriding the {} {} (the set combines by {})\n",
                r.kind(),
                where_(r),
                policy.combining.as_str()
            ));
        }
    }
    // Only the unknowns that could have changed the decision: a deny that
    // applied for want of an attribute, or an allow that would have won.
    for u in &decision.unknowns {
        let r = &policy.rules[u.rule];
        let mattered = if u.applied {
            decision.effect == Effect::Deny
        } else {
            decision.effect != Effect::Allow
        };
        if !mattered {
            continue;
        }
        let what = u
            .missing
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let outcome = if u.applied {
            "applied anyway (a deny fails closed)"
        } else if r.is_exemption() {
            "did not apply (an exemption needs a known match)"
        } else {
            "did not apply (an allow needs a known match)"
        };
        let what_rule = if r.is_exemption() {
            "exemption"
        } else if r.effect == Effect::Deny {
            "deny rule"
        } else {
            "allow rule"
        };
        out.push_str(&format!(
            "  note: the {what_rule} {} could not be matched without {what}, so it {outcome}\n",
            where_(r)
        ));
    }
    out
}

/// A test report for people, ending with `N passed, N failed`; with
/// `coverage`, the rules no test reaches come before that line.
pub fn report_human(policy: &Policy, report: &Report, coverage: bool) -> String {
    let mut out = String::new();
    for r in &report.results {
        let status = if r.passed() { "ok" } else { "FAILED" };
        out.push_str(&format!("test {} ... {status}\n", r.name));
    }
    let failures: Vec<_> = report.results.iter().filter(|r| !r.passed()).collect();
    if !failures.is_empty() {
        out.push_str("\nfailures:\n");
    }
    for r in failures {
        out.push_str(&format!(
            "\n  test \"{}\" ({}:{})\n",
            r.name, r.file, r.line
        ));
        for f in &r.failures {
            let e = &f.expectation;
            // an expectation without a date was decided for the day it ran
            let date = e.query.date.to_string();
            let undated = if e.text.contains(&date) {
                String::new()
            } else {
                format!(" (no date given: decided for {date})")
            };
            out.push_str(&format!(
                "    {}:{}: expected {}, got {}\n      query: {}{undated}\n",
                r.file,
                e.line,
                e.effect.as_str(),
                f.decision.effect.as_str(),
                e.text
            ));
            for line in decision_human(policy, &f.decision).lines().skip(1) {
                out.push_str(&format!("    {line}\n"));
            }
            out.push_str("      why:\n");
            for line in
                explanation_human(policy, &crate::explain::explain(policy, &e.query)).lines()
            {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    if coverage {
        out.push_str(&coverage_human(policy, report));
    }
    out.push_str(&format!(
        "\n{} passed, {} failed\n",
        report.passed(),
        report.failed()
    ));
    out
}

/// A rule for people: "`name` at FILE:LINE", or "at FILE:LINE" when unnamed.
fn where_(rule: &crate::model::Rule) -> String {
    match &rule.name {
        Some(name) => format!("`{name}` at {}:{}", rule.file, rule.line),
        None => format!("at {}:{}", rule.file, rule.line),
    }
}

/// How many expectations each rule applied in, and the rules none reached.
pub fn coverage_human(policy: &Policy, report: &Report) -> String {
    let mut out = String::from("\ncoverage:\n");
    for (rule, hits) in policy.rules.iter().zip(&report.coverage) {
        let plural = if *hits == 1 { "" } else { "s" };
        out.push_str(&format!(
            "  {hits:>5} expectation{plural:<1}  {} {}
",
            rule.kind(),
            where_(rule)
        ));
    }
    let uncovered = report.uncovered();
    if !uncovered.is_empty() {
        out.push_str("\n  no test reaches:\n");
        for i in uncovered {
            let r = &policy.rules[i];
            out.push_str(&format!(
                "    {} {}
",
                r.kind(),
                where_(r)
            ));
        }
    }
    let covered = report.coverage.iter().filter(|&&n| n > 0).count();
    out.push_str(&format!(
        "\n  {covered} of {} rules reached: {:.1}%\n",
        report.coverage.len(),
        report.coverage_percent()
    ));
    out
}

/// Coverage as JSON.
pub fn coverage_json(policy: &Policy, report: &Report) -> Json {
    let rules: Vec<Json> = policy
        .rules
        .iter()
        .zip(&report.coverage)
        .map(|(r, hits)| json!({"id": r.id(), "file": &*r.file, "line": r.line, "effect": r.kind(), "expectations": hits}))
        .collect();
    let uncovered: Vec<Json> = report
        .uncovered()
        .into_iter()
        .map(|i| {
            let r = &policy.rules[i];
            json!({"id": r.id(), "file": &*r.file, "line": r.line})
        })
        .collect();
    json!({"rules": rules, "uncovered": uncovered, "percent": report.coverage_percent()})
}

/// A test report as JSON.
pub fn report_json(policy: &Policy, report: &Report) -> Json {
    let tests: Vec<Json> = report
        .results
        .iter()
        .map(|r| {
            let failures: Vec<Json> = r
                .failures
                .iter()
                .map(|f| {
                    json!({
                        "line": f.expectation.line,
                        "query": f.expectation.text,
                        "expected": f.expectation.effect.as_str(),
                        "actual": decision_json(policy, &f.decision),
                    })
                })
                .collect();
            json!({"name": r.name, "file": &*r.file, "line": r.line, "passed": r.passed(), "expectations": r.expectations, "failures": failures})
        })
        .collect();
    json!({"passed": report.passed(), "failed": report.failed(), "tests": tests})
}

/// One row of a decision table: the query as written, the date it was
/// decided for (`None` when it could not be checked), and its answer.
pub struct TableRow {
    pub query: String,
    pub date: Option<chrono::NaiveDate>,
    pub answer: Result<Decision, String>,
}

/// A decision table: one row a query, with the date it was decided for (a
/// query without one is decided for today), the decision and the deciding
/// rules by id (`default` when the default decided). It is stable and
/// diffable, made to be pinned with a snapshot test.
pub fn decision_table(policy: &Policy, rows: &[TableRow]) -> String {
    let mut out = String::from("| query | date | decision | rules |\n|---|---|---|---|\n");
    for row in rows {
        let (decision, rules) = match &row.answer {
            Ok(d) if d.by_default => (d.effect.as_str().to_string(), "default".to_string()),
            Ok(d) => (
                d.effect.as_str().to_string(),
                d.rules
                    .iter()
                    .map(|&i| policy.rules[i].id())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            Err(message) => ("error".to_string(), message.clone()),
        };
        let date = row.date.map_or_else(String::new, |d| d.to_string());
        out.push_str(&format!(
            "| {} | {date} | {decision} | {} |\n",
            cell(&row.query),
            cell(&rules)
        ));
    }
    out
}

/// A table cell: `|` escaped and line breaks folded, so a row stays a row.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Why each rule that shares the query's action did or did not apply, with
/// the clause that decided it underlined.
pub fn explanation_human(policy: &Policy, explanations: &[Explanation]) -> String {
    let mut out = String::new();
    if explanations.is_empty() {
        out.push_str("  no rule covers this action\n");
    }
    // first the rules about the query's names, with the clause that
    // decided; then, a line each, the rules about other names
    for e in explanations.iter().filter(|e| e.in_scope) {
        let r = &policy.rules[e.rule];
        let mark = if e.applied {
            "applies"
        } else {
            "does not apply"
        };
        out.push_str(&format!("  {} {}: {mark}", r.kind(), where_(r)));
        if let Some(reason) = &e.reason {
            out.push_str(&format!(": {reason}"));
        }
        out.push('\n');
        if let Some(span) = e.span {
            out.push_str(&underline(&policy.sources, span, "      "));
        }
    }
    let others: Vec<&Explanation> = explanations.iter().filter(|e| !e.in_scope).collect();
    if !others.is_empty() {
        out.push_str("  about other names:\n");
    }
    for e in others {
        let r = &policy.rules[e.rule];
        let reason = e.reason.as_deref().unwrap_or("");
        out.push_str(&format!("    {} {}: {reason}\n", r.kind(), where_(r)));
    }
    out
}

/// The source line of a span with the span underlined.
fn underline(sources: &Sources, span: Span, indent: &str) -> String {
    let file = sources.get(span.file);
    let line_text = file.line_text(span.start());
    if line_text.len() > MAX_SNIPPET_LINE {
        return String::new();
    }
    let start = file.line_col(span.start());
    let end = file.line_col(span.end());
    let width = if end.line == start.line {
        end.column.saturating_sub(start.column).max(1)
    } else {
        line_text.chars().count() + 1 - start.column
    };
    let number = start.line.to_string();
    let pad = " ".repeat(number.len());
    let shown: String = line_text
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    format!(
        "{indent}{number} │ {shown}\n{indent}{pad} │ {}{}\n",
        " ".repeat(start.column - 1),
        "^".repeat(width)
    )
}

/// Explanations as JSON.
pub fn explanation_json(policy: &Policy, explanations: &[Explanation]) -> Json {
    explanations
        .iter()
        .map(|e| {
            let r = &policy.rules[e.rule];
            let mut object = json!({
                "id": r.id(), "file": &*r.file, "line": r.line, "effect": r.kind(),
                "applied": e.applied, "in_scope": e.in_scope, "reason": e.reason,
            });
            if let Some(span) = e.span {
                let file = policy.sources.get(span.file);
                let start = file.line_col(span.start());
                let end = file.line_col(span.end());
                object["clause"] = json!({"line": start.line, "column": start.column, "end_line": end.line, "end_column": end.column,
                    "text": &file.text[span.start()..span.end()]});
            }
            object
        })
        .collect()
}
