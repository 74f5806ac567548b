//! The benchmark: edict, cedar-policy, regorus and a naive linear scan on
//! the same generated rule sets and queries. Each engine and size runs in a
//! child process of its own, so that its peak memory is its own. Before
//! anything is reported, every engine's decisions are compared with edict's
//! on every query both measured; a disagreement stops the run.
//!
//!     cargo build --release            # in the main crate, for `edict eval`
//!     cd bench && cargo run --release  # the whole table
//!
//! `--sizes`, `--engines`, `--queries` and `--budget` narrow a run; see
//! `--help`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use edict_bench::edict_engine::{self, Edict};
use edict_bench::rich::{self, Rich};
use edict_bench::spec::{Query, Shape, Spec, QUERY_SEED, RULE_SEED};
#[cfg(feature = "peers")]
use edict_bench::{
    cedar::Cedar,
    rego::{Layout, Rego},
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("one") => one(&args[1..]),
        Some("--help") | Some("-h") => {
            println!("{}", HELP);
            Ok(())
        }
        _ => all(&args),
    };
    if let Err(e) = result {
        eprintln!("edict-bench: {e}");
        std::process::exit(1);
    }
}

const HELP: &str = "edict-bench [--shape broad|dense] [--sizes 10,1000,...] [--engines edict,edict-rich,naive,cedar,rego,rego-action,rego-cell] [--queries N] [--budget SECONDS] [--cli-queries N]
  Runs every engine on every size of the shape's sets (broad by default) and prints a markdown table.
edict-bench one ENGINE RULES QUERIES BUDGET [SHAPE]
  Runs one engine on one size and prints its figures as one JSON line (used by the table run).";

/// Reads `--name value` from the arguments.
fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// The figures of one engine on one size.
#[derive(Debug, Clone, Default)]
struct Figures {
    engine: String,
    rules: usize,
    load: Duration,
    memory_mb: f64,
    median: Duration,
    p99: Duration,
    /// Decisions a second with every core.
    throughput: f64,
    /// One letter a measured query: `A` allow, `D` deny.
    decisions: String,
}

/// An engine as one thread of the benchmark drives it: a shared reference
/// for the engines that decide through `&self`, an engine of its own for
/// regorus, which decides through `&mut self`.
trait Engine: Send {
    fn decide(&mut self, q: &Query) -> bool;
}

impl Engine for &Edict {
    fn decide(&mut self, q: &Query) -> bool {
        Edict::decide(self, q)
    }
}

#[cfg(feature = "peers")]
impl Engine for &Cedar {
    fn decide(&mut self, q: &Query) -> bool {
        Cedar::decide(self, q)
    }
}

#[cfg(feature = "peers")]
impl Engine for Rego {
    fn decide(&mut self, q: &Query) -> bool {
        Rego::decide(self, q)
    }
}

impl Engine for &Rich {
    fn decide(&mut self, q: &Query) -> bool {
        self.decision(q, false).effect == edict::Effect::Allow
    }
}

struct Naive(Spec);

impl Engine for &Naive {
    fn decide(&mut self, q: &Query) -> bool {
        self.0.decide_naive(q)
    }
}

/// Memory in use now and at the peak since the last reset, in kB.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Runs one engine on one size in this process.
fn one(args: &[String]) -> Result<(), String> {
    let (engine, rules, queries, budget, shape) = match args {
        [e, r, q, b] => (e, r, q, b, Shape::Broad),
        [e, r, q, b, shape] => (e, r, q, b, parse_shape(shape)?),
        _ => return Err("usage: edict-bench one ENGINE RULES QUERIES BUDGET [SHAPE]".into()),
    };
    let rules: usize = rules.parse().map_err(|_| "RULES is a number")?;
    let count: usize = queries.parse().map_err(|_| "QUERIES is a number")?;
    let budget = Duration::from_secs_f64(budget.parse().map_err(|_| "BUDGET is seconds")?);
    let spec = shape.generate(rules, RULE_SEED);
    let queries = spec.queries(count, QUERY_SEED);
    let files = match engine.as_str() {
        "edict" => Some(edict_engine::files(&spec)),
        "edict-rich" => Some(rich::files(&spec)),
        _ => None,
    };
    // what the engine takes from here on is its own
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let (base, _) = memory();
    let started = Instant::now();
    let figures = match engine.as_str() {
        "edict" => {
            let e = Edict::load(&spec, files.as_deref().unwrap_or_default());
            measure(&e, || &e, started, &queries, budget)
        }
        "edict-rich" => {
            let e = Rich::load(&spec, files.as_deref().unwrap_or_default());
            let f = measure(&e, || &e, started, &queries, budget);
            let checked = agrees_with_reference(&e, &queries, &f.decisions, budget)?;
            eprintln!("edict-rich at {rules} rules: the index agreed with the reference on {checked} queries");
            f
        }
        #[cfg(feature = "peers")]
        "cedar" => {
            let e = Cedar::load(&spec);
            measure(&e, || &e, started, &queries, budget)
        }
        #[cfg(feature = "peers")]
        "rego" | "rego-action" | "rego-cell" => {
            let layout = match engine.as_str() {
                "rego" => Layout::ByActionAndActor,
                "rego-cell" => Layout::ByCell,
                _ => Layout::ByAction,
            };
            let load = || Rego::load(&spec, layout);
            measure(load(), load, started, &queries, budget)
        }
        "naive" => {
            let e = Naive(spec.clone());
            measure(&e, || &e, started, &queries, budget)
        }
        other => return Err(format!("no engine `{other}`")),
    };
    let (_, peak) = memory();
    let f = Figures {
        engine: engine.clone(),
        rules,
        memory_mb: peak.saturating_sub(base) as f64 / 1024.0,
        ..figures
    };
    println!(
        "{}",
        serde_json::json!({
            "engine": f.engine, "rules": f.rules,
            "load_ns": f.load.as_nanos() as u64, "memory_mb": f.memory_mb,
            "median_ns": f.median.as_nanos() as u64, "p99_ns": f.p99.as_nanos() as u64,
            "throughput": f.throughput, "decisions": f.decisions,
        })
    );
    Ok(())
}

/// The rich shape has no peer: its decisions are compared with edict's
/// reference evaluator, on as many of the measured queries as `budget`
/// allows (at least 100). Returns how many were compared.
fn agrees_with_reference(
    e: &Rich,
    queries: &[Query],
    decisions: &str,
    budget: Duration,
) -> Result<usize, String> {
    let started = Instant::now();
    let mut checked = 0;
    for (i, (q, d)) in queries.iter().zip(decisions.chars()).enumerate() {
        let reference = e.decision(q, true);
        if reference != e.decision(q, false)
            || (d == 'A') != (reference.effect == edict::Effect::Allow)
        {
            return Err(format!(
                "edict-rich: the index and the reference differ on query {i}: a bug to find"
            ));
        }
        checked += 1;
        if checked >= 100 && started.elapsed() > budget {
            break;
        }
    }
    Ok(checked)
}

/// Times decisions one by one (after a few to warm up) until the queries or
/// the budget run out, then the same queries with every core: `engine` for
/// the first thread, `another()` for each of the others (made before the
/// clock starts). Load time is up to the call, as `engine` is made first.
fn measure<E: Engine>(
    mut engine: E,
    another: impl Fn() -> E,
    started: Instant,
    queries: &[Query],
    budget: Duration,
) -> Figures {
    let load = started.elapsed();
    for q in queries.iter().take(10) {
        std::hint::black_box(engine.decide(q));
    }
    let (decisions, latencies) = one_by_one(queries, budget, |q| engine.decide(q));
    let measured = &queries[..decisions.len()];
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = measured.len().div_ceil(threads).max(1);
    let mut engines: Vec<E> = (1..threads).map(|_| another()).collect();
    engines.push(engine);
    let t = Instant::now();
    std::thread::scope(|s| {
        for (part, mut e) in measured.chunks(chunk).zip(engines) {
            s.spawn(move || {
                for q in part {
                    std::hint::black_box(e.decide(q));
                }
            });
        }
    });
    let throughput = measured.len() as f64 / t.elapsed().as_secs_f64();
    figures(load, decisions, latencies, throughput)
}

fn one_by_one(
    queries: &[Query],
    budget: Duration,
    mut decide: impl FnMut(&Query) -> bool,
) -> (String, Vec<Duration>) {
    let mut decisions = String::new();
    let mut latencies = Vec::new();
    let started = Instant::now();
    for q in queries {
        let t = Instant::now();
        let allow = decide(q);
        latencies.push(t.elapsed());
        decisions.push(if allow { 'A' } else { 'D' });
        if started.elapsed() > budget && latencies.len() >= 5 {
            break;
        }
    }
    (decisions, latencies)
}

fn figures(
    load: Duration,
    decisions: String,
    mut latencies: Vec<Duration>,
    throughput: f64,
) -> Figures {
    latencies.sort_unstable();
    let at = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize];
    Figures {
        load,
        median: at(0.5),
        p99: at(0.99),
        throughput,
        decisions,
        ..Figures::default()
    }
}

fn parse_shape(text: &str) -> Result<Shape, String> {
    Shape::parse(text).ok_or_else(|| format!("no shape `{text}`: broad or dense"))
}

/// Runs every engine on every size in child processes, checks that they
/// agree, and prints the table.
fn all(args: &[String]) -> Result<(), String> {
    let shape = parse_shape(&flag(args, "--shape").unwrap_or_else(|| "broad".into()))?;
    let sizes: Vec<usize> = flag(args, "--sizes")
        .unwrap_or_else(|| "10,1000,10000,100000,1000000".into())
        .split(',')
        .map(|s| {
            s.trim()
                .replace('_', "")
                .parse()
                .map_err(|_| format!("bad size `{s}`"))
        })
        .collect::<Result<_, _>>()?;
    let engines: Vec<String> = flag(args, "--engines")
        .unwrap_or_else(|| "edict,cedar,rego,rego-action,naive".into())
        .split(',')
        .map(str::to_string)
        .collect();
    let queries = flag(args, "--queries").unwrap_or_else(|| "100000".into());
    let budget = flag(args, "--budget").unwrap_or_else(|| "10".into());
    let cli_queries: usize = flag(args, "--cli-queries")
        .unwrap_or_else(|| "1000000".into())
        .parse()
        .map_err(|_| "--cli-queries is a number")?;
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut rows: Vec<Figures> = Vec::new();
    for &size in &sizes {
        let mut reference: Option<String> = None;
        for engine in &engines {
            if size > 100_000 && engine != "edict" {
                eprintln!("{engine} at {size} rules: skipped (see the README)");
                continue;
            }
            eprint!("{engine} at {size} {} rules... ", shape.name());
            let _ = std::io::stderr().flush();
            let output = Command::new(&me)
                .args(["one", engine, &size.to_string(), &queries, &budget])
                .arg(shape.name())
                .output()
                .map_err(|e| format!("cannot run a child: {e}"))?;
            if !output.status.success() {
                return Err(format!(
                    "{engine} at {size} rules failed: {}",
                    String::from_utf8_lossy(&output.stderr)
                ));
            }
            let f = parse(&String::from_utf8_lossy(&output.stdout))?;
            eprintln!(
                "load {:?}, median {:?}, {} queries",
                f.load,
                f.median,
                f.decisions.len()
            );
            // the rich shape is another set: checked against edict's
            // reference evaluator in the child
            match &reference {
                _ if engine == "edict-rich" => {}
                None => reference = Some(f.decisions.clone()),
                Some(r) => {
                    if let Some(i) = r.chars().zip(f.decisions.chars()).position(|(a, b)| a != b) {
                        return Err(format!(
                            "{engine} disagrees with {} at {size} rules on query {i}: a bug to find",
                            engines[0]
                        ));
                    }
                }
            }
            rows.push(f);
        }
    }
    let cli = match edict_binary() {
        _ if cli_queries == 0 => Vec::new(),
        Some(bin) => {
            let mut runs = Vec::new();
            for rules in [10, 10_000, 100_000] {
                eprint!("edict eval --input: {cli_queries} queries at {rules} rules... ");
                let run = cli_run(&bin, shape.generate(rules, RULE_SEED), cli_queries)?;
                eprintln!(
                    "{:.0} decisions a second ({:.0} after loading), {:.0} MB",
                    run.overall, run.after_load, run.peak_mb
                );
                runs.push(run);
            }
            runs
        }
        _ => {
            eprintln!("no ../target/release/edict: build it with `cargo build --release` to measure `edict eval --input`");
            Vec::new()
        }
    };
    print!("{}", table(&rows, &engines, &cli, cli_queries));
    Ok(())
}

fn parse(line: &str) -> Result<Figures, String> {
    let v: serde_json::Value =
        serde_json::from_str(line.trim()).map_err(|e| format!("bad child output: {e}"))?;
    let ns = |k: &str| Duration::from_nanos(v[k].as_u64().unwrap_or(0));
    Ok(Figures {
        engine: v["engine"].as_str().unwrap_or("").into(),
        rules: v["rules"].as_u64().unwrap_or(0) as usize,
        load: ns("load_ns"),
        memory_mb: v["memory_mb"].as_f64().unwrap_or(0.0),
        median: ns("median_ns"),
        p99: ns("p99_ns"),
        throughput: v["throughput"].as_f64().unwrap_or(0.0),
        decisions: v["decisions"].as_str().unwrap_or("").into(),
    })
}

fn edict_binary() -> Option<PathBuf> {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/edict");
    bin.exists().then_some(bin)
}

/// Runs `edict eval --input` on `count` JSON queries against a generated
/// set.
fn cli_run(bin: &Path, spec: Spec, count: usize) -> Result<CliRun, String> {
    let rules = spec.rules.len();
    let dir = std::env::temp_dir().join(format!("edict-bench-{}-{rules}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    for (name, text) in edict_engine::files(&spec) {
        std::fs::write(dir.join(name), text).map_err(|e| e.to_string())?;
    }
    let input = dir.join("queries.jsonl");
    {
        let mut out =
            std::io::BufWriter::new(std::fs::File::create(&input).map_err(|e| e.to_string())?);
        for q in spec.queries(count, QUERY_SEED) {
            writeln!(out, "{}", spec.json_line(&q)).map_err(|e| e.to_string())?;
        }
    }
    // the load alone: the same run on no queries
    let empty = dir.join("empty.jsonl");
    std::fs::write(&empty, "").map_err(|e| e.to_string())?;
    let t = Instant::now();
    Command::new(bin)
        .arg("eval")
        .arg(&dir)
        .arg("--input")
        .arg(&empty)
        .output()
        .map_err(|e| format!("cannot run edict: {e}"))?;
    let load = t.elapsed();
    let t = Instant::now();
    let output = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(bin)
        .arg("eval")
        .arg(&dir)
        .arg("--input")
        .arg(&input)
        .stdout(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run /usr/bin/time: {e}"))?;
    let elapsed = t.elapsed();
    if std::env::var_os("EDICT_BENCH_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let peak_kb: f64 = stderr
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .ok_or_else(|| format!("edict eval failed: {stderr}"))?;
    let deciding = elapsed.saturating_sub(load).as_secs_f64().max(1e-9);
    Ok(CliRun {
        rules,
        overall: count as f64 / elapsed.as_secs_f64(),
        after_load: count as f64 / deciding,
        load,
        peak_mb: peak_kb / 1024.0,
    })
}

/// One run of `edict eval --input`.
struct CliRun {
    rules: usize,
    /// Decisions a second over the whole run.
    overall: f64,
    /// Decisions a second once the set is loaded.
    after_load: f64,
    load: Duration,
    peak_mb: f64,
}

/// Three significant digits, so that 1.04 µs does not print as 1.0 µs.
fn duration(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    let (value, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    let decimals = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.decimals$} {unit}")
}

fn rate(per_second: f64) -> String {
    if per_second >= 1e6 {
        format!("{:.2} M/s", per_second / 1e6)
    } else if per_second >= 1e3 {
        format!("{:.1} k/s", per_second / 1e3)
    } else {
        format!("{per_second:.1} /s")
    }
}

fn table(rows: &[Figures], engines: &[String], cli: &[CliRun], cli_queries: usize) -> String {
    let mut out = String::new();
    out.push_str("| rules | engine | load | memory | median | p99 | batch (all cores) | queries timed | vs edict (median) |\n");
    out.push_str("|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for r in rows {
        let edict = rows
            .iter()
            .find(|e| e.rules == r.rules && e.engine == "edict")
            .map_or(1.0, |e| e.median.as_nanos() as f64);
        let ratio = r.median.as_nanos() as f64 / edict.max(1.0);
        out.push_str(&format!(
            "| {} | {} | {} | {:.1} MB | {} | {} | {} | {} | {} |\n",
            thousands(r.rules),
            r.engine,
            duration(r.load),
            r.memory_mb,
            duration(r.median),
            duration(r.p99),
            rate(r.throughput),
            thousands(r.decisions.len()),
            if r.engine == "edict" {
                "1×".to_string()
            } else if ratio < 10.0 {
                format!("{ratio:.1}×")
            } else {
                format!("{}×", thousands(ratio.round() as usize))
            },
        ));
    }
    let _ = engines;
    if !cli.is_empty() {
        out.push_str(&format!(
            "\n`edict eval --input` of {} JSON queries, answers written to /dev/null:\n\n| rules | load | decisions a second, whole run | after loading | peak memory |\n|---:|---:|---:|---:|---:|\n",
            thousands(cli_queries)
        ));
        for run in cli {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {:.0} MB |\n",
                thousands(run.rules),
                duration(run.load),
                rate(run.overall),
                rate(run.after_load),
                run.peak_mb
            ));
        }
    }
    out
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
