//! Any bytes as a policy file: parse, check, lint, run its tests, render;
//! and every test query decided alike by the compiled index and the
//! reference evaluator.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut sources = edict::Sources::new();
    sources.add("fuzz.policy", text.as_ref());
    let today = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
    let loaded = edict::compile(sources, Vec::new(), today);
    let _ = edict::render::diagnostics(&loaded.diagnostics, &loaded.policy.sources, false);
    for d in &loaded.diagnostics {
        let _ = edict::render::diagnostic_json(d, &loaded.policy.sources);
    }
    if let Ok(set) = loaded.into_set() {
        for test in &set.policy().tests {
            for e in &test.expectations {
                assert_eq!(
                    set.decide(&e.query),
                    set.decide_reference(&e.query),
                    "{}",
                    e.text
                );
            }
        }
        let report = set.run_tests(None);
        let _ = edict::render::report_human(set.policy(), &report, true);
    }
});
