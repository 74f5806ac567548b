//! Time and memory of each stage of loading a generated set:
//! `cargo run --release --no-default-features --example phases -- 100000`.
use std::time::Instant;

use edict_bench::edict_engine;
use edict_bench::spec::{Spec, RULE_SEED};

fn rss() -> String {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let f = |k: &str| {
        s.lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .unwrap_or(0)
            / 1024
    };
    format!("rss {} MB, peak {} MB", f("VmRSS:"), f("VmHWM:"))
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let spec = Spec::generate(n, RULE_SEED);
    let files = edict_engine::files(&spec);
    drop(spec);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date");
    let mut sources = edict::Sources::new();
    for (name, text) in files {
        sources.add(name, text);
    }
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    println!("sources  {}", rss());
    let t = Instant::now();
    let loaded = edict::compile(sources, Vec::new(), today);
    println!("compile  {:?} {}", t.elapsed(), rss());
    let t = Instant::now();
    let set = loaded.into_set().expect("no errors");
    println!("index    {:?} {}", t.elapsed(), rss());
    drop(set);
}
