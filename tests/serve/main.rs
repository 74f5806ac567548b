//! `edict serve` as its clients meet it: the real binary, started on an
//! ephemeral loopback port, spoken to over HTTP by a client that writes the
//! bytes itself (so that it can also write them wrong, slowly, or not at
//! all).
#![cfg(feature = "serve")]

mod authzen;
mod client;
mod hostile;
mod lifecycle;

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value as Json;

pub use client::{request, Response};

/// A running `edict serve`, stopped when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    /// What it wrote on standard error so far.
    pub log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `edict serve ARGS --addr 127.0.0.1:0` and waits until it is
    /// ready.
    pub fn start(args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_edict"))
            .arg("serve")
            .args(args)
            .args(["--addr", "127.0.0.1:0"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("edict starts");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().expect("stderr");
        let kept = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = line.strip_prefix("edict serve: listening on http://") {
                    let _ = tx.send(addr.parse::<SocketAddr>().expect("an address"));
                }
                kept.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("edict serve did not start: {}", log.lock().unwrap()));
        let server = Server { child, addr, log };
        server.wait_ready();
        server
    }

    fn wait_ready(&self) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if let Ok(r) = client::try_request(self.addr, "GET", "/ready", &[], b"") {
                if r.status == 200 {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "edict serve did not become ready: {}",
            self.log.lock().unwrap()
        );
    }

    pub fn get(&self, path: &str) -> Response {
        request(self.addr, "GET", path, &[], b"")
    }

    /// POSTs JSON.
    pub fn post(&self, path: &str, body: &str) -> Response {
        request(
            self.addr,
            "POST",
            path,
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        )
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Sends `SIGTERM` and waits for the process to end; its exit status
    /// and what it printed on standard output.
    pub fn stop(mut self) -> (std::process::ExitStatus, String) {
        self.signal("TERM");
        let status = wait(&mut self.child, Duration::from_secs(30));
        let mut out = String::new();
        if let Some(mut stdout) = self.child.stdout.take() {
            let _ = std::io::Read::read_to_string(&mut stdout, &mut out);
        }
        (status, out)
    }
}

fn wait(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        assert!(start.elapsed() < limit, "edict serve did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The project's folder.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `edict ARGS` and gives its standard output.
pub fn edict(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_edict"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("edict runs");
    String::from_utf8(out.stdout).expect("utf-8")
}

/// An answer without its decision id, to compare with `eval --input`.
pub fn without_id(mut answer: Json) -> Json {
    if let Some(object) = answer.as_object_mut() {
        let id = object.remove("decision_id");
        assert!(
            id.as_ref().is_some_and(Json::is_string),
            "every answer has a decision id: {answer}"
        );
    }
    answer
}

pub fn json(text: &str) -> Json {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The sets whose answers the service must give as `eval` does: every set
/// in `policies/`, and the contract's examples when they are beside the
/// checkout (their absence fails under `CI=true`).
fn sets() -> Vec<PathBuf> {
    let mut sets: Vec<PathBuf> = std::fs::read_dir(root().join("policies"))
        .expect("policies/")
        .map(|e| e.expect("entry").path())
        .collect();
    let shared = root().join("../shared/examples");
    if shared.is_dir() {
        sets.extend(
            std::fs::read_dir(&shared)
                .expect("shared examples")
                .map(|e| e.expect("entry").path())
                .filter(|p| p.is_dir()),
        );
    } else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{} is missing: CI must run beside the shared examples",
            shared.display()
        );
        let _ = writeln!(
            std::io::stderr(),
            "note: {} is missing: the service is compared with eval on policies/ only",
            shared.display()
        );
    }
    sets.sort();
    sets
}

/// JSON queries for a set: its `queries.jsonl` when it has one, and every
/// query of its tests.
fn queries(set: &Path) -> Vec<String> {
    let mut lines: Vec<String> = std::fs::read_to_string(set.join("queries.jsonl"))
        .map(|t| t.lines().map(str::to_string).collect())
        .unwrap_or_default();
    let loaded = edict::load(&[set.to_path_buf()]).expect("the set loads");
    let policy = &loaded.policy;
    for test in &policy.tests {
        for expectation in &test.expectations {
            lines.push(edict::json::query_json(&expectation.query, &policy.vocabulary).to_string());
        }
    }
    lines.retain(|l| !l.trim().is_empty());
    lines
}

#[test]
fn answers_are_those_of_eval_input() {
    for set in sets() {
        let queries = queries(&set);
        assert!(!queries.is_empty(), "{}: no queries", set.display());
        let input = std::env::temp_dir().join(format!(
            "edict-serve-{}-{}.jsonl",
            std::process::id(),
            set.file_name().unwrap().to_string_lossy()
        ));
        std::fs::write(&input, queries.join("\n") + "\n").expect("write");
        let set_path = set.to_str().expect("utf-8");
        let expected: Vec<Json> = edict(&["eval", set_path, "--input", input.to_str().unwrap()])
            .lines()
            .map(json)
            .collect();
        let explained: Vec<Json> = edict(&[
            "eval",
            set_path,
            "--explain",
            "--input",
            input.to_str().unwrap(),
        ])
        .lines()
        .map(json)
        .collect();
        assert_eq!(expected.len(), queries.len());
        let server = Server::start(&[set_path]);
        for ((query, want), want_explained) in queries.iter().zip(&expected).zip(&explained) {
            let r = server.post("/v1/decide", query);
            if let Some(error) = want.get("error") {
                // a query `eval` cannot decide is a 400 saying the same
                assert_eq!(r.status, 400, "{}: {query}: {}", set.display(), r.text());
                assert_eq!(&r.json()["error"], error, "{}: {query}", set.display());
                continue;
            }
            assert_eq!(r.status, 200, "{}: {query}: {}", set.display(), r.text());
            assert_eq!(&without_id(r.json()), want, "{}: {query}", set.display());
            let r = server.post("/v1/explain", query);
            assert_eq!(
                &without_id(r.json()),
                want_explained,
                "{}: {query}",
                set.display()
            );
        }
        let lines = request(
            server.addr,
            "POST",
            "/v1/decide/batch",
            &[("Content-Type", "application/x-ndjson")],
            (queries.join("\n") + "\n").as_bytes(),
        );
        assert_eq!(lines.status, 200);
        let got: Vec<Json> = lines.text().lines().map(|l| without_id(json(l))).collect();
        assert_eq!(got, expected, "{}: the batch of lines", set.display());
        let array = server.post("/v1/decide/batch", &format!("[{}]", queries.join(",\n")));
        let got: Vec<Json> = match array.json() {
            Json::Array(items) => items.into_iter().map(without_id).collect(),
            other => panic!("not an array: {other}"),
        };
        // an array's errors say which element, counted from 0, not which line
        let expected: Vec<Json> = expected
            .into_iter()
            .map(|mut want| {
                if let Some(line) = want.as_object_mut().and_then(|o| o.remove("line")) {
                    want["index"] = Json::from(line.as_u64().unwrap() - 1);
                }
                want
            })
            .collect();
        assert_eq!(got, expected, "{}: the batch as an array", set.display());
        let _ = std::fs::remove_file(&input);
    }
}

#[test]
fn a_bad_query_in_a_batch_answers_its_own_error() {
    let server = Server::start(&["policies/zoom_russia"]);
    let body = concat!(
        "{\"action\": \"sale\", \"actor\": \"partner\", \"category\": \"state_owned\", \"date\": \"2021-04-02\"}\n",
        "{\"action\": \"sale\", \"actor\": \"partnr\"}\n",
        "\n",
        "not json\n",
        "{\"action\": \"sale\", \"actor\": \"reseller\", \"date\": \"2021-04-02\"}\n",
    );
    let r = request(
        server.addr,
        "POST",
        "/v1/decide/batch",
        &[("Content-Type", "application/x-ndjson")],
        body.as_bytes(),
    );
    assert_eq!(r.status, 200);
    let answers: Vec<Json> = r.text().lines().map(json).collect();
    assert_eq!(answers.len(), 4, "a blank line has no answer: {}", r.text());
    assert_eq!(answers[0]["decision"], "deny");
    assert_eq!(answers[1]["line"], 2);
    assert!(answers[1]["error"]
        .as_str()
        .unwrap()
        .contains("did you mean `partner`"));
    assert_eq!(answers[2]["line"], 4);
    assert!(answers[3]["decision"].is_string());
    // an array's errors say which element
    let r = server.post(
        "/v1/decide/batch",
        "[{\"action\": \"sale\"}, {\"action\": \"sale\", \"actor\": \"partner\"}]",
    );
    let answers = r.json();
    assert_eq!(answers[0]["index"], 0, "{answers}");
    assert!(answers[1]["decision"].is_string());
    // an array that never ends says so after the answers it could give
    let r = server.post(
        "/v1/decide/batch",
        "[{\"action\": \"sale\", \"actor\": \"partner\"}, ",
    );
    let answers = r.json();
    assert!(answers[0]["decision"].is_string(), "{answers}");
    assert!(
        answers[1]["error"]
            .as_str()
            .unwrap()
            .contains("ended before"),
        "{answers}"
    );
}

#[test]
fn operations_routes_answer() {
    let server = Server::start(&["policies/zoom_russia"]);
    assert_eq!(server.get("/health").status, 200);
    let ready = server.get("/ready");
    assert_eq!(ready.status, 200);
    let status = server.get("/v1/status").json();
    let hash = status["revision"]["hash"]
        .as_str()
        .expect("a revision")
        .to_string();
    assert_eq!(hash.len(), 64);
    assert_eq!(status["revision"]["files"], 3);
    assert!(status["last_failed_reload"].is_null());
    server.post(
        "/v1/decide",
        r#"{"action": "sale", "actor": "partner", "date": "2021-04-02"}"#,
    );
    server.post("/v1/decide", r#"{"action": "sale", "actor": "nobody"}"#);
    let metrics = server.get("/metrics");
    assert_eq!(metrics.status, 200);
    let text = metrics.text();
    for line in [
        "edict_requests_total{route=\"/v1/decide\",status=\"200\"} 1",
        "edict_requests_total{route=\"/v1/decide\",status=\"400\"} 1",
        "edict_decisions_total{outcome=\"error\"} 1",
        "edict_reloads_total 0",
        "edict_request_duration_seconds_count{route=\"/v1/decide\"} 2",
    ] {
        assert!(text.contains(line), "no `{line}` in:\n{text}");
    }
    assert!(text.contains(&format!("edict_revision_info{{revision=\"{hash}\"}} 1")));
}
