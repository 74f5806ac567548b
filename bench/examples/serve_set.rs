//! Writes a generated set of N rules and Q JSON queries for it into a
//! folder, for the load test of `edict serve` (`bench/serve_load.sh`):
//! `cargo run --release --no-default-features --example serve_set -- DIR 10000 10000`.
use std::io::Write;

use edict_bench::edict_engine;
use edict_bench::spec::{Spec, QUERY_SEED, RULE_SEED};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(args.get(1).expect("a folder"));
    let rules: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let count: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    std::fs::create_dir_all(dir.join("set")).expect("the folder");
    let spec = Spec::generate(rules, RULE_SEED);
    for (name, text) in edict_engine::files(&spec) {
        std::fs::write(dir.join("set").join(name), text).expect("a set file");
    }
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(dir.join("queries.jsonl")).expect("the queries"),
    );
    for q in spec.queries(count, QUERY_SEED) {
        writeln!(out, "{}", spec.json_line(&q)).expect("a query");
    }
}
