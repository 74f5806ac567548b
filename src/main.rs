//! The `edict` command line.
#![forbid(unsafe_code)]

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use edict::{render, Loaded, PolicySet};

#[derive(Parser)]
#[command(
    name = "edict",
    version,
    about = "Check, test and decide edict policy sets"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
    /// A decision table (eval only): one row a query, stable and diffable
    Table,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args)]
struct Common {
    /// Policy files, or folders searched for `.policy` files
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output for people or for programs (default: human; JSON for `eval --input`)
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Colour in diagnostics (auto: only on a terminal, and not when NO_COLOR is set)
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// The date of queries that give none (default: today, UTC), YYYY-MM-DD
    #[arg(long, value_parser = parse_today)]
    today: Option<chrono::NaiveDate>,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and type-check a policy set; print every diagnostic
    Check {
        #[command(flatten)]
        common: Common,
        /// Fail (exit 1) on warnings too
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Decide one query, or a file of JSON queries
    Eval {
        #[command(flatten)]
        common: Common,
        /// A query in text form: `sale by partner to category state_owned on 2021-04-02`
        #[arg(long, conflicts_with = "input", required_unless_present = "input")]
        query: Option<String>,
        /// A file of JSON queries, one a line (`-` reads standard input)
        #[arg(long)]
        input: Option<PathBuf>,
        /// Say for every rule that shares the query's action whether it applied, and if not, why
        #[arg(long)]
        explain: bool,
    },
    /// Rewrite policy files in canonical form, keeping every comment
    Fmt {
        /// Policy files, or folders searched for `.policy` files
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Change nothing; list the files that would change (exit 1 if any)
        #[arg(long)]
        check: bool,
        /// Colour in diagnostics
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
    },
    /// Run every `test` block and report failures
    Test {
        #[command(flatten)]
        common: Common,
        /// Run only the tests whose name contains this text
        #[arg(long)]
        filter: Option<String>,
        /// Also show how many expectations each rule applied in, and the rules no test reaches
        #[arg(long)]
        coverage: bool,
    },
}

impl Common {
    fn format(&self) -> Format {
        self.format.unwrap_or(Format::Human)
    }
}

fn parse_today(s: &str) -> Result<chrono::NaiveDate, String> {
    edict::value::parse_date(s).map_err(|e| format!("`{s}` is not a date: {}", e.help))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("edict: {message}");
            ExitCode::from(2)
        }
    }
}

fn color(choice: Color) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// Reads and checks the set; on errors prints them and returns `None`.
/// Loads a set to decide with: errors stop it, warnings are `check`'s.
fn load(common: &Common) -> Result<Result<PolicySet, Loaded>, String> {
    let today = common.today.unwrap_or_else(edict::today);
    let loaded =
        edict::load_with(&common.paths, today, edict::Warnings::Skip).map_err(|e| e.to_string())?;
    Ok(loaded.into_set().map(|set| set.with_today(today)))
}

fn print_diagnostics(common: &Common, loaded: &Loaded) {
    let sources = &loaded.policy.sources;
    match common.format() {
        Format::Json => {
            let list: Vec<_> = loaded
                .diagnostics
                .iter()
                .map(|d| render::diagnostic_json(d, sources))
                .collect();
            let ok = !loaded.has_errors();
            println!("{}", serde_json::json!({"ok": ok, "diagnostics": list}));
        }
        Format::Human | Format::Table => {
            eprint!(
                "{}",
                render::diagnostics(&loaded.diagnostics, sources, color(common.color))
            );
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    if let Command::Check { common, .. } | Command::Test { common, .. } = &cli.command {
        if common.format() == Format::Table {
            return Err(
                "`--format table` is for `edict eval`; use `human` or `json` here".to_string(),
            );
        }
    }
    match cli.command {
        Command::Fmt {
            paths,
            check,
            color: choice,
        } => fmt(&paths, check, color(choice)),
        Command::Check {
            common,
            deny_warnings,
        } => {
            let today = common.today.unwrap_or_else(edict::today);
            let loaded = edict::load_at(&common.paths, today).map_err(|e| e.to_string())?;
            print_diagnostics(&common, &loaded);
            if common.format() == Format::Human {
                let files = loaded.policy.sources.len();
                let plural = if files == 1 { "" } else { "s" };
                eprintln!(
                    "checked {files} file{plural}: {}",
                    render::summary(&loaded.diagnostics)
                );
            }
            let warned = deny_warnings && !loaded.diagnostics.is_empty();
            Ok(exit(!loaded.has_errors() && !warned))
        }
        Command::Eval {
            common,
            query,
            input,
            explain,
        } => {
            let set = match load(&common)? {
                Ok(set) => set,
                Err(loaded) => {
                    print_diagnostics(&common, &loaded);
                    return Ok(ExitCode::from(1));
                }
            };
            match (query, input) {
                (Some(text), _) => Ok(eval_one(&common, &set, &text, explain)),
                (None, Some(path)) => eval_batch(&common, &set, &path, explain),
                (None, None) => Err("give a query with --query or a file with --input".to_string()),
            }
        }
        Command::Test {
            common,
            filter,
            coverage,
        } => {
            let set = match load(&common)? {
                Ok(set) => set,
                Err(loaded) => {
                    print_diagnostics(&common, &loaded);
                    return Ok(ExitCode::from(1));
                }
            };
            let report = set.run_tests(filter.as_deref());
            if let Some(filter) = filter.as_deref().filter(|_| report.results.is_empty()) {
                return Err(no_test_matches(&set, filter));
            }
            match common.format() {
                Format::Json => {
                    let mut json = render::report_json(set.policy(), &report);
                    if coverage {
                        json["coverage"] = render::coverage_json(set.policy(), &report);
                    }
                    println!("{json}")
                }
                Format::Human | Format::Table => {
                    print!("{}", render::report_human(set.policy(), &report, coverage))
                }
            }
            Ok(exit(report.failed() == 0))
        }
    }
}

/// A filter that selects no test is a mistake (a typo in CI would pass
/// green): say so, with the names there are.
fn no_test_matches(set: &PolicySet, filter: &str) -> String {
    let names: Vec<String> = set
        .policy()
        .tests
        .iter()
        .map(|t| format!("\"{}\"", t.name))
        .collect();
    if names.is_empty() {
        format!("--filter `{filter}` matches no test: the set has no tests")
    } else {
        format!(
            "--filter `{filter}` matches no test name; the tests are {}",
            names.join(", ")
        )
    }
}

fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn eval_one(common: &Common, set: &PolicySet, text: &str, explain: bool) -> ExitCode {
    match set.query(text) {
        Ok(query) => {
            let decision = set.decide(&query);
            // on stderr, so that the answer on stdout stays as it is
            for (kind, name, like) in edict::lint::query_lookalikes(set.policy(), &query) {
                eprintln!(
                    "note: {} `{name}` is a name no rule mentions; did you mean `{like}`?",
                    kind.as_str()
                );
            }
            match common.format() {
                Format::Json => println!("{}", answer_json(set, &query, &decision, explain)),
                Format::Human => {
                    print!("{}", render::decision_human(set.policy(), &decision));
                    if explain {
                        print!("why:\n{}", explanation(set, &query));
                    }
                }
                Format::Table => print!(
                    "{}",
                    render::decision_table(
                        set.policy(),
                        &[render::TableRow {
                            query: text.trim().to_string(),
                            date: Some(query.date),
                            answer: Ok(decision),
                        }]
                    )
                ),
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            match common.format() {
                Format::Json => {
                    let list: Vec<_> = error
                        .diagnostics
                        .iter()
                        .map(|d| render::diagnostic_json(d, &error.sources))
                        .collect();
                    println!(
                        "{}",
                        serde_json::json!({"error": error.diagnostics.first().map(|d| d.message.clone()), "diagnostics": list})
                    );
                }
                Format::Human | Format::Table => eprint!(
                    "{}",
                    render::diagnostics(&error.diagnostics, &error.sources, color(common.color))
                ),
            }
            ExitCode::from(1)
        }
    }
}

/// Answers a file of JSON queries; JSON answers unless `--format` says
/// otherwise. Lines are answered on every core and written in input order;
/// a table needs every row first, so it is made in one pass.
fn eval_batch(
    common: &Common,
    set: &PolicySet,
    path: &PathBuf,
    explain: bool,
) -> Result<ExitCode, String> {
    let format = common.format.unwrap_or(Format::Json);
    let cannot_read = |e: &std::io::Error| {
        format!(
            "cannot read `{}`: {}",
            path.display(),
            edict::load::reason(e)
        )
    };
    let (reader, size): (Box<dyn BufRead + Send>, Option<u64>) = if path.as_os_str() == "-" {
        (Box::new(std::io::BufReader::new(std::io::stdin())), None)
    } else {
        let file = std::fs::File::open(path).map_err(|e| cannot_read(&e))?;
        let size = file
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len());
        (Box::new(std::io::BufReader::new(file)), size)
    };
    if format == Format::Table {
        return eval_table(set, reader, &cannot_read);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let threads = std::env::var("EDICT_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mut progress = Progress::new(size.filter(|_| std::io::stderr().is_terminal()));
    let answered = edict::batch::run(
        reader,
        &mut out,
        threads,
        |line, out| answer_line(set, line, format, explain, out),
        |read, lines| progress.show(read, lines),
    );
    progress.clear();
    match answered {
        Ok(all_ok) => Ok(exit(all_ok)),
        Err(edict::batch::BatchError::Read(e)) => Err(cannot_read(&e)),
        // the reader went away (a closed pipe): stop quietly
        Err(edict::batch::BatchError::Write(_)) => Ok(ExitCode::from(1)),
    }
}

/// A line's text, and its query checked and decided or the sentence that
/// says why not.
type Answer<'a> = (
    std::borrow::Cow<'a, str>,
    Result<(edict::Query, edict::Decision), String>,
);

/// Answers a line; `None` for a blank one.
fn decide_line<'a>(set: &PolicySet, line: edict::batch::Line<'a>) -> Option<Answer<'a>> {
    use edict::batch::LineText;
    use std::borrow::Cow;
    let number = line.number;
    Some(match line.text {
        LineText::TooLong => (
            Cow::Borrowed(""),
            Err(format!(
                "line {number} is longer than the {} KiB a query may have",
                edict::batch::MAX_LINE / 1024
            )),
        ),
        LineText::NotUtf8(bytes) => (
            Cow::Owned(String::from_utf8_lossy(bytes).trim().to_string()),
            Err(format!("line {number} is not valid UTF-8")),
        ),
        LineText::Text(text) if text.trim().is_empty() => return None,
        LineText::Text(text) => match edict::json::parse_query(text.trim()) {
            Ok(raw) => (
                Cow::Borrowed(text.trim()),
                set.check_owned(raw).map(|q| {
                    let decision = set.decide(&q);
                    (q, decision)
                }),
            ),
            Err(message) => (Cow::Borrowed(text.trim()), Err(message)),
        },
    })
}

/// Writes one line's answer; false when the line was an error.
fn answer_line(
    set: &PolicySet,
    line: edict::batch::Line<'_>,
    format: Format,
    explain: bool,
    out: &mut Vec<u8>,
) -> bool {
    let number = line.number;
    let Some((_, answer)) = decide_line(set, line) else {
        return true;
    };
    match (&answer, format) {
        (Ok((query, decision)), Format::Json) => {
            if explain {
                let _ = writeln!(out, "{}", answer_json(set, query, decision, true));
            } else {
                render::write_decision_json(set.policy(), decision, out);
                out.push(b'\n');
            }
        }
        (Err(message), Format::Json) => {
            let _ = writeln!(
                out,
                "{}",
                serde_json::json!({"error": message, "line": number})
            );
        }
        (Ok((query, decision)), _) => {
            let ids: Vec<_> = decision
                .rules
                .iter()
                .map(|&i| set.policy().rules[i].id())
                .collect();
            let by = if decision.by_default {
                "default".to_string()
            } else {
                ids.join(", ")
            };
            let why = if explain {
                explanation(set, query)
            } else {
                String::new()
            };
            let _ = write!(out, "{number}: {} ({by})\n{why}", decision.effect.as_str());
        }
        (Err(message), _) => {
            let _ = writeln!(out, "{number}: error: {message}");
        }
    }
    answer.is_ok()
}

/// A decision table of every line: read in one pass, then printed.
fn eval_table(
    set: &PolicySet,
    mut reader: Box<dyn BufRead + Send>,
    cannot_read: &dyn Fn(&std::io::Error) -> String,
) -> Result<ExitCode, String> {
    use edict::batch::{Line, LineText, MAX_LINE};
    let mut all_ok = true;
    let mut table = Vec::new();
    let mut bytes = Vec::new();
    for number in 1.. {
        bytes.clear();
        let (read, whole) =
            edict::batch::read_line(&mut reader, &mut bytes).map_err(|e| cannot_read(&e))?;
        if read == 0 {
            break;
        }
        let trimmed = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
        let text = match std::str::from_utf8(trimmed) {
            _ if !whole || trimmed.len() > MAX_LINE => LineText::TooLong,
            Ok(text) => LineText::Text(text),
            Err(_) => LineText::NotUtf8(trimmed),
        };
        if let Some((query_text, answer)) = decide_line(set, Line { number, text }) {
            all_ok &= answer.is_ok();
            let query_text = match &answer {
                Ok(_) => edict::json::parse_query(&query_text)
                    .map(|raw| raw.to_text())
                    .unwrap_or_else(|_| query_text.to_string()),
                Err(_) => query_text.to_string(),
            };
            let date = answer.as_ref().ok().map(|(query, _)| query.date);
            table.push(render::TableRow {
                query: query_text,
                date,
                answer: answer.map(|(_, decision)| decision),
            });
        }
    }
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "{}", render::decision_table(set.policy(), &table));
    Ok(exit(all_ok))
}

/// A progress line on standard error, for a file read while standard error
/// is a terminal; at most ten updates a second.
struct Progress {
    total: Option<u64>,
    started: std::time::Instant,
    shown: Option<std::time::Instant>,
}

impl Progress {
    fn new(total: Option<u64>) -> Progress {
        Progress {
            total,
            started: std::time::Instant::now(),
            shown: None,
        }
    }

    fn show(&mut self, read: u64, lines: u64) {
        let Some(total) = self.total else { return };
        let now = std::time::Instant::now();
        if self
            .shown
            .is_some_and(|t| now.duration_since(t).as_millis() < 100)
        {
            return;
        }
        self.shown = Some(now);
        let share = if total == 0 {
            1.0
        } else {
            read as f64 / total as f64
        };
        let width = 30;
        let done = ((share * width as f64) as usize).min(width);
        let rate = lines as f64 / self.started.elapsed().as_secs_f64().max(1e-9);
        eprint!(
            "\r[{}{}] {:>3.0}%  {lines} queries  {rate:.0}/s ",
            "=".repeat(done),
            " ".repeat(width - done),
            share * 100.0
        );
    }

    fn clear(&self) {
        if self.shown.is_some() {
            eprint!("\r\x1b[K");
        }
    }
}

/// A decision as JSON, with the explanation when asked for.
fn answer_json(
    set: &PolicySet,
    query: &edict::Query,
    decision: &edict::Decision,
    explain: bool,
) -> serde_json::Value {
    let mut json = render::decision_json(set.policy(), decision);
    if explain {
        json["explain"] =
            render::explanation_json(set.policy(), &edict::explain::explain(set.policy(), query));
    }
    json
}

fn explanation(set: &PolicySet, query: &edict::Query) -> String {
    render::explanation_human(set.policy(), &edict::explain::explain(set.policy(), query))
}

/// Formats files in place (atomically), or with `check` lists those that
/// would change. A file with errors is left untouched and its errors shown.
fn fmt(paths: &[PathBuf], check: bool, color: bool) -> Result<ExitCode, String> {
    let files = edict::load::find_files(paths).map_err(|e| e.to_string())?;
    let mut sources = edict::Sources::new();
    let not_utf8 = edict::load::read_files(&files, &mut sources).map_err(|e| e.to_string())?;
    let mut ok = true;
    if !not_utf8.is_empty() {
        eprint!("{}", render::diagnostics(&not_utf8, &sources, color));
        ok = false;
    }
    let skip: Vec<_> = not_utf8
        .iter()
        .filter_map(|d| d.span.map(|s| s.file))
        .collect();
    for ((id, source), path) in sources.iter().zip(&files) {
        if skip.contains(&id) {
            continue;
        }
        match edict::format::format_text(&source.text) {
            Ok(formatted) if formatted == source.text => {}
            Ok(formatted) => {
                println!("{}", path.display());
                if check {
                    ok = false;
                } else {
                    write_atomically(path, &formatted)
                        .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
                }
            }
            Err(edict::format::FormatError::Syntax(errors)) => {
                let diagnostics: Vec<_> = errors
                    .iter()
                    .map(|e| {
                        let mut d = e.to_diagnostic();
                        d.span = d
                            .span
                            .map(|s| edict::source::Span::new(id, s.start(), s.end()));
                        d.notes.iter_mut().for_each(|n| {
                            n.span = edict::source::Span::new(id, n.span.start(), n.span.end())
                        });
                        d
                    })
                    .collect();
                eprint!("{}", render::diagnostics(&diagnostics, &sources, color));
                ok = false;
            }
            Err(edict::format::FormatError::Unsafe(why)) => {
                eprintln!(
                    "edict: `{}` is left as it is: {why} (a bug in edict; please report it)",
                    path.display()
                );
                ok = false;
            }
        }
    }
    Ok(exit(ok))
}

/// Writes a temporary file beside the original and renames it over it, so
/// that an interrupted run leaves the old file or the new one, never half.
fn write_atomically(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.edict-fmt-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&temp, meta.permissions())?;
        }
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
