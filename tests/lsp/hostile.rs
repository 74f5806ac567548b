//! The server on what editors send when things go wrong: half-written and
//! broken text asked about at every position, requests it does not know,
//! parameters that do not read, files that are not in the set, and a
//! handler that panics. It answers each, and goes on.

use std::path::Path;

use serde_json::{json, Value};

use super::{position, scratch, Client};

/// Every `.policy` file of the fixtures (fuzz findings included), of
/// `policies/`, and of the shared examples when they are there.
fn every_fixture_text() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stack = vec![manifest.join("tests/fixtures"), manifest.join("policies")];
    if manifest.join("../shared/examples").is_dir() {
        stack.push(manifest.join("../shared/examples"));
    }
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "policy") {
                let bytes = std::fs::read(&path).unwrap();
                out.push((
                    path.display().to_string(),
                    String::from_utf8_lossy(&bytes).into_owned(),
                ));
            }
        }
    }
    out.sort();
    out
}

/// The requests asked at a position, as method and parameters.
fn requests_at(uri: &str, at: Value) -> Vec<(&'static str, Value)> {
    let doc = json!({"uri": uri});
    let here = json!({"textDocument": doc, "position": at});
    vec![
        ("textDocument/hover", here.clone()),
        ("textDocument/completion", here.clone()),
        ("textDocument/definition", here.clone()),
        (
            "textDocument/references",
            json!({"textDocument": doc, "position": at, "context": {"includeDeclaration": true}}),
        ),
        ("textDocument/prepareRename", here.clone()),
        (
            "textDocument/rename",
            json!({"textDocument": doc, "position": at, "newName": "renamed"}),
        ),
        (
            "textDocument/codeAction",
            json!({"textDocument": doc, "range": {"start": at, "end": at}, "context": {"diagnostics": []}}),
        ),
    ]
}

#[test]
fn no_text_and_no_position_breaks_the_server() {
    let root = scratch("every_position");
    let mut client = Client::start(&root);
    let mut asked = 0;
    for (name, text) in every_fixture_text() {
        let uri = client.uri("rules.policy");
        client.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "edict", "version": 1, "text": text}}),
        );
        // every few bytes, and the very end, and a place past it
        let mut offsets: Vec<usize> = (0..text.len())
            .step_by(7)
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        offsets.push(text.len());
        let mut places: Vec<Value> = offsets.iter().map(|&o| position(&text, o)).collect();
        places.push(json!({"line": 9999, "character": 9999}));
        for at in places {
            for (method, params) in requests_at(&uri, at) {
                let answer = client.request(method, params);
                asked += 1;
                if let Some(error) = answer.get("error") {
                    assert_ne!(
                        error["code"], -32603,
                        "{name}: {method} failed inside: {error}"
                    );
                }
            }
        }
        for method in [
            "textDocument/documentSymbol",
            "textDocument/foldingRange",
            "textDocument/semanticTokens/full",
            "textDocument/codeLens",
        ] {
            let answer = client.request(method, json!({"textDocument": {"uri": uri}}));
            assert!(answer.get("result").is_some(), "{name}: {method}: {answer}");
        }
        let formatted = client.request(
            "textDocument/formatting",
            json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
        );
        if let Some(error) = formatted.get("error") {
            assert_ne!(
                error["code"], -32603,
                "{name}: formatting failed inside: {error}"
            );
        }
        client.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        );
    }
    assert!(asked > 1000, "only {asked} requests were asked");
    assert!(client.stop().success());
}

#[test]
fn wrong_requests_get_errors_and_the_server_goes_on() {
    let root = scratch("wrong_requests");
    std::fs::write(root.join("rules.policy"), "action sale\nallow sale\n").unwrap();
    std::fs::write(root.join("notes.txt"), "not a policy").unwrap();
    let mut client = Client::start(&root);
    client.open("rules.policy", "action sale\nallow sale\n");
    let unknown = client.request("textDocument/inlayHint", json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    let unreadable = client.request("textDocument/hover", json!({"textDocument": 7}));
    assert_eq!(unreadable["error"]["code"], -32602, "{unreadable}");
    let not_in_set = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": client.uri("notes.txt")}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(not_in_set["error"]["code"], -32602, "{not_in_set}");
    assert!(not_in_set["error"]["message"]
        .as_str()
        .unwrap()
        .contains("is not a `.policy` file"));
    // a change to a buffer that was never opened is ignored
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": client.uri("other.policy"), "version": 2}, "contentChanges": [{"text": "x"}]}),
    );
    let panicked = client.request("edict/testPanic", json!({}));
    assert_eq!(panicked["error"]["code"], -32603, "{panicked}");
    let command = client.request(
        "workspace/executeCommand",
        json!({"command": "edict.runTest", "arguments": [1]}),
    );
    assert_eq!(command["error"]["code"], -32602, "{command}");
    // and it still answers
    let hover = client.result(
        "textDocument/hover",
        json!({"textDocument": {"uri": client.uri("rules.policy")}, "position": {"line": 1, "character": 7}}),
    );
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("**action** `sale`"));
    assert!(client.stop().success());
}

#[test]
fn rename_refuses_keywords_taken_names_and_non_names() {
    let root = scratch("rename_refusals");
    let text = "action sale, license\nactor partner\nattribute country: text, seats: number\nallow sale by partner where country == \"US\"\n";
    std::fs::write(root.join("rules.policy"), text).unwrap();
    let mut client = Client::start(&root);
    client.open("rules.policy", text);
    let at = |client: &Client, word: &str| json!({"textDocument": {"uri": client.uri("rules.policy")}, "position": position(text, text.rfind(word).unwrap())});
    for (word, new, refusal) in [
        ("sale", "by", "keyword"),
        ("sale", "license", "already the name of an action"),
        ("sale", "partner", "already the name of an actor"),
        ("sale", "Sale", "not a name"),
        ("country", "in", "keyword"),
        ("country", "seats", "already the name of an attribute"),
    ] {
        let mut params = at(&client, word);
        params["newName"] = json!(new);
        let answer = client.request("textDocument/rename", params);
        let message = answer["error"]["message"]
            .as_str()
            .unwrap_or_else(|| panic!("{word} -> {new}: {answer}"));
        assert!(message.contains(refusal), "{word} -> {new}: {message}");
    }
    // a statement that does not parse mentions `license`: rename would miss it
    let broken = format!("{text}deny license by partner to\n");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": client.uri("rules.policy"), "version": 2},
               "contentChanges": [{"text": broken}]}),
    );
    let mut params = at(&client, "license");
    params["newName"] = json!("licence");
    let answer = client.request("textDocument/rename", params);
    let message = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("does not parse (rules.policy:5)"),
        "{answer}"
    );
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": client.uri("rules.policy"), "version": 3},
               "contentChanges": [{"text": text}]}),
    );
    let mut params = at(&client, "partner");
    params["newName"] = json!("reseller");
    let edit = client.result("textDocument/rename", params);
    let edits = edit["changes"][client.uri("rules.policy")]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(edits.len(), 2, "the declaration and the rule: {edits:?}");
    assert!(edits.iter().all(|e| e["newText"] == "reseller"));
    assert!(client.stop().success());
}
