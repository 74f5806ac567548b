//! The rich shape's decisions alone, for a profiler:
//! `cargo run --release --no-default-features --example rich_probe -- 100000 SECONDS`
//! loads the set, then decides its queries over and over for SECONDS and
//! prints the mean time a decision.
use std::time::{Duration, Instant};

use edict_bench::rich::{self, Rich};
use edict_bench::spec::{Spec, QUERY_SEED, RULE_SEED};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let seconds: f64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5.0);
    let spec = Spec::generate(n, RULE_SEED);
    let e = Rich::load(&spec, &rich::files(&spec));
    let queries = spec.queries(100_000, QUERY_SEED);
    let started = Instant::now();
    let mut decided = 0u64;
    while started.elapsed() < Duration::from_secs_f64(seconds) {
        for q in &queries[..1000] {
            std::hint::black_box(e.decision(q, false));
            decided += 1;
        }
    }
    println!(
        "{decided} decisions, {:?} each",
        started.elapsed() / decided as u32
    );
}
