//! Where a decision's time goes at one size: checking the query, deciding,
//! the spread of the whole path's latency, and how many rules a query
//! touches. `cargo run --release --no-default-features --example probe -- 100000 [dense]`;
//! with `REPEAT=1` (deciding) or `REPEAT_ASK=1` (the whole path) it goes on
//! deciding the queries, for a profiler such as `perf record`.
use std::time::Instant;

use edict_bench::edict_engine;
use edict_bench::spec::{above, Atom, Shape, QUERY_SEED, RULE_SEED};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let shape = std::env::args()
        .nth(2)
        .and_then(|a| Shape::parse(&a))
        .unwrap_or(Shape::Broad);
    let spec = shape.generate(n, RULE_SEED);
    let files = edict_engine::files(&spec);
    let e = edict_engine::Edict::load(&spec, &files);
    let queries = spec.queries(100_000, QUERY_SEED);
    let raws: Vec<_> = queries.iter().map(|q| e.raw(q)).collect();
    let t = Instant::now();
    let checked: Vec<_> = raws.iter().map(|r| e.set.check_raw(r).unwrap()).collect();
    let check = t.elapsed() / queries.len() as u32;
    let t = Instant::now();
    let mut applied = 0;
    let mut allow = 0;
    for q in &checked {
        let d = e.set.decide(q);
        applied += d.rules.len() + d.overridden.len();
        allow += usize::from(d.effect == edict::Effect::Allow);
    }
    let decide = t.elapsed() / queries.len() as u32;
    let t = Instant::now();
    let mut each = Vec::with_capacity(queries.len());
    for q in &queries {
        let t = Instant::now();
        std::hint::black_box(e.decide(q));
        each.push(t.elapsed());
    }
    println!("ask + decide: {:?}", t.elapsed() / queries.len() as u32);
    each.sort_unstable();
    let at = |p: usize| each[(each.len() - 1) * p / 100];
    println!(
        "percentiles 10 {:?} 25 {:?} 50 {:?} 75 {:?} 90 {:?} 99 {:?}",
        at(10),
        at(25),
        at(50),
        at(75),
        at(90),
        at(99)
    );
    if std::env::var("REPEAT_ASK").is_ok() {
        for _ in 0..20 {
            for q in &queries {
                std::hint::black_box(e.decide(q));
            }
        }
    }
    if std::env::var("REPEAT").is_ok() {
        for _ in 0..20 {
            for q in &checked {
                std::hint::black_box(e.set.decide(q));
            }
        }
    }
    // what the index looks at on a dense set: the rules of the query's
    // cells that test no country or test the query's (each looked at,
    // window first), against the rules that apply; on the first thousand
    // queries
    let sample = queries.len().min(1000);
    let looked: usize = queries[..sample]
        .iter()
        .map(|q| {
            let above = [
                above(&spec.actions, q.action),
                above(&spec.actors, q.actor),
                above(&spec.categories, q.category),
            ];
            let within = |scope: &Option<Vec<usize>>, above: &[bool]| {
                scope.as_ref().is_none_or(|s| s.iter().any(|&n| above[n]))
            };
            spec.rules
                .iter()
                .filter(|r| {
                    within(&r.actions, &above[0])
                        && within(&r.actors, &above[1])
                        && within(&r.categories, &above[2])
                        && r.where_.iter().all(|a| match a {
                            Atom::CountryIs(c) => *c == q.country,
                            _ => true,
                        })
                })
                .count()
        })
        .sum();
    println!(
        "names and country match {:.2} rules a query (the index looks at these when it keys cells by country)",
        looked as f64 / sample as f64
    );
    println!(
        "{n} rules: check {check:?}, decide {decide:?}; {:.2} rules apply a query, {:.1}% allow",
        applied as f64 / queries.len() as f64,
        100.0 * allow as f64 / queries.len() as f64
    );
}
