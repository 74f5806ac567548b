//! `edict eval`: one query from `--query`, or a file of JSON queries from
//! `--input`, answered on every core in input order.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use edict::{render, PolicySet};

use super::progress::Progress;
use super::{color, exit, load, print_diagnostics, print_out, Common, Format};

pub fn run(
    common: &Common,
    query: Option<String>,
    input: Option<PathBuf>,
    explain: bool,
) -> Result<ExitCode, String> {
    let set = match load(common)? {
        Ok(set) => set,
        Err(loaded) => {
            print_diagnostics(common, &loaded);
            return Ok(ExitCode::from(1));
        }
    };
    match (query, input) {
        (Some(text), _) => Ok(eval_one(common, &set, &text, explain)),
        (None, Some(path)) => eval_batch(common, &set, &path, explain),
        (None, None) => Err("give a query with --query or a file with --input".to_string()),
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
                Format::Json => print_out(&format!(
                    "{}\n",
                    answer_json(set, &query, &decision, explain)
                )),
                Format::Human => {
                    print_out(&render::decision_human(set.policy(), &decision));
                    if explain {
                        print_out(&format!("why:\n{}", explanation(set, &query)));
                    }
                }
                Format::Table => print_out(&render::decision_table(
                    set.policy(),
                    &[render::TableRow {
                        query: text.trim().to_string(),
                        date: Some(query.date),
                        answer: Ok(decision),
                    }],
                )),
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
                    print_out(&format!(
                        "{}\n",
                        serde_json::json!({"error": error.diagnostics.first().map(|d| d.message.clone()), "diagnostics": list})
                    ));
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
    let notes = std::sync::Mutex::new(Vec::new());
    let answered = edict::batch::run_chunked(
        reader,
        &mut out,
        threads,
        |line, out, found: &mut Vec<Note>| answer_line(set, line, format, explain, out, found),
        |found| {
            if !found.is_empty() {
                notes
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend(found);
            }
        },
        |read, lines| progress.show(read, lines),
    );
    progress.clear();
    drop(out);
    print_notes(notes.into_inner().unwrap_or_else(|e| e.into_inner()));
    match answered {
        Ok(all_ok) => Ok(exit(all_ok)),
        Err(edict::batch::BatchError::Read(e)) => Err(cannot_read(&e)),
        // the reader went away (a closed pipe): stop quietly
        Err(edict::batch::BatchError::Write(_)) => Ok(ExitCode::from(1)),
    }
}

/// A name a query gave that no rule mentions, one edit from one a rule
/// does: its line, its kind, the name, and the name it is like.
type Note = (usize, &'static str, String, String);

/// Notes the names no rule mentions that look like one a rule does, as
/// `--query` does, on standard error: each name once, at its first line.
fn print_notes(mut notes: Vec<Note>) {
    const SHOWN: usize = 10;
    notes.sort();
    let mut seen = std::collections::HashSet::new();
    notes.retain(|(_, kind, name, _)| seen.insert((*kind, name.clone())));
    for (line, kind, name, like) in notes.iter().take(SHOWN) {
        eprintln!(
            "note: line {line}: {kind} `{name}` is a name no rule mentions; did you mean `{like}`?"
        );
    }
    if notes.len() > SHOWN {
        eprintln!("note: and {} more such names", notes.len() - SHOWN);
    }
}

/// The notes a decided query gives, for [`print_notes`].
fn notes_of(set: &PolicySet, number: usize, query: &edict::Query, found: &mut Vec<Note>) {
    for (kind, name, like) in edict::lint::query_lookalikes(set.policy(), query) {
        found.push((number, kind.as_str(), name, like));
    }
}

/// Writes one line's answer; false when the line was an error.
fn answer_line(
    set: &PolicySet,
    line: edict::batch::Line<'_>,
    format: Format,
    explain: bool,
    out: &mut Vec<u8>,
    found: &mut Vec<Note>,
) -> bool {
    let number = line.number;
    let Some((_, answer)) = set.decide_line(line) else {
        return true;
    };
    if let Ok((query, _)) = &answer {
        notes_of(set, number, query, found);
    }
    match (&answer, format) {
        (Ok((query, decision)), Format::Json) => {
            if explain {
                let _ = writeln!(out, "{}", answer_json(set, query, decision, true));
            } else {
                set.write_decision_json(decision, out);
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
    let mut notes = Vec::new();
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
        if let Some((query_text, answer)) = set.decide_line(Line { number, text }) {
            all_ok &= answer.is_ok();
            if let Ok((query, _)) = &answer {
                notes_of(set, number, query, &mut notes);
            }
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
    print_notes(notes);
    Ok(exit(all_ok))
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
