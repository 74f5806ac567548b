//! The `edict` command line: its arguments, and what every command shares
//! (loading a set, showing diagnostics, exit codes). Each command is a file
//! of its own beside this one.

mod check;
mod diff;
mod eval;
mod fmt;
#[cfg(feature = "lsp")]
mod lsp;
mod progress;
#[cfg(feature = "serve")]
mod serve;
mod test;
mod timeline;
mod who_may;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use edict::{render, Diagnostic, Loaded, PolicySet, Sources};
use test::Coverage;

#[derive(Parser)]
#[command(
    name = "edict",
    version,
    about = "Check, test and decide edict policy sets"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
    /// A decision table (eval only): one row a query, stable and diffable
    Table,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args)]
pub struct Common {
    /// Policy files, or folders searched for `.policy` files
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output for people or for programs (default: human; JSON for `eval --input`)
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Colour in diagnostics (auto: only on a terminal, and not when NO_COLOR is set)
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// The date of queries that give none (default: today, UTC), YYYY-MM-DD
    #[arg(long, value_parser = parse_today)]
    pub today: Option<chrono::NaiveDate>,
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
        /// Also decide every class of queries the set tells apart, to find
        /// rules that never apply, never decide or are covered by others
        /// (W110-W112); slower on large sets
        #[arg(long)]
        exact: bool,
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
    /// Answer decisions over HTTP (JSON, and the AuthZEN API), reloading the set when it changes
    #[cfg(feature = "serve")]
    Serve(serve::ServeArgs),
    /// A language server for editors, on standard input and output
    #[cfg(feature = "lsp")]
    Lsp(lsp::LspArgs),
    /// Every region of queries whose decision or deciding rules differ
    /// between two versions of a set; exit 1 when something differs
    Diff {
        /// The old version: a policy file, or a folder searched for `.policy` files
        old: PathBuf,
        /// The new version, likewise
        new: PathBuf,
        /// Output for people or for programs
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Colour in diagnostics
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
    },
    /// A query's decision over all of time, as intervals of dates
    Timeline {
        #[command(flatten)]
        common: Common,
        /// A query without a date: `sale by partner to category state_owned`
        #[arg(long)]
        query: String,
    },
    /// For a query with holes (`?`), every name, date and value allowed
    /// and every one denied, as regions
    #[command(name = "who-may")]
    WhoMay {
        #[command(flatten)]
        common: Common,
        /// A query with `?` for what to find: `sale by ? to category state_owned on 2021-04-01`
        #[arg(long)]
        query: String,
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
        /// With --coverage, also the regions of queries no expectation lies in (walks the whole set)
        #[arg(long, requires = "coverage")]
        regions: bool,
    },
}

impl Common {
    pub fn format(&self) -> Format {
        self.format.unwrap_or(Format::Human)
    }
}

fn parse_today(s: &str) -> Result<chrono::NaiveDate, String> {
    edict::value::parse_date(s).map_err(|e| format!("`{s}` is not a date: {}", e.help))
}

/// Runs the command line; the exit code is 2 for a usage error.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("edict: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    if let Command::Check { common, .. }
    | Command::Test { common, .. }
    | Command::Timeline { common, .. }
    | Command::WhoMay { common, .. } = &cli.command
    {
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
        } => fmt::run(&paths, check, color(choice)),
        Command::Check {
            common,
            deny_warnings,
            exact,
        } => check::run(&common, deny_warnings, exact),
        Command::Eval {
            common,
            query,
            input,
            explain,
        } => eval::run(&common, query, input, explain),
        Command::Test {
            common,
            filter,
            coverage,
            regions,
        } => test::run(
            &common,
            filter.as_deref(),
            Coverage {
                rules: coverage,
                regions,
            },
        ),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::run(args),
        #[cfg(feature = "lsp")]
        Command::Lsp(args) => lsp::run(args),
        Command::Diff {
            old,
            new,
            format,
            color,
        } => {
            if format == Some(Format::Table) {
                return Err(
                    "`--format table` is for `edict eval`; use `human` or `json` here".to_string(),
                );
            }
            let side = |path: PathBuf| Common {
                paths: vec![path],
                format,
                color,
                today: None,
            };
            diff::run(&side(old), &side(new))
        }
        Command::Timeline { common, query } => timeline::run(&common, &query),
        Command::WhoMay { common, query } => who_may::run(&common, &query),
    }
}

pub fn color(choice: Color) -> bool {
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
pub fn load(common: &Common) -> Result<Result<PolicySet, Loaded>, String> {
    let today = common.today.unwrap_or_else(edict::today);
    let loaded =
        edict::load_with(&common.paths, today, edict::Warnings::Skip).map_err(|e| e.to_string())?;
    Ok(loaded.into_set().map(|set| set.with_today(today)))
}

pub fn print_diagnostics(common: &Common, loaded: &Loaded) {
    print_diagnostic_list(common, &loaded.diagnostics, &loaded.policy.sources);
}

/// [`print_diagnostics`], of a list and the sources it points into.
pub fn print_diagnostic_list(common: &Common, diagnostics: &[Diagnostic], sources: &Sources) {
    match common.format() {
        Format::Json => {
            let list: Vec<_> = diagnostics
                .iter()
                .map(|d| render::diagnostic_json(d, sources))
                .collect();
            let ok = !edict::diagnostic::has_errors(diagnostics);
            print_out(&format!(
                "{}\n",
                serde_json::json!({"ok": ok, "diagnostics": list})
            ));
        }
        Format::Human | Format::Table => {
            eprint!(
                "{}",
                render::diagnostics(diagnostics, sources, color(common.color))
            );
        }
    }
}

/// Writes an answer to standard output; a reader that went away (`| head`)
/// is not an error worth a word.
pub fn print_out(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

pub fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
