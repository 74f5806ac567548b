//! `edict test`: runs the set's test blocks, with coverage when asked:
//! of rules, and with `--regions` of the regions of the decision space.

use std::process::ExitCode;

use edict::analysis::{report, untested, who_may::WhoMay};
use edict::{render, PolicySet};

use super::{exit, print_diagnostics, print_out, Common, Format};

/// The untested regions a report for people shows.
const REGIONS_SHOWN: usize = 20;

/// What coverage to report.
#[derive(Debug, Clone, Copy)]
pub struct Coverage {
    pub rules: bool,
    pub regions: bool,
}

pub fn run(common: &Common, filter: Option<&str>, coverage: Coverage) -> Result<ExitCode, String> {
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
    // a set too large to walk still gets its test report, then exit 2
    let untested = coverage.regions.then(|| untested_regions(&set, filter));
    let policy = set.policy();
    match common.format() {
        Format::Json => {
            let mut json = render::report_json(policy, &report);
            if coverage.rules {
                json["coverage"] = render::coverage_json(policy, &report);
            }
            match &untested {
                Some(Ok(untested)) => {
                    json["coverage"]["untested"] = report::who_may_json(policy, untested)
                }
                Some(Err(error)) => {
                    json["coverage"]["untested"] = serde_json::json!({"error": error})
                }
                None => {}
            }
            print_out(&format!("{json}\n"))
        }
        Format::Human | Format::Table => {
            print_out(&render::report_human(policy, &report, coverage.rules));
            if let Some(Ok(untested)) = &untested {
                print_out(&format!(
                    "\n{}",
                    report::untested_human(policy, untested, REGIONS_SHOWN)
                ));
            }
        }
    }
    match untested {
        Some(Err(error)) => Err(error),
        _ => Ok(exit(report.failed() == 0)),
    }
}

/// The regions that no expectation of the tests run lies in.
fn untested_regions(set: &PolicySet, filter: Option<&str>) -> Result<WhoMay, String> {
    let queries: Vec<&edict::Query> = set
        .policy()
        .tests
        .iter()
        .filter(|t| filter.is_none_or(|f| t.name.contains(f)))
        .flat_map(|t| t.expectations.iter().map(|e| &e.query))
        .collect();
    untested::untested(set, &queries)
        .map_err(|e| format!("cannot walk the regions for coverage: {}", e.0))
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
