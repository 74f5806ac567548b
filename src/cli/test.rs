//! `edict test`: runs the set's test blocks, with coverage when asked.

use std::process::ExitCode;

use edict::{render, PolicySet};

use super::{exit, print_diagnostics, print_out, Common, Format};

pub fn run(common: &Common, filter: Option<&str>, coverage: bool) -> Result<ExitCode, String> {
    let today = common.today.unwrap_or_else(edict::today);
    let loaded =
        edict::load_with(&common.paths, today, edict::Warnings::Skip).map_err(|e| e.to_string())?;
    let undated: Vec<edict::Diagnostic> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.code == edict::Code::UndatedExpectation)
        .cloned()
        .collect();
    let set = match loaded.into_set() {
        Ok(set) => set.with_today(today),
        Err(loaded) => {
            print_diagnostics(common, &loaded);
            return Ok(ExitCode::from(1));
        }
    };
    let report = set.run_tests(filter);
    undated_expectations(common, &set, &undated);
    if let Some(filter) = filter.filter(|_| report.results.is_empty()) {
        return Err(no_test_matches(&set, filter));
    }
    match common.format() {
        Format::Json => {
            let mut json = render::report_json(set.policy(), &report);
            if coverage {
                json["coverage"] = render::coverage_json(set.policy(), &report);
            }
            print_out(&format!("{json}\n"))
        }
        Format::Human | Format::Table => {
            print_out(&render::report_human(set.policy(), &report, coverage))
        }
    }
    Ok(exit(report.failed() == 0))
}

/// Tests whose expectations give no date (`W107`) are said on standard
/// error: `edict test` is where such a test passes today and fails
/// tomorrow, and `check`, which lists every warning, is not always run.
fn undated_expectations(common: &Common, set: &PolicySet, undated: &[edict::Diagnostic]) {
    if !undated.is_empty() && common.format() != Format::Json {
        eprint!(
            "{}",
            render::diagnostics(undated, &set.policy().sources, super::color(common.color))
        );
    }
}

/// A filter that selects no test is a mistake (a typo in CI would pass
/// green): say so, with the names there are.
fn no_test_matches(set: &PolicySet, filter: &str) -> String {
    let names: Vec<String> = set
        .policy()
        .tests
        .iter()
        .map(|t| format!("\"{}\"", t.name))
        .collect();
    if names.is_empty() {
        format!("--filter `{filter}` matches no test: the set has no tests")
    } else {
        format!(
            "--filter `{filter}` matches no test name; the tests are {}",
            names.join(", ")
        )
    }
}
