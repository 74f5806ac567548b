//! Decides the first N queries of a shape (broad unless `dense` is given)
//! once each, after loading the set: for counting instructions with
//! callgrind, whose `--toggle-collect=*decide_all*` keeps the load out of
//! the count, and for `perf record`.
//!
//!     decide_loop RULES COUNT [broad|dense]
use edict_bench::edict_engine::{self, Edict};
use edict_bench::spec::{Shape, QUERY_SEED, RULE_SEED};

#[inline(never)]
fn decide_all(e: &Edict, queries: &[edict_bench::spec::Query]) -> usize {
    queries.iter().filter(|q| e.decide(q)).count()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rules: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let count: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let shape = args
        .get(3)
        .and_then(|a| Shape::parse(a))
        .unwrap_or(Shape::Broad);
    let spec = shape.generate(rules, RULE_SEED);
    let e = Edict::load(&spec, &edict_engine::files(&spec));
    let queries = spec.queries(count, QUERY_SEED);
    println!("{} allowed of {count}", decide_all(&e, &queries));
}
