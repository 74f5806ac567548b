//! Any bytes as a query, in text form (first byte even) or JSON (odd),
//! against each set in `policies/`: a decision and an explanation, or an
//! error, and never an allow for a query in error. The compiled index
//! decides as the reference evaluator, and JSON read the quick way reads as
//! the slow way.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn sets() -> &'static Vec<edict::PolicySet> {
    static SETS: OnceLock<Vec<edict::PolicySet>> = OnceLock::new();
    SETS.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policies");
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
            .expect("policies/")
            .map(|e| e.expect("entry").path())
            .collect();
        dirs.sort();
        dirs.into_iter()
            .map(|d| {
                edict::PolicySet::load(&[d])
                    .expect("readable")
                    .expect("valid")
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    for set in sets() {
        let query = if mode % 2 == 0 {
            set.query(&text).ok()
        } else {
            set.json_query(&text).ok()
        };
        if mode % 2 == 1 {
            assert_eq!(
                format!("{:?}", edict::json::parse_query(&text)),
                format!("{:?}", edict::json::parse_slowly(&text))
            );
        }
        if let Some(query) = query {
            let decision = set.decide(&query);
            assert_eq!(decision, set.decide_reference(&query));
            let _ = edict::render::decision_json(set.policy(), &decision);
            let explained = edict::explain::explain(set.policy(), &query);
            let _ = edict::render::explanation_human(set.policy(), &explained);
            // a rule that applied on an unknown match is never an allow
            for u in &decision.unknowns {
                assert!(!(u.applied && set.policy().rules[u.rule].effect == edict::Effect::Allow));
            }
        }
    }
});
