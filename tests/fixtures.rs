//! Fixture suites: one `.policy` file a case under `tests/fixtures/<stage>/{ok,err}/`,
//! one snapshot each holding the source and the rendered report (no colour).
//!
//! `ok` fixtures must give no error; `err` fixtures must give at least one.
//! Eval fixtures hold queries in lines starting with `#> `.

use std::path::Path;

use chrono::NaiveDate;
use edict::{render, syntax, Sources};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).expect("a date")
}

/// The fixture's name relative to `tests/fixtures`, with `/` separators.
fn name(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    path.strip_prefix(root)
        .expect("under fixtures")
        .to_string_lossy()
        .replace('\\', "/")
}

fn read(path: &Path) -> (String, Sources) {
    let text = std::fs::read_to_string(path).expect("fixture is UTF-8");
    let mut sources = Sources::new();
    sources.add(name(path), text.clone());
    (text, sources)
}

fn expect_outcome(path: &Path, had_errors: bool) {
    let ok = name(path).contains("/ok/");
    assert_eq!(
        !had_errors,
        ok,
        "{}: an ok fixture must have no error, an err fixture at least one",
        name(path)
    );
}

fn snapshot(source: &str, report: &str) -> String {
    format!("{source}\n----- report -----\n{report}")
}

#[test]
fn parse_fixtures() {
    insta::glob!("fixtures/parse", "**/*.policy", |path| {
        let (text, sources) = read(path);
        let (file, errors) = syntax::parse_file(0, &text);
        let diagnostics: Vec<_> = errors.iter().map(|e| e.to_diagnostic()).collect();
        expect_outcome(path, !diagnostics.is_empty());
        let mut report = render::diagnostics(&diagnostics, &sources, false);
        for statement in &file.statements {
            let (kind, span) = match statement {
                syntax::ast::Statement::Names(d) => {
                    (format!("{} declaration", d.kind.as_str()), d.span)
                }
                syntax::ast::Statement::Attributes(d) => {
                    ("attribute declaration".to_string(), d.span)
                }
                syntax::ast::Statement::Default(d) => ("default".to_string(), d.span),
                syntax::ast::Statement::List(d) => ("list declaration".to_string(), d.span),
                syntax::ast::Statement::Constant(d) => ("constant declaration".to_string(), d.span),
                syntax::ast::Statement::Combine(d) => ("combine".to_string(), d.span),
                syntax::ast::Statement::Rule(r) => (format!("{} rule", r.keyword()), r.span),
                syntax::ast::Statement::Test(t) => (
                    format!("test with {} expectations", t.expectations.len()),
                    t.span,
                ),
            };
            let at = sources.get(0).line_col(span.start());
            report.push_str(&format!(
                "{}:{}: {kind}: {}\n",
                at.line,
                at.column,
                &text[span.start()..span.end()]
            ));
        }
        insta::assert_snapshot!(snapshot(&text, &report));
    });
}

#[test]
fn check_fixtures() {
    insta::glob!("fixtures/check", "**/*.policy", |path| {
        let (text, sources) = read(path);
        let loaded = edict::compile(sources, Vec::new(), today());
        expect_outcome(path, loaded.has_errors());
        let mut report = render::diagnostics(&loaded.diagnostics, &loaded.policy.sources, false);
        report.push_str(&render::summary(&loaded.diagnostics));
        insta::assert_snapshot!(snapshot(&text, &report));
    });
}

#[test]
fn eval_fixtures() {
    insta::glob!("fixtures/eval", "**/*.policy", |path| {
        let (text, sources) = read(path);
        let loaded = edict::compile(sources, Vec::new(), today());
        let set = match loaded.into_set() {
            Ok(set) => set.with_today(today()),
            Err(loaded) => panic!(
                "{}: {}",
                name(path),
                render::diagnostics(&loaded.diagnostics, &loaded.policy.sources, false)
            ),
        };
        let mut report = String::new();
        let mut any_error = false;
        for query in text.lines().filter_map(|l| l.strip_prefix("#> ")) {
            report.push_str(&format!("> {query}\n"));
            match set.query(query) {
                Ok(q) => {
                    report.push_str(&render::decision_human(set.policy(), &set.decide(&q)));
                    report.push_str("why:\n");
                    report.push_str(&render::explanation_human(
                        set.policy(),
                        &edict::explain::explain(set.policy(), &q),
                    ));
                }
                Err(e) => {
                    any_error = true;
                    report.push_str(&render::diagnostics(&e.diagnostics, &e.sources, false));
                }
            }
        }
        expect_outcome(path, any_error);
        insta::assert_snapshot!(snapshot(&text, &report));
    });
}

/// The JSON form of decisions and explanations, one snapshot per eval fixture.
#[test]
fn eval_fixtures_json() {
    insta::glob!("fixtures/eval/ok", "*.policy", |path| {
        let (text, sources) = read(path);
        let set = edict::compile(sources, Vec::new(), today())
            .into_set()
            .expect("valid set")
            .with_today(today());
        let mut lines = Vec::new();
        for query in text.lines().filter_map(|l| l.strip_prefix("#> ")) {
            let q = set.query(query).expect("valid query");
            let mut answer = render::decision_json(set.policy(), &set.decide(&q));
            answer["explain"] =
                render::explanation_json(set.policy(), &edict::explain::explain(set.policy(), &q));
            lines.push(format!(
                "> {query}\n{}",
                serde_json::to_string_pretty(&answer).expect("JSON")
            ));
        }
        insta::assert_snapshot!(lines.join("\n"));
    });
}

/// A fixture set read alone, checked, with today fixed.
fn set_of(path: &Path) -> (String, edict::PolicySet) {
    let (text, sources) = read(path);
    let loaded = edict::compile(sources, Vec::new(), today());
    match loaded.into_set() {
        Ok(set) => (text, set.with_today(today())),
        Err(loaded) => panic!(
            "{}: {}",
            name(path),
            render::diagnostics(&loaded.diagnostics, &loaded.policy.sources, false)
        ),
    }
}

/// `edict diff`: each `NAME.old.policy` beside its `NAME.new.policy`; the
/// snapshot holds both, the answer for people and the JSON.
#[test]
fn diff_fixtures() {
    use edict::analysis::{diff, report};
    insta::glob!("fixtures/diff", "*.old.policy", |path| {
        let new_path = path.with_file_name(
            name(path)
                .rsplit('/')
                .next()
                .expect("a file name")
                .replace(".old.policy", ".new.policy"),
        );
        let (old_text, old) = set_of(path);
        let (new_text, new) = set_of(&new_path);
        let found = diff::diff(&old, &new).expect("fixtures are analysed");
        let json = report::diff_json(old.policy(), new.policy(), &found);
        let source = format!("{old_text}\n----- new -----\n{new_text}");
        let answer = format!(
            "{}\n----- json -----\n{}",
            report::diff_human(old.policy(), new.policy(), &found),
            serde_json::to_string_pretty(&json).expect("JSON")
        );
        insta::assert_snapshot!(snapshot(&source, &answer));
    });
}

/// `edict timeline`: each query of a `#> ` line, for people and as JSON.
#[test]
fn timeline_fixtures() {
    use edict::analysis::{report, timeline};
    insta::glob!("fixtures/timeline", "*.policy", |path| {
        let (text, set) = set_of(path);
        let mut out = String::new();
        for query in text.lines().filter_map(|l| l.strip_prefix("#> ")) {
            let q = set.query(query).expect("valid query");
            let found = timeline::timeline(&set, &q).expect("fixtures are analysed");
            out.push_str(&format!(
                "> {query}\n{}{}\n",
                report::timeline_human(set.policy(), &found),
                serde_json::to_string_pretty(&report::timeline_json(set.policy(), &found))
                    .expect("JSON")
            ));
        }
        insta::assert_snapshot!(snapshot(&text, &out));
    });
}

/// `edict who-may`: each question of a `#> ` line, for people and as JSON.
#[test]
fn who_may_fixtures() {
    use edict::analysis::{report, who_may};
    insta::glob!("fixtures/who_may", "*.policy", |path| {
        let (text, set) = set_of(path);
        let mut out = String::new();
        for question in text.lines().filter_map(|l| l.strip_prefix("#> ")) {
            let q = set.open_query(question).expect("a valid question");
            let found = who_may::who_may(&set, &q).expect("fixtures are analysed");
            out.push_str(&format!(
                "> {question}\n{}{}\n",
                report::who_may_human(set.policy(), &found),
                serde_json::to_string_pretty(&report::who_may_json(set.policy(), &found))
                    .expect("JSON")
            ));
        }
        insta::assert_snapshot!(snapshot(&text, &out));
    });
}

/// `edict check --exact`: the lints with the exact ones merged in.
#[test]
fn exact_lint_fixtures() {
    use edict::analysis::lints;
    insta::glob!("fixtures/exact", "*.policy", |path| {
        let (text, sources) = read(path);
        let mut loaded = edict::compile(sources, Vec::new(), today());
        let heuristic = std::mem::take(&mut loaded.diagnostics);
        let set = loaded.into_set().expect("fixtures have no errors");
        let found = lints::exact(&set).expect("fixtures are walked");
        let diagnostics = lints::merge(set.policy(), heuristic, found);
        let mut report = render::diagnostics(&diagnostics, &set.policy().sources, false);
        report.push_str(&render::summary(&diagnostics));
        insta::assert_snapshot!(snapshot(&text, &report));
    });
}
