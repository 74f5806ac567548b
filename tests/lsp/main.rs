//! `edict lsp` as editors meet it: the real binary, spoken to in JSON-RPC
//! over its pipes. Cursor fixtures (`tests/fixtures/lsp/`) hold the
//! position asked about as a `|` and give one snapshot per request and
//! answer; the whole-file requests run on every set of `policies/` and the
//! shared examples; the diagnostics of the broken fixtures are held to
//! what `edict check` says of them.
#![cfg(feature = "lsp")]

mod client;
mod hostile;
mod sets;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

pub use client::Client;

/// A fresh, empty folder for one test's set.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("lsp")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// The protocol's position (UTF-16 units) of a byte offset.
pub fn position(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let character = before[start..].encode_utf16().count();
    json!({"line": line, "character": character})
}

/// A fixture: the request it asks, its files, and where the cursor is.
struct Fixture {
    request: String,
    files: Vec<(String, String)>,
    /// The file holding the cursor, and the cursor's offset in it.
    cursor: (usize, usize),
}

/// Reads a fixture: a first line `# request: METHOD [ARGUMENT]`, then
/// files, each after a `# file: NAME` line (the first may have none:
/// `rules.policy`), one of them holding a `|`.
fn read_fixture(text: &str) -> Fixture {
    let (first, rest) = text.split_once('\n').expect("a request line");
    let request = first
        .strip_prefix("# request: ")
        .expect("the first line is `# request: ...`")
        .trim()
        .to_string();
    let mut files: Vec<(String, String)> = vec![("rules.policy".to_string(), String::new())];
    for line in rest.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix("# file: ") {
            if files.len() == 1 && files[0].1.trim().is_empty() {
                files.clear();
            }
            files.push((name.trim().to_string(), String::new()));
        } else {
            files.last_mut().expect("a file").1.push_str(line);
        }
    }
    let mut cursor = None;
    for (i, (_, text)) in files.iter_mut().enumerate() {
        if let Some(at) = text.find('|') {
            assert!(cursor.is_none(), "one `|` a fixture");
            text.remove(at);
            cursor = Some((i, at));
        }
    }
    Fixture {
        request,
        files,
        cursor: cursor.expect("a `|` marks the cursor"),
    }
}

/// Every URI of the scratch folder written as `file:///SET/...`, so that
/// snapshots do not depend on where the tests run.
pub fn portable(value: &Value, client: &Client) -> String {
    let text = serde_json::to_string_pretty(&files_in_order(value)).expect("JSON");
    text.replace(&client.uri(""), "file:///SET")
}

/// A value with every map keyed by file URIs (a rename's `changes`, which
/// the server holds in a hash map) in the order of its keys.
fn files_in_order(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, Value)> =
                map.iter().map(|(k, v)| (k, files_in_order(v))).collect();
            if entries.iter().all(|(k, _)| k.starts_with("file://")) {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            Value::Object(entries.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(files_in_order).collect()),
        other => other.clone(),
    }
}

#[test]
fn cursor_fixtures_answer_as_their_snapshots() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lsp");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&folder)
        .expect("tests/fixtures/lsp")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "policy"))
        .collect();
    names.sort();
    assert!(names.len() >= 20, "the cursor fixtures are there");
    for path in names {
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let fixture = read_fixture(&std::fs::read_to_string(&path).unwrap());
        let root = scratch(&format!("cursor_{stem}"));
        for (name, text) in &fixture.files {
            std::fs::write(root.join(name), text).unwrap();
        }
        let mut client = Client::start(&root);
        let (file, offset) = fixture.cursor;
        let (name, text) = &fixture.files[file];
        client.open(name, text);
        let (request, answer) = ask(&mut client, &fixture.request, name, position(text, offset));
        let shown = json!({"request": request, "answer": answer});
        insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(format!("lsp_{stem}"), portable(&shown, &client));
        });
        client.stop();
    }
}

/// Sends a fixture's request at a position; the request as sent, and the
/// whole answer (`result` or `error`).
fn ask(client: &mut Client, request: &str, file: &str, at: Value) -> (Value, Value) {
    let doc = json!({"uri": client.uri(file)});
    let (method, argument) = request.split_once(' ').unwrap_or((request, ""));
    let (method, params) = match method {
        "hover" => (
            "textDocument/hover",
            json!({"textDocument": doc, "position": at}),
        ),
        "definition" => (
            "textDocument/definition",
            json!({"textDocument": doc, "position": at}),
        ),
        "references" => (
            "textDocument/references",
            json!({"textDocument": doc, "position": at, "context": {"includeDeclaration": true}}),
        ),
        "completion" => (
            "textDocument/completion",
            json!({"textDocument": doc, "position": at}),
        ),
        "prepareRename" => (
            "textDocument/prepareRename",
            json!({"textDocument": doc, "position": at}),
        ),
        "rename" => (
            "textDocument/rename",
            json!({"textDocument": doc, "position": at, "newName": argument}),
        ),
        "actions" => {
            // wait for the diagnostics, so that the fixes are there to ask for
            let diagnostics = client.diagnostics(file);
            (
                "textDocument/codeAction",
                json!({"textDocument": doc, "range": {"start": at, "end": at},
                       "context": {"diagnostics": diagnostics}}),
            )
        }
        other => panic!("unknown fixture request `{other}`"),
    };
    let mut answer = client.request(method, params.clone());
    if method == "textDocument/completion" {
        answer = completion_labels(&answer);
    }
    let answer = answer
        .get("result")
        .or(answer.get("error"))
        .cloned()
        .unwrap_or(Value::Null);
    let at = params.get("position").or(params.pointer("/range/start"));
    (
        json!({"method": method, "position": at, "newName": params.get("newName")}),
        answer,
    )
}

/// A completion answer shortened to what a reader checks: each item's
/// label, kind and detail, in order.
fn completion_labels(answer: &Value) -> Value {
    let Some(items) = answer["result"].as_array() else {
        return answer.clone();
    };
    let shown: Vec<Value> = items
        .iter()
        .map(|i| {
            let mut line = i["label"].as_str().unwrap_or("").to_string();
            if let Some(detail) = i["detail"].as_str() {
                line.push_str(&format!("  ({detail})"));
            }
            if let Some(insert) = i["insertText"].as_str() {
                line.push_str(&format!("  => {insert}"));
            }
            if let Some(edit) = i.get("textEdit") {
                let (start, end) = (&edit["range"]["start"], &edit["range"]["end"]);
                line.push_str(&format!(
                    "  edits {}:{}-{}:{} to {}",
                    start["line"],
                    start["character"],
                    end["line"],
                    end["character"],
                    edit["newText"]
                ));
            }
            json!(line)
        })
        .collect();
    json!({"result": shown})
}

#[test]
fn a_declaration_in_one_file_clears_the_error_in_another() {
    let root = scratch("across_files");
    std::fs::write(
        root.join("vocabulary.policy"),
        "action sale\nactor partner\n",
    )
    .unwrap();
    std::fs::write(root.join("rules.policy"), "deny sale by reseller\n").unwrap();
    let mut client = Client::start(&root);
    client.open("rules.policy", "deny sale by reseller\n");
    let note = client.publication("rules.policy");
    assert_eq!(
        note["params"]["version"], 1,
        "the version of the open buffer: {note}"
    );
    let diagnostics = note["params"]["diagnostics"].as_array().unwrap().clone();
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "E101");
    assert_eq!(
        diagnostics[0]["codeDescription"]["href"],
        "https://edict.example/docs/errors.md#e101"
    );
    client.open("vocabulary.policy", "action sale\nactor partner\n");
    // an incremental edit: `, reseller` after `partner`
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": client.uri("vocabulary.policy"), "version": 2},
               "contentChanges": [{"range": {"start": {"line": 1, "character": 13},
                                             "end": {"line": 1, "character": 13}},
                                   "text": ", reseller"}]}),
    );
    // the publication after the change clears it (one may come first,
    // sent when the vocabulary was opened)
    while !client.diagnostics("rules.policy").is_empty() {}
    // nothing was written to disk: the buffer stands in for the file
    let on_disk = std::fs::read_to_string(root.join("vocabulary.policy")).unwrap();
    assert_eq!(on_disk, "action sale\nactor partner\n");
    client.stop();
}

#[test]
fn positions_count_utf16_units_unless_utf8_is_agreed() {
    for utf8 in [false, true] {
        let root = scratch(&format!("encoding_{utf8}"));
        let text = "action sale\nactor partner\n# caf\u{e9} \u{1F600}\nallow sale by partner because \"\u{1F600}\"\n";
        std::fs::write(root.join("rules.policy"), text).unwrap();
        let mut client = Client::start_with(&root, utf8);
        client.open("rules.policy", text);
        assert_eq!(client.diagnostics("rules.policy"), Vec::<Value>::new());
        // replace `partner` in the rule, after a line of multi-byte text
        let line = "allow sale by partner because \"\u{1F600}\"";
        let start = line.find("partner").unwrap();
        let units = |s: &str| {
            if utf8 {
                s.len()
            } else {
                s.encode_utf16().count()
            }
        };
        let (a, b) = (units(&line[..start]), units(&line[..start + 7]));
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": client.uri("rules.policy"), "version": 2},
                   "contentChanges": [{"range": {"start": {"line": 3, "character": a},
                                                 "end": {"line": 3, "character": b}},
                                       "text": "partnr"}]}),
        );
        let diagnostics = client.diagnostics("rules.policy");
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        let range = &diagnostics[0]["range"];
        assert_eq!(range["start"], json!({"line": 3, "character": a}));
        assert_eq!(range["end"], json!({"line": 3, "character": a + 6}));
        // the string after the name is counted right too
        let end_of_line = units(&line.replace("partner", "partnr"));
        let hover = client.result(
            "textDocument/hover",
            json!({"textDocument": {"uri": client.uri("rules.policy")},
                   "position": {"line": 1, "character": 7}}),
        );
        assert!(hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("**actor** `partner`"));
        let symbols = client.result(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": client.uri("rules.policy")}}),
        );
        let rule = symbols.as_array().unwrap().last().unwrap();
        assert_eq!(
            rule["range"]["end"],
            json!({"line": 3, "character": end_of_line})
        );
        client.stop();
    }
}

#[test]
fn closing_a_buffer_and_changing_the_disk_reach_the_diagnostics() {
    let root = scratch("close_and_disk");
    std::fs::write(
        root.join("vocabulary.policy"),
        "action sale\nactor partner\n",
    )
    .unwrap();
    std::fs::write(root.join("rules.policy"), "allow sale by partner\n").unwrap();
    let mut client = Client::start(&root);
    client.open("vocabulary.policy", "action sale\nactor partner\n");
    assert_eq!(client.diagnostics("vocabulary.policy"), Vec::<Value>::new());
    // unsaved: `sale` becomes `sael`, and the rules file's `sale` is undeclared
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": client.uri("vocabulary.policy"), "version": 2},
               "contentChanges": [{"text": "action sael\nactor partner\n"}]}),
    );
    while client.diagnostics("rules.policy").is_empty() {}
    // closed without saving: the file on disk holds again, and says nothing
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": client.uri("vocabulary.policy")}}),
    );
    assert_eq!(client.diagnostics("rules.policy"), Vec::<Value>::new());
    // a file made on disk is read when the client says the disk changed
    client.open("rules.policy", "allow sale by reseller\n");
    assert_eq!(client.diagnostics("rules.policy")[0]["code"], "E101");
    std::fs::write(root.join("more.policy"), "actor reseller in partner\n").unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": client.uri("more.policy"), "type": 1}]}),
    );
    assert_eq!(client.diagnostics("rules.policy"), Vec::<Value>::new());
    client.stop();
}
