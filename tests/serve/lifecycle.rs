//! A service's life: reloads while requests run (a good set swaps in, a
//! broken one does not), a shutdown with requests in flight, and a decision
//! log that holds every decision afterwards.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::client::{chunk, chunked_batch, last_chunk, read_response};
use super::{json, Server};

const VOCABULARY: &str = "action sale\nactor partner\n";
const QUERY: &str = r#"{"action": "sale", "actor": "partner", "date": "2021-04-02"}"#;

/// A folder of its own holding a set.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("edict-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("vocabulary.policy"), VOCABULARY).unwrap();
    dir
}

/// Replaces a file the way editors do: a new file renamed over the old.
fn replace(path: &std::path::Path, text: &str) {
    let new = path.with_extension("new");
    std::fs::write(&new, text).unwrap();
    std::fs::rename(&new, path).unwrap();
}

fn until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "waited in vain for {what}"
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[test]
fn reloads_swap_good_sets_and_keep_the_running_one_over_a_broken_one() {
    let dir = folder("reload");
    let rules = dir.join("rules.policy");
    std::fs::write(&rules, "allow sale by partner\n").unwrap();
    let server = Server::start(&[dir.to_str().unwrap()]);
    let addr = server.addr;
    // clients ask throughout; every answer is a success, and a revision
    // always gives the same decision
    let running = Arc::new(AtomicBool::new(true));
    let seen: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let clients: Vec<_> = (0..3)
        .map(|_| {
            let (running, seen) = (Arc::clone(&running), Arc::clone(&seen));
            std::thread::spawn(move || {
                let mut asked = 0;
                while running.load(Ordering::Relaxed) {
                    let r = super::request(
                        addr,
                        "POST",
                        "/v1/decide",
                        &[("Content-Type", "application/json")],
                        QUERY.as_bytes(),
                    );
                    assert_eq!(r.status, 200, "{}", r.text());
                    let revision = r
                        .header("x-edict-revision")
                        .expect("a revision")
                        .to_string();
                    let decision = r.json()["decision"].as_str().unwrap().to_string();
                    let mut seen = seen.lock().unwrap();
                    let before = seen
                        .entry(revision.clone())
                        .or_insert_with(|| decision.clone());
                    assert_eq!(*before, decision, "revision {revision} answered two ways");
                    asked += 1;
                }
                asked
            })
        })
        .collect();
    let first = server.get("/v1/status").json()["revision"]["hash"]
        .as_str()
        .unwrap()
        .to_string();
    let decision = || {
        server.post("/v1/decide", QUERY).json()["decision"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(decision(), "allow");
    // a good change swaps in
    replace(&rules, "deny sale by partner\n");
    until("the new set", || decision() == "deny");
    let second = server.get("/v1/status").json()["revision"]["hash"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(first, second);
    // a broken one does not, and the status says why
    replace(&rules, "allow sale by partnr\n");
    until("the failed reload", || {
        !server.get("/v1/status").json()["last_failed_reload"].is_null()
    });
    let status = server.get("/v1/status").json();
    assert_eq!(status["revision"]["hash"], second.as_str());
    let failure = &status["last_failed_reload"];
    assert!(
        failure["error"].as_str().unwrap().contains("error"),
        "{failure}"
    );
    assert_eq!(failure["diagnostics"][0]["code"], "E101", "{failure}");
    assert_eq!(decision(), "deny");
    assert!(server
        .get("/metrics")
        .text()
        .contains("edict_reload_failures_total 1"));
    // SIGHUP reloads too, once the file is mended
    std::fs::write(&rules, "allow sale by partner\n").unwrap();
    server.signal("HUP");
    until("the mended set", || decision() == "allow");
    assert!(server.get("/v1/status").json()["last_failed_reload"].is_null());
    running.store(false, Ordering::Relaxed);
    let asked: usize = clients
        .into_iter()
        .map(|c| c.join().expect("a client"))
        .sum();
    assert!(asked > 0);
    assert!(
        seen.lock().unwrap().len() >= 2,
        "the clients saw only one revision"
    );
    assert!(server.log.lock().unwrap().contains("reload failed"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A Kubernetes ConfigMap volume: the files are links through `..data` to a
/// folder of the moment, and an update swaps `..data` to a new folder.
#[test]
fn a_configmap_volume_reloads_and_keeps_its_file_names() {
    use std::os::unix::fs::symlink;
    let dir = folder("configmap");
    std::fs::remove_file(dir.join("vocabulary.policy")).unwrap();
    let version = |name: &str, rules: &str| {
        let at = dir.join(name);
        std::fs::create_dir_all(&at).unwrap();
        std::fs::write(at.join("set.policy"), format!("{VOCABULARY}{rules}")).unwrap();
        symlink(name, dir.join("..data_tmp")).unwrap();
        std::fs::rename(dir.join("..data_tmp"), dir.join("..data")).unwrap();
    };
    version("..2026_12_03_01", "allow sale by partner\n");
    symlink("..data/set.policy", dir.join("set.policy")).unwrap();
    let server = Server::start(&[dir.to_str().unwrap()]);
    let answer = server.post("/v1/decide", QUERY).json();
    assert_eq!(answer["decision"], "allow");
    let file = answer["rules"][0]["file"].as_str().unwrap().to_string();
    assert!(
        file.ends_with("/set.policy") && !file.contains("..2026"),
        "{file}"
    );
    version("..2026_12_03_02", "deny sale by partner\n");
    std::fs::remove_dir_all(dir.join("..2026_12_03_01")).unwrap();
    until("the updated volume", || {
        server.post("/v1/decide", QUERY).json()["decision"] == "deny"
    });
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_set_with_errors_does_not_start_a_service() {
    let dir = folder("broken");
    std::fs::write(dir.join("rules.policy"), "allow sale by partnr\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_edict"))
        .args(["serve", dir.to_str().unwrap(), "--addr", "127.0.0.1:0"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("E101") && stderr.contains("partnr"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn shutdown_answers_requests_in_flight_and_the_log_keeps_every_decision() {
    let dir = folder("shutdown");
    std::fs::write(dir.join("rules.policy"), "allow sale by partner\n").unwrap();
    let log = dir.join("decisions.jsonl");
    let server = Server::start(&[
        dir.to_str().unwrap(),
        "--decision-log",
        log.to_str().unwrap(),
    ]);
    for _ in 0..10 {
        assert_eq!(server.post("/v1/decide", QUERY).status, 200);
    }
    // a batch that has started and not finished when the stop comes
    let mut stream = chunked_batch(server.addr);
    let lines = format!("{QUERY}\n").repeat(500);
    chunk(&mut stream, &lines);
    std::thread::sleep(Duration::from_millis(200));
    server.signal("TERM");
    std::thread::sleep(Duration::from_millis(200));
    chunk(&mut stream, &lines);
    last_chunk(&mut stream);
    let answer = read_response(&mut stream).unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.text().lines().count(),
        1000,
        "every line of the batch is answered"
    );
    let addr = server.addr;
    let (status, _) = server.stop();
    assert!(status.success(), "{status}");
    let written = std::fs::read_to_string(&log).unwrap();
    let entries: Vec<_> = written.lines().map(json).collect();
    assert_eq!(entries.len(), 1010, "one line a decision");
    let mut ids = std::collections::HashSet::new();
    for entry in &entries {
        assert!(
            ids.insert(entry["decision_id"].as_str().unwrap().to_string()),
            "ids are unique"
        );
        assert_eq!(entry["revision"].as_str().unwrap().len(), 64);
        assert_eq!(entry["query"]["actor"], "partner");
        assert_eq!(entry["decision"], "allow");
        assert!(entry["rules"].is_array() && entry["time"].is_string());
    }
    // nothing is accepted once stopped
    assert!(std::net::TcpStream::connect(addr).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_batch_decides_on_the_revision_it_started_with_and_logs_the_date_it_used() {
    let dir = folder("batch_reload");
    let rules = dir.join("rules.policy");
    std::fs::write(&rules, "allow sale by partner\n").unwrap();
    let log = dir.join("decisions.jsonl");
    let server = Server::start(&[
        dir.to_str().unwrap(),
        "--decision-log",
        log.to_str().unwrap(),
    ]);
    let revision = |s: &Server| {
        s.get("/v1/status").json()["revision"]["hash"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let first = revision(&server);
    let mut stream = chunked_batch(server.addr);
    let undated = "{\"action\": \"sale\", \"actor\": \"partner\"}\n".repeat(100);
    chunk(&mut stream, &undated);
    // the set changes while the batch runs
    replace(&rules, "deny sale by partner\n");
    until("the new set", || revision(&server) != first);
    assert_eq!(server.post("/v1/decide", QUERY).json()["decision"], "deny");
    chunk(&mut stream, &undated);
    last_chunk(&mut stream);
    let answer = read_response(&mut stream).unwrap();
    assert_eq!(answer.header("x-edict-revision"), Some(first.as_str()));
    let decisions: Vec<_> = answer
        .text()
        .lines()
        .map(|l| json(l)["decision"].clone())
        .collect();
    assert_eq!(decisions.len(), 200);
    assert!(
        decisions.iter().all(|d| d == "allow"),
        "the batch mixed revisions"
    );
    let _ = server.stop();
    let today = chrono::Utc::now().date_naive().to_string();
    let entries: Vec<_> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(json)
        .collect();
    assert_eq!(entries.len(), 201);
    for entry in &entries {
        // the query as decided: its date is written, so `eval --input` decides it again
        assert!(entry["query"]["date"].is_string(), "{entry}");
    }
    let undated = entries
        .iter()
        .filter(|e| e["query"]["date"] == today.as_str())
        .count();
    assert_eq!(undated, 200, "the batch's queries were decided for today");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sighup_reopens_the_decision_log_for_rotation() {
    let dir = folder("rotate");
    std::fs::write(dir.join("rules.policy"), "allow sale by partner\n").unwrap();
    let log = dir.join("decisions.jsonl");
    let server = Server::start(&[
        dir.to_str().unwrap(),
        "--decision-log",
        log.to_str().unwrap(),
    ]);
    assert_eq!(server.post("/v1/decide", QUERY).status, 200);
    // logrotate moves the file, then signals
    let rotated = dir.join("decisions.jsonl.1");
    until("the first line", || {
        std::fs::read_to_string(&log).is_ok_and(|t| t.lines().count() == 1)
    });
    std::fs::rename(&log, &rotated).unwrap();
    server.signal("HUP");
    until("a new log file", || log.exists());
    assert_eq!(server.post("/v1/decide", QUERY).status, 200);
    let _ = server.stop();
    assert_eq!(
        std::fs::read_to_string(&rotated).unwrap().lines().count(),
        1
    );
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_named_with_another_extension_is_watched_too() {
    let dir = folder("named");
    let rules = dir.join("rules.txt");
    std::fs::write(&rules, "allow sale by partner\n").unwrap();
    let vocabulary = dir.join("vocabulary.policy");
    let server = Server::start(&[vocabulary.to_str().unwrap(), rules.to_str().unwrap()]);
    assert_eq!(server.post("/v1/decide", QUERY).json()["decision"], "allow");
    replace(&rules, "deny sale by partner\n");
    until("the changed file", || {
        server.post("/v1/decide", QUERY).json()["decision"] == "deny"
    });
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_decision_log_carries_the_request_id() {
    let dir = folder("request_id");
    std::fs::write(dir.join("rules.policy"), "allow sale by partner\n").unwrap();
    let log = dir.join("decisions.jsonl");
    let server = Server::start(&[
        dir.to_str().unwrap(),
        "--decision-log",
        log.to_str().unwrap(),
    ]);
    let one = super::request(
        server.addr,
        "POST",
        "/v1/decide",
        &[
            ("Content-Type", "application/json"),
            ("X-Request-ID", "r-1"),
        ],
        QUERY.as_bytes(),
    );
    assert_eq!(one.status, 200);
    let lines = format!("{QUERY}\n{QUERY}\n");
    let batch = super::request(
        server.addr,
        "POST",
        "/v1/decide/batch",
        &[
            ("Content-Type", "application/x-ndjson"),
            ("X-Request-ID", "r-\"2\""),
        ],
        lines.as_bytes(),
    );
    assert_eq!(batch.status, 200);
    let _ = server.stop();
    let entries: Vec<_> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(json)
        .collect();
    let ids: Vec<_> = entries.iter().map(|e| e["request_id"].clone()).collect();
    assert_eq!(ids, ["r-1", "r-\"2\"", "r-\"2\""]);
    let _ = std::fs::remove_dir_all(&dir);
}
