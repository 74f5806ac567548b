//! What a crowded set costs a decision beyond the decision itself: the
//! dense set of RULES rules, against a set of only the rules of one cell
//! (action `act0`, actor `who0` or any, category `cat0`), on the same
//! queries moved into that cell. Both sets give every query the same
//! decision, with the same rules applying (checked), so the difference is
//! what finding them among RULES rules costs.
//!
//!     cargo run --release --no-default-features --example one_cell -- 100000
use std::time::{Duration, Instant};

use edict_bench::edict_engine::{self, Edict};
use edict_bench::spec::{Query, Spec, QUERY_SEED, RULE_SEED};

fn main() {
    let rules: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let full = Spec::dense(rules, RULE_SEED);
    let mut cell = full.clone();
    let only = |scope: &Option<Vec<usize>>| scope.as_ref().is_none_or(|s| s == &[0]);
    cell.rules.retain(|r| {
        r.actions.as_deref() == Some(&[0])
            && r.categories.as_deref() == Some(&[0])
            && only(&r.actors)
    });
    let queries: Vec<Query> = full
        .queries(100_000, QUERY_SEED)
        .into_iter()
        .map(|q| Query {
            action: 0,
            actor: 0,
            category: 0,
            ..q
        })
        .collect();
    let sets = [&full, &cell].map(|s| Edict::load(s, &edict_engine::files(s)));
    let mut applied = 0;
    for q in &queries {
        let [a, b] = [&sets[0], &sets[1]].map(|e| e.ask(q).decide().expect("a good query"));
        assert_eq!(a.effect, b.effect, "the two sets decide alike");
        assert_eq!(a.rules.len(), b.rules.len(), "with as many rules");
        applied += a.rules.len() + a.overridden.len();
    }
    // in turns, a thousand queries at a time, so that a slow moment of the
    // machine falls on both
    let mut times: [Vec<Duration>; 2] = Default::default();
    for block in queries.chunks(1000) {
        for (e, times) in sets.iter().zip(&mut times) {
            for q in block {
                let t = Instant::now();
                std::hint::black_box(e.decide(q));
                times.push(t.elapsed());
            }
        }
    }
    for t in &mut times {
        t.sort_unstable();
    }
    let at = |t: &[Duration], p: usize| t[(t.len() - 1) * p / 100];
    println!(
        "{} rules apply a query; the cell alone has {} rules",
        applied as f64 / queries.len() as f64,
        cell.rules.len()
    );
    for (name, t) in [
        (format!("{rules} rules"), &times[0]),
        ("one cell".to_string(), &times[1]),
    ] {
        println!("{name}: median {:?}, p99 {:?}", at(t, 50), at(t, 99));
    }
}
