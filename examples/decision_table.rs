//! Pin every decision of a policy suite as a table.
//!
//! Run: `cargo run --example decision_table -- policies/zoom_russia`
//!
//! It prints the decision table of every query that the set's own tests ask,
//! one row a query. In a project's tests, hand the same table to insta and
//! every changed decision shows up in `cargo insta review`:
//!
//! ```ignore
//! insta::assert_snapshot!("decisions", table(&set));
//! ```
//!
//! (`tests/policies.rs` in this repository does exactly that for `policies/`.)

use std::path::PathBuf;
use std::process::ExitCode;

/// The decision table of the queries in the set's test blocks.
fn table(set: &edict::PolicySet) -> String {
    let rows: Vec<_> = set
        .policy()
        .tests
        .iter()
        .flat_map(|t| &t.expectations)
        .map(|e| edict::render::TableRow {
            query: e.text.clone(),
            date: Some(e.query.date),
            answer: Ok(set.decide(&e.query)),
        })
        .collect();
    edict::render::decision_table(set.policy(), &rows)
}

fn main() -> ExitCode {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        eprintln!("usage: decision_table PATH...");
        return ExitCode::from(2);
    }
    match edict::PolicySet::load(&paths) {
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
        Ok(Err(loaded)) => {
            eprint!(
                "{}",
                edict::render::diagnostics(&loaded.diagnostics, &loaded.policy.sources, false)
            );
            ExitCode::from(1)
        }
        Ok(Ok(set)) => {
            print!("{}", table(&set));
            ExitCode::SUCCESS
        }
    }
}
