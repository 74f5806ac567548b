//! Whole sets through the server: every set of `policies/` and of the
//! shared examples, and every broken fixture, held to what the command
//! line says of the same files.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use super::{portable, scratch, Client};

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The sets of `policies/`, and of `../shared/examples` when it is there.
fn sets() -> Vec<PathBuf> {
    let mut out = folders(&manifest().join("policies"));
    let shared = manifest().join("../shared/examples");
    if shared.is_dir() {
        out.extend(folders(&shared));
    } else if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "{} is missing: CI must run beside the shared examples",
            shared.display()
        );
    } else {
        eprintln!("note: {} is missing (a plain clone has no `../shared`): the shared examples are skipped", shared.display());
    }
    out
}

fn folders(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

fn policy_files(set: &Path) -> Vec<PathBuf> {
    edict::load::find_files(&[set.to_path_buf()]).expect("policy files")
}

/// A file's path under its set's folder, as the client names it.
fn relative(file: &Path, set: &Path) -> String {
    file.strip_prefix(set)
        .unwrap()
        .to_string_lossy()
        .to_string()
}

/// What `edict check --format json` says of a set: each diagnostic's file,
/// code, line and message.
fn check_says(set: &Path) -> Vec<(String, String, u64, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_edict"))
        .args(["check", "--format", "json", "--today", "2026-06-01"])
        .arg(set)
        .output()
        .expect("edict check runs");
    let answer: Value = serde_json::from_slice(&out.stdout).expect("check's JSON");
    let mut said: Vec<_> = answer["diagnostics"]
        .as_array()
        .expect("a list of diagnostics")
        .iter()
        .map(|d| {
            let file = Path::new(d["file"].as_str().unwrap_or(""));
            let name = file
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().to_string());
            let line = d["line"].as_u64().unwrap_or(1);
            // the server names a file by its path in the set, as in `file:line`
            let inside = format!("{}/", set.display());
            let mut message = d["message"].as_str().unwrap().replace(&inside, "");
            if let Some(label) = d["label"].as_str() {
                message.push_str(&format!(" ({label})"));
            }
            (name, d["code"].as_str().unwrap().to_string(), line, message)
        })
        .collect();
    said.sort();
    said
}

/// What the server sends for the same files, once each is open.
fn server_says(client: &mut Client, set: &Path) -> Vec<(String, String, u64, String)> {
    let files = policy_files(set);
    for f in &files {
        let relative = relative(f, &client.root);
        client.open(&relative, &std::fs::read_to_string(f).unwrap());
    }
    // after the last open, one publication holds everything
    let mut said = Vec::new();
    let last = relative(files.last().unwrap(), &client.root);
    let note = client.publication(&last);
    let mut notes = client.take_pending();
    notes.push(note);
    // a request's answer comes after every notification sent before it
    client.result(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": client.uri(&last)}}),
    );
    notes.extend(client.take_pending());
    for note in notes {
        if note["method"] != "textDocument/publishDiagnostics" {
            continue;
        }
        let uri = note["params"]["uri"].as_str().unwrap();
        let name = uri.rsplit('/').next().unwrap().to_string();
        said.retain(|(n, ..): &(String, String, u64, String)| n != &name);
        for d in note["params"]["diagnostics"].as_array().unwrap() {
            let message = d["message"].as_str().unwrap();
            let message = message.split("\nhelp:").next().unwrap();
            let line = d["range"]["start"]["line"].as_u64().unwrap() + 1;
            said.push((
                name.clone(),
                d["code"].as_str().unwrap().to_string(),
                line,
                message.to_string(),
            ));
        }
    }
    said.sort();
    said
}

#[test]
fn every_set_gets_the_diagnostics_check_gives() {
    for set in sets() {
        let set = set.canonicalize().unwrap();
        let mut client = Client::start(&set);
        let mut said = server_says(&mut client, &set);
        let mut expected = check_says(&set);
        // the server names files by their path under the set
        said.iter_mut().for_each(|d| d.0 = file_name(&d.0));
        expected.iter_mut().for_each(|d| d.0 = file_name(&d.0));
        assert_eq!(said, expected, "{}", set.display());
        client.stop();
    }
}

fn file_name(name: &str) -> String {
    name.rsplit('/').next().unwrap_or(name).to_string()
}

#[test]
fn every_broken_fixture_gets_the_diagnostics_check_gives() {
    let mut fixtures = Vec::new();
    for folder in [
        "tests/fixtures/check/err",
        "tests/fixtures/parse/err",
        "tests/fixtures/check/ok",
    ] {
        for e in std::fs::read_dir(manifest().join(folder)).unwrap() {
            fixtures.push(e.unwrap().path());
        }
    }
    fixtures.sort();
    assert!(fixtures.len() > 40);
    for fixture in fixtures {
        let stem = fixture.file_stem().unwrap().to_string_lossy().to_string();
        let root = scratch(&format!("broken_{stem}"));
        std::fs::copy(&fixture, root.join("rules.policy")).unwrap();
        let mut client = Client::start(&root);
        let said = server_says(&mut client, &root);
        assert_eq!(said, check_says(&root), "{}", fixture.display());
        client.stop();
    }
}

#[test]
fn formatting_gives_what_fmt_gives_and_lenses_run_every_test() {
    for set in sets() {
        let set = set.canonicalize().unwrap();
        let mut client = Client::start(&set);
        for file in policy_files(&set) {
            let relative = relative(&file, &set);
            let text = std::fs::read_to_string(&file).unwrap();
            client.open(&relative, &text);
            let doc = json!({"uri": client.uri(&relative)});
            // a messy copy formats back to the canonical text
            let messy = text.replace("\n  ", "\n      ").replace(" by ", "   by ");
            client.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": client.uri(&relative), "version": 2},
                       "contentChanges": [{"text": messy}]}),
            );
            let edits = client.result(
                "textDocument/formatting",
                json!({"textDocument": doc, "options": {"tabSize": 2, "insertSpaces": true}}),
            );
            let formatted = apply(&messy, edits.as_array().unwrap());
            let expected = edict::format::format_text(&messy).expect("the file formats");
            assert_eq!(formatted, expected, "{relative} of {}", set.display());
            client.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": client.uri(&relative), "version": 3},
                       "contentChanges": [{"text": text}]}),
            );
            run_lenses(&mut client, &relative);
        }
        client.stop();
    }
}

/// Runs every test lens of a file; each must pass (the sets' tests do) and
/// say so in place afterwards.
fn run_lenses(client: &mut Client, relative: &str) {
    let doc = json!({"uri": client.uri(relative)});
    let lenses = client.result("textDocument/codeLens", json!({"textDocument": doc}));
    for lens in lenses.as_array().unwrap() {
        let command = &lens["command"];
        assert_eq!(command["title"], "▶ run test");
        let ran = client.result(
            "workspace/executeCommand",
            json!({"command": command["command"], "arguments": command["arguments"]}),
        );
        assert_eq!(ran["passed"], true, "{ran}");
    }
    let after = client.result("textDocument/codeLens", json!({"textDocument": doc}));
    for lens in after.as_array().unwrap() {
        let title = lens["command"]["title"].as_str().unwrap();
        assert!(title.starts_with("✓ passed"), "{title}");
    }
}

/// Applies text edits (on whole lines or the whole text, as the formatter
/// sends them) to a text.
fn apply(text: &str, edits: &[Value]) -> String {
    let mut out = text.to_string();
    let mut edits = edits.to_vec();
    edits.sort_by_key(|e| {
        std::cmp::Reverse((
            e["range"]["start"]["line"].as_u64(),
            e["range"]["start"]["character"].as_u64(),
        ))
    });
    for e in edits {
        let start = offset(&out, &e["range"]["start"]);
        let end = offset(&out, &e["range"]["end"]);
        out.replace_range(start..end, e["newText"].as_str().unwrap());
    }
    out
}

fn offset(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().unwrap() as usize;
    let character = position["character"].as_u64().unwrap() as usize;
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let rest = &text[start.min(text.len())..];
    let mut units = 0;
    for (i, c) in rest.char_indices() {
        if units >= character || c == '\n' {
            return start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

#[test]
fn a_set_outlines_folds_and_colours_as_its_snapshot() {
    let set = manifest()
        .join("policies/zoom_russia")
        .canonicalize()
        .unwrap();
    let mut client = Client::start(&set);
    let file = policy_files(&set)
        .into_iter()
        .find(|f| f.ends_with("sales.policy"))
        .expect("zoom_russia has sales.policy");
    let relative = relative(&file, &set);
    let text = std::fs::read_to_string(&file).unwrap();
    client.open(&relative, &text);
    let doc = json!({"textDocument": {"uri": client.uri(&relative)}});
    let symbols = client.result("textDocument/documentSymbol", doc.clone());
    let folding = client.result("textDocument/foldingRange", doc.clone());
    let tokens = client.result("textDocument/semanticTokens/full", doc);
    let shown = json!({
        "symbols": symbols.as_array().unwrap().iter().map(|s| format!("{} [{}] {}", s["name"].as_str().unwrap(), s["kind"], s["detail"].as_str().unwrap_or(""))).collect::<Vec<_>>(),
        "folding": folding,
        "tokens": decode_tokens(&text, &tokens["data"]),
    });
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("lsp_zoom_russia_outline", portable(&shown, &client));
    });
    client.stop();
}

/// Semantic tokens decoded to `line:col word type`, to read them.
fn decode_tokens(text: &str, data: &Value) -> Vec<String> {
    const TYPES: &[&str] = &[
        "function", "class", "enum", "property", "variable", "event", "keyword", "string",
        "number", "comment", "operator",
    ];
    let lines: Vec<&str> = text.lines().collect();
    let numbers: Vec<u64> = data
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    let (mut line, mut start) = (0u64, 0u64);
    let mut out = Vec::new();
    for t in numbers.chunks(5) {
        if t[0] > 0 {
            line += t[0];
            start = t[1];
        } else {
            start += t[1];
        }
        let units: Vec<u16> = lines[line as usize].encode_utf16().collect();
        let word = String::from_utf16_lossy(&units[start as usize..(start + t[2]) as usize]);
        let modifiers = if t[4] & 1 == 1 { " declaration" } else { "" };
        out.push(format!(
            "{}:{} {word} {}{modifiers}",
            line + 1,
            start + 1,
            TYPES[t[3] as usize]
        ));
    }
    out
}
