//! The policy sets in `policies/` are clean and pass their own tests.

use std::path::{Path, PathBuf};

fn sets() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let mut sets: Vec<PathBuf> = std::fs::read_dir(&root)
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
