//! `edict diff`, `edict timeline`, `edict who-may` and `edict check --exact` as users run them: exit statuses, the
//! JSON answer, witnesses replayed through `edict eval --input`, and bad
//! input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn edict(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_edict"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("edict runs")
}

fn edict_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_edict"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("edict runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("written");
    child.wait_with_output().expect("edict ends")
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/diff")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A folder of its own for a test's files.
fn folder(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("edict-cli-analysis-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a folder");
    dir
}

#[test]
fn diff_exits_1_and_every_witness_replays_through_eval() {
    let (old, new) = (
        fixture("zoom_revocation.old.policy"),
        fixture("zoom_revocation.new.policy"),
    );
    let out = edict(&["diff", &old, &new, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let answer: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let changes = answer["changes"].as_array().expect("changes");
    assert!(!changes.is_empty());
    assert_eq!(answer["exact"], true);
    let partner = changes
        .iter()
        .find(|c| c["category"] == "state_owned")
        .expect("the state-owned change");
    // every partner changed alike, resellers too: said once, as `partner`
    assert_eq!(partner["actor"], "partner");
    assert_eq!(partner["from"], "2021-04-01");
    assert_eq!(partner["until"], Value::Null);
    assert_eq!(partner["before"]["decision"], "allow");
    assert_eq!(partner["after"]["decision"], "deny");
    let lines: String = changes
        .iter()
        .map(|c| format!("{}\n", c["witness"]))
        .collect();
    for (path, side) in [(&old, "before"), (&new, "after")] {
        let out = edict_stdin(&["eval", path, "--input", "-"], &lines);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let answers: Vec<Value> = text(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON answer"))
            .collect();
        assert_eq!(answers.len(), changes.len());
        for (answer, change) in answers.iter().zip(changes) {
            let ids: Vec<&Value> = answer["rules"]
                .as_array()
                .expect("rules")
                .iter()
                .map(|r| &r["id"])
                .collect();
            let expected: Vec<&Value> = change[side]["rules"]
                .as_array()
                .expect("rules")
                .iter()
                .collect();
            assert_eq!(
                answer["decision"], change[side]["decision"],
                "{}",
                change["witness"]
            );
            assert_eq!(ids, expected, "{}", change["witness"]);
        }
    }
}

#[test]
fn diff_of_alike_sets_exits_0() {
    let out = edict(&[
        "diff",
        &fixture("same.old.policy"),
        &fixture("same.new.policy"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("no decision differs"));
}

#[test]
fn diff_reports_names_added_and_removed() {
    let out = edict(&[
        "diff",
        &fixture("vocabulary.old.policy"),
        &fixture("vocabulary.new.policy"),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let answer: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let words = |key: &str| -> Vec<String> {
        answer["vocabulary"][key]
            .as_array()
            .expect("a list")
            .iter()
            .map(|w| {
                format!(
                    "{} {}",
                    w["kind"].as_str().unwrap_or(""),
                    w["name"].as_str().unwrap_or("")
                )
            })
            .collect()
    };
    assert_eq!(words("added"), ["actor intern", "attribute badge"]);
    assert_eq!(words("removed"), ["actor contractor"]);
}

#[test]
fn diff_of_a_set_with_errors_is_reported_as_check_does() {
    let dir = folder("errors");
    let bad = dir.join("bad.policy");
    std::fs::write(&bad, "action sale\nallow sell\n").expect("written");
    let out = edict(&["diff", &fixture("same.old.policy"), &bad.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).is_empty(),
        "no diff: {}",
        text(&out.stdout)
    );
    assert!(text(&out.stderr).contains("E1"), "{}", text(&out.stderr));
}

#[test]
fn diff_usage_errors_exit_2() {
    let missing = edict(&["diff", "no/such/place", &fixture("same.new.policy")]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        text(&missing.stderr).contains("no/such/place"),
        "{}",
        text(&missing.stderr)
    );
    let table = edict(&[
        "diff",
        &fixture("same.old.policy"),
        &fixture("same.new.policy"),
        "--format",
        "table",
    ]);
    assert_eq!(table.status.code(), Some(2));
    let one = edict(&["diff", &fixture("same.old.policy")]);
    assert_eq!(one.status.code(), Some(2));
}

#[test]
fn timeline_of_the_zoom_set() {
    let set = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/zoom_russia");
    let set = set.to_string_lossy();
    let out = edict(&[
        "timeline",
        &set,
        "--query",
        "sale by reseller to category state_owned",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let human = text(&out.stdout);
    assert!(human.contains("until 2021-03-31: allow"), "{human}");
    assert!(human.contains("from 2021-04-01: deny"), "{human}");
    let out = edict(&[
        "timeline",
        &set,
        "--query",
        "download by vendor to category individual",
        "--format",
        "json",
    ]);
    let answer: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(answer["depends_on"], serde_json::json!(["channel"]));
    let first = &answer["timeline"][0];
    assert_eq!(first["from"], Value::Null);
    assert_eq!(first["decision"], "deny");
    assert_eq!(
        first["otherwise"][0]["where"],
        "channel == \"international_site\""
    );
    assert_eq!(first["otherwise"][0]["decision"], "allow");
}

#[test]
fn timeline_refuses_a_dated_query_and_a_bad_one() {
    let set = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/zoom_russia");
    let set = set.to_string_lossy();
    let dated = edict(&["timeline", &set, "--query", "sale by partner on 2021-04-01"]);
    assert_eq!(dated.status.code(), Some(2));
    assert!(
        text(&dated.stderr).contains("leave `on 2021-04-01` out"),
        "{}",
        text(&dated.stderr)
    );
    let bad = edict(&["timeline", &set, "--query", "sale by partnr"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stderr).contains("partner"),
        "{}",
        text(&bad.stderr)
    );
}

/// Every witness of a `who-may` answer, replayed through `eval --input`,
/// gets its region's decision and rules.
/// Each region's witness decided by `eval --input` on `set`: one answer
/// a region, in order.
fn replay(set: &str, parts: &[&Value]) -> Vec<Value> {
    let lines: String = parts
        .iter()
        .map(|p| format!("{}\n", p["witness"]))
        .collect();
    let out = edict_stdin(&["eval", set, "--input", "-"], &lines);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let answers: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON answer"))
        .collect();
    assert_eq!(answers.len(), parts.len());
    answers
}

#[test]
fn who_may_witnesses_replay_through_eval() {
    let set = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/access_model");
    let set = set.to_string_lossy();
    for question in [
        "? by ? on 2024-01-01",
        "read by ? to category ?",
        "? by ? to category ? on ?",
    ] {
        let out = edict(&["who-may", &set, "--query", question, "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let answer: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let parts: Vec<&Value> = ["allow", "deny"]
            .iter()
            .flat_map(|k| answer[k].as_array().expect("a list"))
            .collect();
        assert!(!parts.is_empty(), "{question}");
        let answers = replay(&set, &parts);
        for (answer, part) in answers.iter().zip(&parts) {
            let ids: Vec<&Value> = answer["rules"]
                .as_array()
                .expect("rules")
                .iter()
                .map(|r| &r["id"])
                .collect();
            let expected: Vec<&Value> = part["rules"].as_array().expect("rules").iter().collect();
            assert_eq!(answer["decision"], part["decision"], "{}", part["witness"]);
            assert_eq!(ids, expected, "{}", part["witness"]);
        }
    }
}

#[test]
fn who_may_of_the_zoom_set_and_its_refusals() {
    let set = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/zoom_russia");
    let set = set.to_string_lossy();
    let out = edict(&[
        "who-may",
        &set,
        "--query",
        "sale by ? to category state_owned on 2021-04-01",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let human = text(&out.stdout);
    assert!(human.contains("allowed:\n  nothing\n"), "{human}");
    assert!(
        human.contains("sale by partner to category state_owned, on 2021-04-01: deny by"),
        "{human}"
    );
    let bad = edict(&["who-may", &set, "--query", "sale by partnr"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stderr).contains("did you mean `partner`"),
        "{}",
        text(&bad.stderr)
    );
    let garbled = edict(&["who-may", &set, "--query", "sale by ?? on"]);
    assert_eq!(garbled.status.code(), Some(1));
    assert!(
        text(&garbled.stderr).contains("unexpected `?`"),
        "{}",
        text(&garbled.stderr)
    );
    let table = edict(&["who-may", &set, "--query", "? by ?", "--format", "table"]);
    assert_eq!(table.status.code(), Some(2));
    // a hole is not a name anywhere else
    let eval = edict(&["eval", &set, "--query", "sale by ?"]);
    assert_eq!(eval.status.code(), Some(1));
}

#[test]
fn check_exact_reports_the_first_try_at_an_exemption() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/exact/first_exemption_try.policy")
        .to_string_lossy()
        .into_owned();
    // without --exact the allow passes as fine
    let plain = edict(&["check", &path, "--deny-warnings"]);
    assert_eq!(plain.status.code(), Some(0), "{}", text(&plain.stderr));
    let human = edict(&["check", &path, "--exact"]);
    assert_eq!(human.status.code(), Some(0));
    let said = text(&human.stderr);
    assert!(
        said.contains("W111") && said.contains("a deny overrides it"),
        "{said}"
    );
    let strict = edict(&["check", &path, "--exact", "--deny-warnings"]);
    assert_eq!(strict.status.code(), Some(1));
    let json = edict(&["check", &path, "--exact", "--format", "json"]);
    let answer: Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let codes: Vec<&str> = answer["diagnostics"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert_eq!(codes, ["W111"], "{answer}");
    let help = answer["diagnostics"][0]["help"]
        .as_str()
        .unwrap_or_default();
    assert!(help.contains("from rule ban"), "{help}");
    assert_eq!(answer["ok"], true);
    // where a pattern keeps the lints from proving, they say how much
    let patterned = path.replace("first_exemption_try", "first_applicable");
    let out = edict(&["check", &patterned, "--exact"]);
    assert_eq!(out.status.code(), Some(0));
    let said = text(&out.stderr);
    assert!(
        said.contains("say nothing of 2 of the set's 4 rules"),
        "{said}"
    );
}

#[test]
fn exact_walks_of_a_set_too_large_exit_2() {
    let dir = folder("exact-too-large");
    let names = |kind: &str, n: usize| -> String {
        (0..n).map(|i| format!("{kind} {kind}{i}\n")).collect()
    };
    let set = format!(
        "{}{}{}allow action0 by actor0\n",
        names("action", 100),
        names("actor", 100),
        names("category", 105)
    );
    let path = dir.join("wide.policy");
    std::fs::write(&path, set).expect("written");
    let out = edict(&["check", &path.to_string_lossy(), "--exact"]);
    assert_eq!(out.status.code(), Some(2));
    let said = text(&out.stderr);
    assert!(
        said.contains("cannot run the exact lints") && said.contains("W101"),
        "{said}"
    );
    // so does test's walk of the regions, after the tests' own report
    let tested = format!(
        "{}test \"one\" {{\n  expect allow action0 by actor0 on 2024-01-01\n}}\n",
        std::fs::read_to_string(&path).expect("read")
    );
    std::fs::write(&path, tested).expect("written");
    let out = edict(&["test", &path.to_string_lossy(), "--coverage", "--regions"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stdout).contains("1 passed"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("cannot walk the regions"),
        "{}",
        text(&out.stderr)
    );
    // with errors, the exact lints are not run and check says so as always
    std::fs::write(dir.join("wide.policy"), "allow sale by\n").expect("written");
    let broken = edict(&["check", &path.to_string_lossy(), "--exact"]);
    assert_eq!(broken.status.code(), Some(1));
}

#[test]
fn test_coverage_regions_of_the_zoom_set() {
    let set = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/zoom_russia");
    let set = set.to_string_lossy();
    let human = edict(&["test", &set, "--coverage", "--regions"]);
    assert_eq!(human.status.code(), Some(0), "{}", text(&human.stderr));
    let said = text(&human.stdout);
    assert!(said.contains("regions no expectation touches"), "{said}");
    assert!(
        said.contains("license by partner to category state_owned, at all times: allow"),
        "{said}"
    );
    let json = edict(&["test", &set, "--coverage", "--regions", "--format", "json"]);
    let answer: Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let untested = &answer["coverage"]["untested"];
    let parts: Vec<&Value> = ["allow", "deny"]
        .iter()
        .flat_map(|k| untested[k].as_array().expect("a list"))
        .collect();
    assert!(parts.len() > 5, "{untested}");
    // each witness decides as its region says, and no test already asks it
    let answers = replay(&set, &parts);
    for (answer, part) in answers.iter().zip(&parts) {
        assert_eq!(answer["decision"], part["decision"], "{}", part["witness"]);
    }
    // --regions needs --coverage
    let alone = edict(&["test", &set, "--regions"]);
    assert_eq!(alone.status.code(), Some(2));
}
