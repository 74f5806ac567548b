//! How fast `edict lsp` answers on a large file, measured as an editor
//! meets it: the real binary over its pipes, a generated set whose rules
//! file holds N rules (10,000 by default), and for each of R rounds a
//! one-character edit (a letter added to an actor of a random rule, or
//! taken away again) timed until its diagnostics arrive, then a hover and
//! a completion right after the edit (the first requests on the new text)
//! and again once the server has the new text in hand.
//!
//! `cargo build --release` in the main crate, then here:
//! `cargo run --release --no-default-features --example lsp_latency -- ../target/release/edict 10000 40`
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use edict_bench::edict_engine;
use edict_bench::spec::{Rng, Spec, RULE_SEED};
use serde_json::{json, Value};

struct Server {
    stdin: std::process::ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
}

impl Server {
    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn wait(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        loop {
            let m = self
                .messages
                .recv_timeout(Duration::from_secs(60))
                .expect("an answer within a minute");
            if wanted(&m) {
                return m;
            }
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait(|m| m["id"] == json!(id))
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn diagnostics_of(&mut self, uri: &str) -> Value {
        self.wait(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri)
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        match line.trim_end() {
            "" => break,
            l => {
                if let Some(n) = l.strip_prefix("Content-Length: ") {
                    length = n.parse().ok()?;
                }
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// The position of a byte offset, in UTF-16 units (the text is ASCII).
fn position(text: &str, offset: usize) -> Value {
    let line = text[..offset].matches('\n').count();
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": offset - start})
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let binary = args.get(1).expect("the edict binary");
    let rules: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let rounds: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(40);
    let dir = std::env::temp_dir().join(format!("edict-lsp-latency-{rules}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let spec = Spec::generate(rules, RULE_SEED);
    for (name, text) in edict_engine::files(&spec) {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let rules_file = dir.join("rules00.policy");
    let mut text = std::fs::read_to_string(&rules_file).expect("the rules file");
    let uri = format!("file://{}", rules_file.display());

    let mut child = Command::new(binary)
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("edict lsp starts");
    let stdout = child.stdout.take().unwrap();
    let (send, messages) = channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        while let Some(m) = read_message(&mut reader) {
            if send.send(m).is_err() {
                break;
            }
        }
    });
    let mut server = Server {
        stdin: child.stdin.take().unwrap(),
        messages,
        next_id: 0,
    };
    let root = format!("file://{}", dir.display());
    server.request(
        "initialize",
        json!({"processId": null, "rootUri": root, "capabilities": {}}),
    );
    server.notify("initialized", json!({}));
    let started = Instant::now();
    server.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "edict", "version": 1, "text": text}}),
    );
    server.diagnostics_of(&uri);
    let opened = started.elapsed();

    let mut rng = Rng::new(7);
    let (mut edits, mut hovers_after, mut hovers, mut completions_after, mut completions) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let by_places: Vec<usize> = text.match_indices(" by ").map(|(i, _)| i + 4).collect();
    let mut added: Option<usize> = None;
    for round in 0..rounds {
        // a letter after a rule's first actor, or the one added taken away
        let change = match added.take() {
            Some(at) => {
                let range = json!({"start": position(&text, at), "end": position(&text, at + 1)});
                text.remove(at);
                json!({"range": range, "text": ""})
            }
            None => {
                let start = *rng.pick(&by_places);
                let end = start + text[start..].find([' ', '\n', ',']).unwrap();
                let change = json!({"range": {"start": position(&text, end), "end": position(&text, end)}, "text": "x"});
                text.insert(end, 'x');
                added = Some(end);
                change
            }
        };
        let t = Instant::now();
        server.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": round + 2}, "contentChanges": [change]}),
        );
        server.diagnostics_of(&uri);
        edits.push(t.elapsed());
        let name_at = {
            let start = *rng.pick(&by_places);
            position(&text, start + 1)
        };
        let hover = json!({"textDocument": {"uri": uri}, "position": name_at});
        let complete_at = {
            let start = *rng.pick(&by_places);
            json!({"textDocument": {"uri": uri}, "position": position(&text, start)})
        };
        let t = Instant::now();
        let answer = server.request("textDocument/hover", hover.clone());
        hovers_after.push(t.elapsed());
        assert!(answer.get("result").is_some(), "{answer}");
        let t = Instant::now();
        let answer = server.request("textDocument/completion", complete_at.clone());
        completions_after.push(t.elapsed());
        assert!(
            answer["result"].as_array().is_some_and(|a| !a.is_empty()),
            "{answer}"
        );
        for _ in 0..5 {
            let t = Instant::now();
            server.request("textDocument/hover", hover.clone());
            hovers.push(t.elapsed());
            let t = Instant::now();
            server.request("textDocument/completion", complete_at.clone());
            completions.push(t.elapsed());
        }
    }
    server.request("shutdown", Value::Null);
    server.notify("exit", Value::Null);
    let _ = child.wait();

    println!(
        "edict lsp on {rules} rules ({} bytes in one file), {rounds} edits",
        text.len()
    );
    println!("open to first diagnostics: {:.1} ms", ms(opened));
    println!("| what | median | p95 | max |");
    println!("|---|---:|---:|---:|");
    for (what, times) in [
        ("diagnostics after a one-character edit", &mut edits),
        ("hover, first request after the edit", &mut hovers_after),
        (
            "completion, first request after the edit",
            &mut completions_after,
        ),
        ("hover, text unchanged", &mut hovers),
        ("completion, text unchanged", &mut completions),
    ] {
        times.sort();
        let pick = |q: f64| ms(times[((times.len() - 1) as f64 * q) as usize]);
        println!(
            "| {what} | {:.1} ms | {:.1} ms | {:.1} ms |",
            pick(0.5),
            pick(0.95),
            pick(1.0)
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
