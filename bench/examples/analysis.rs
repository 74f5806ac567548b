//! `edict diff`, `edict timeline` and `edict who-may` on the benchmark's sets and on the
//! shipped `policies/`:
//! `cargo run --release --no-default-features --example analysis -- 100000 100`
//! loads the generated set of that many rules and a copy with that many
//! rules' effects flipped, times the diff (with the peak memory of the whole
//! run; none with 0 flipped), then times timelines of the benchmark's queries
//! and who-may questions at that size; then,
//! for each set of `policies/`, a diff against the set with its first
//! rule's effect flipped, the timeline of every test expectation and the
//! who-may of `? by ? to category ? on ?`. Who-may at the generated size
//! asks 50 of the benchmark's queries with holes in them.
use std::time::{Duration, Instant};

use edict::analysis::{diff, timeline, who_may};
use edict_bench::edict_engine::{self, Edict};
use edict_bench::spec::{Query, Rng, Spec, QUERY_SEED, RULE_SEED};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let changed: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(100);
    generated(n, changed);
    shipped();
}

fn generated(n: usize, changed: usize) {
    let spec = Spec::generate(n, RULE_SEED);
    let files = edict_engine::files(&spec);
    let flipped = flip(&files, changed);
    let old = Edict::load(&spec, &files);
    // 0 flipped: no diff, for the timelines and who-may of a size whose
    // diff does not finish
    if changed > 0 {
        let new = edict_engine::load_set(&flipped);
        let started = Instant::now();
        let found = diff::diff(&old.set, &new).expect("the generated sets are analysed");
        let took = started.elapsed();
        println!(
            "diff of {n} rules, {changed} flipped: {took:.2?}, {} regions, exact: {}, peak memory {} MB",
            found.changes.len(),
            found.sampled.is_empty(),
            peak_mb()
        );
    }
    let mut times: Vec<Duration> = spec
        .queries(50, QUERY_SEED)
        .iter()
        .map(|q| {
            let query = old.ask(q).check().expect("a good query");
            let started = Instant::now();
            std::hint::black_box(timeline::timeline(&old.set, &query).expect("analysed"));
            started.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "timeline at {n} rules, 50 queries: median {:.2?}, slowest {:.2?}",
        times[times.len() / 2],
        times[times.len() - 1]
    );
    who_may_generated(&spec, &old, n);
}

/// `edict who-may` at this size: each of 50 benchmark queries with its
/// actor, then its category, made a hole; once with the query's attributes
/// given and once with them open too; and 5 of them with only the action
/// kept (the slowest shape: every actor, category and date at once).
fn who_may_generated(spec: &Spec, old: &Edict, n: usize) {
    let queries = spec.queries(50, QUERY_SEED);
    let holes: [(&str, usize, fn(&Spec, &Query) -> String); 4] = [
        ("actor hole, attributes given", 50, |s, q| {
            format!(
                "{} by ? to category {} on {}{}",
                s.actions.names[q.action],
                s.categories.names[q.category],
                q.date,
                given(q)
            )
        }),
        ("category hole, attributes given", 50, |s, q| {
            format!(
                "{} by {} to category ? on {}{}",
                s.actions.names[q.action],
                s.actors.names[q.actor],
                q.date,
                given(q)
            )
        }),
        ("actor hole, attributes open", 50, |s, q| {
            format!(
                "{} by ? to category {} on {}",
                s.actions.names[q.action], s.categories.names[q.category], q.date
            )
        }),
        ("actor and category holes, any date", 5, |s, q| {
            format!("{} by ? to category ?", s.actions.names[q.action])
        }),
    ];
    for (what, asked, text) in holes {
        // every actor, category and date at once: seconds at 1,000 rules
        if asked < 50 && n > 10_000 {
            println!("who-may at {n} rules, {what}: not run above 10,000 rules");
            continue;
        }
        let mut regions = 0;
        let mut times: Vec<Duration> = queries[..asked]
            .iter()
            .map(|q| {
                let query = old.set.open_query(&text(spec, q)).expect("a good question");
                let started = Instant::now();
                let found = who_may::who_may(&old.set, &query).expect("analysed");
                let took = started.elapsed();
                regions = regions.max(found.allow.len() + found.deny.len());
                took
            })
            .collect();
        times.sort();
        println!(
            "who-may at {n} rules, {asked} questions, {what}: median {:.2?}, slowest {:.2?}, most regions {regions}",
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
}

/// The query's attributes as `with` text.
fn given(q: &Query) -> String {
    format!(
        " with country = \"{}\", amount = {}, verified = {}",
        q.country, q.amount, q.verified
    )
}

/// The files with `count` rules' effects flipped, chosen at random.
fn flip(files: &[(String, String)], count: usize) -> Vec<(String, String)> {
    let mut rng = Rng::new(7);
    let mut out = files.to_vec();
    let rules: usize = files[1..].iter().map(|(_, t)| t.lines().count()).sum();
    let mut chosen: Vec<usize> = (0..count.min(rules)).map(|_| rng.below(rules)).collect();
    chosen.sort_unstable();
    chosen.dedup();
    let mut at = 0;
    for (_, text) in out.iter_mut().skip(1) {
        let lines: Vec<String> = text
            .lines()
            .map(|line| {
                let here = at;
                at += 1;
                if chosen.binary_search(&here).is_err() {
                    return line.to_string();
                }
                match line.strip_prefix("allow ") {
                    Some(rest) => format!("deny {rest}"),
                    None => format!("allow {}", line.trim_start_matches("deny ")),
                }
            })
            .collect();
        *text = lines.join("\n") + "\n";
    }
    out
}

fn shipped() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies");
    let mut sets: Vec<_> = std::fs::read_dir(&root)
        .expect("policies/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    sets.sort();
    for path in sets {
        let set = match edict::PolicySet::load(std::slice::from_ref(&path)) {
            Ok(Ok(set)) => set,
            _ => panic!("{} does not load", path.display()),
        };
        let flipped = flipped_first_rule(&path);
        let started = Instant::now();
        let found = diff::diff(&set, &flipped).expect("analysed");
        let diff_took = started.elapsed();
        let mut slowest = Duration::ZERO;
        for test in &set.policy().tests {
            for e in &test.expectations {
                let started = Instant::now();
                std::hint::black_box(timeline::timeline(&set, &e.query).expect("analysed"));
                slowest = slowest.max(started.elapsed());
            }
        }
        let open = set
            .open_query("? by ? to category ? on ?")
            .expect("a good question");
        let started = Instant::now();
        let asked = who_may::who_may(&set, &open).expect("analysed");
        let who_took = started.elapsed();
        println!(
            "{}: diff with its first rule flipped {diff_took:.2?} ({} regions); slowest timeline of its tests' queries {slowest:.2?}; who-may `? by ? to category ? on ?` {who_took:.2?} ({} regions)",
            path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
            found.changes.len(),
            asked.allow.len() + asked.deny.len()
        );
    }
}

/// The set at `path` with the effect of its first `allow` or `deny` rule
/// flipped.
fn flipped_first_rule(path: &std::path::Path) -> edict::PolicySet {
    let mut files: Vec<_> = std::fs::read_dir(path)
        .expect("a folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "policy"))
        .collect();
    files.sort();
    let mut sources = edict::Sources::new();
    let mut done = false;
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable");
        let text: String = text
            .lines()
            .map(|line| {
                let words: Vec<&str> = line.splitn(2, ' ').collect();
                let flip = !done
                    && match words.as_slice() {
                        [effect, _] => {
                            *effect == "allow"
                                || *effect == "deny"
                                || line.contains(": allow ")
                                || line.contains(": deny ")
                        }
                        _ => false,
                    };
                if !flip {
                    return format!("{line}\n");
                }
                done = true;
                if line.contains("allow ") {
                    format!("{}\n", line.replacen("allow ", "deny ", 1))
                } else {
                    format!("{}\n", line.replacen("deny ", "allow ", 1))
                }
            })
            .collect();
        sources.add(file.to_string_lossy(), text);
    }
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date");
    edict::compile_with(sources, Vec::new(), today, edict::Warnings::Skip)
        .into_set()
        .expect("the flipped set checks")
}

/// The peak resident memory of this process so far, in MB.
fn peak_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}
