//! The policy sets in `policies/` are clean and pass their own tests.

use std::path::{Path, PathBuf};

/// The sets, as paths relative to the package (the working directory of
/// tests), so that rule ids in snapshots do not depend on the machine.
fn sets() -> Vec<PathBuf> {
    let root = Path::new("policies");
    let mut sets: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("policies/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    sets.sort();
    sets
}

#[test]
fn there_are_at_least_three_sets() {
    assert!(sets().len() >= 3, "{:?}", sets());
}

#[test]
fn every_set_checks_clean_and_passes_its_tests() {
    for set in sets() {
        let loaded = edict::load(std::slice::from_ref(&set)).expect("readable");
        let rendered =
            edict::render::diagnostics(&loaded.diagnostics, &loaded.policy.sources, false);
        assert!(
            loaded.diagnostics.is_empty(),
            "{}:\n{rendered}",
            set.display()
        );
        let set_name = set.display().to_string();
        let policy = loaded.into_set().expect("no errors");
        let report = policy.run_tests(None);
        assert!(report.results.len() >= 3, "{set_name}: too few tests");
        let text = edict::render::report_human(policy.policy(), &report, false);
        assert_eq!(report.failed(), 0, "{set_name}:\n{text}");
    }
}

/// Every decision the sets' own tests ask for, pinned as a decision table:
/// a changed decision shows up in `cargo insta review`.
#[test]
fn decision_tables_are_pinned() {
    for set in sets() {
        let name = set
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let policy = edict::load(std::slice::from_ref(&set))
            .expect("readable")
            .into_set()
            .expect("valid");
        let rows: Vec<_> = policy
            .policy()
            .tests
            .iter()
            .flat_map(|t| &t.expectations)
            .map(|e| edict::render::TableRow {
                query: e.text.clone(),
                date: Some(e.query.date),
                answer: Ok(policy.decide(&e.query)),
            })
            .collect();
        insta::assert_snapshot!(
            format!("decisions_{name}"),
            edict::render::decision_table(policy.policy(), &rows)
        );
    }
}
