//! Sets built from the fuzzer's bytes by the differential tests' generator
//! (`tests/generate/mod.rs`), so that every construct of the language is in
//! play, not only what mutated text happens to reach: exemptions, every way
//! of combining, lists and constants, the query's date and offsets,
//! conditional memberships, patterns and networks, names in backticks. Each
//! query is decided alike by the index as built for use, by one built with
//! tiny limits and by the reference evaluator; no rule whose match was
//! unknown ever makes an allow; and the set formats to text that decides the
//! same.
#![no_main]

#[path = "../../tests/generate/mod.rs"]
mod generate;

use edict::index::{Index, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut rng = generate::Rng::from_bytes(data);
    let wide = rng.chance(20);
    let g = generate::policy(&mut rng, wide);
    let Ok(set) = edict::PolicySet::from_text("random.policy", &g.text) else {
        return;
    };
    let formatted = edict::format::format_text(&g.text).expect("a valid set formats");
    let again = edict::PolicySet::from_text("random.policy", &formatted)
        .unwrap_or_else(|_| panic!("the formatted set does not check:\n{formatted}"));
    let small = Index::build_with(set.policy(), Limits::SMALL);
    for _ in 0..8 {
        let parts = generate::query(&mut rng, &g);
        let text = parts.text();
        let q = set
            .query(&text)
            .expect("the generator writes valid queries");
        let reference = set.decide_reference(&q);
        assert_eq!(set.decide(&q), reference, "{text}");
        assert_eq!(small.decide(set.policy(), &q), reference, "{text}");
        for u in &reference.unknowns {
            assert!(
                !(u.applied && set.policy().rules[u.rule].effect == edict::Effect::Allow),
                "{text}"
            );
        }
        let q2 = again.query(&text).expect("the same query");
        assert_eq!(again.decide(&q2).effect, reference.effect, "{text}");
        let explained = edict::explain::explain(set.policy(), &q);
        let _ = edict::render::explanation_human(set.policy(), &explained);
    }
});
