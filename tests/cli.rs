//! The `edict` binary on the shared examples and on bad input: decisions,
//! output forms and exit statuses as the contract gives them.

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

fn edict_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_edict"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("edict runs");
    // write from another thread: edict answers while it reads, and a full
    // output pipe would otherwise stop both sides
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        // edict may stop reading early (a closed pipe is its business)
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().expect("edict ends");
    writer.join().expect("the writer ends");
    output
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every folder of `../shared/examples`, the contract's examples, which sit
/// beside the project's checkout, not in it. A plain clone has none: then
/// the tests that read them say so and pass, except under `CI=true`, where
/// their absence fails the run.
fn shared_examples() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/examples");
    if !root.is_dir() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{} is missing: CI must run beside the shared examples",
            root.display()
        );
        // straight to the terminal: the test harness captures `eprintln!`
        let _ = writeln!(
            std::io::stderr(),
            "note: {} is missing (a plain clone has no `../shared`): the shared examples are skipped",
            root.display()
        );
        return Vec::new();
    }
    let mut sets: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{} should hold the shared examples: {e}", root.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    sets.sort();
    assert!(!sets.is_empty(), "no shared examples found");
    sets
}

#[test]
fn shared_examples_pass_their_tests() {
    for set in shared_examples() {
        let out = edict(&["test", set.to_str().expect("utf-8 path")]);
        let stdout = text(&out.stdout);
        assert!(
            out.status.success(),
            "{}: {stdout}{}",
            set.display(),
            text(&out.stderr)
        );
        let last = stdout.lines().last().expect("a summary line");
        assert!(last.ends_with(" passed, 0 failed"), "{last}");
        assert!(
            !last.starts_with("0 passed"),
            "{}: no test ran",
            set.display()
        );
    }
}

#[test]
fn shared_examples_decide_as_expected() {
    for set in shared_examples() {
        let queries = set.join("queries.jsonl");
        let expected = std::fs::read_to_string(set.join("expected.jsonl")).expect("expected.jsonl");
        let out = edict(&[
            "eval",
            set.to_str().expect("path"),
            "--input",
            queries.to_str().expect("path"),
            "--format",
            "json",
        ]);
        let answers: Vec<Value> = text(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON answer a line"))
            .collect();
        let expected: Vec<Value> = expected
            .lines()
            .map(|l| serde_json::from_str(l).expect("expected JSON"))
            .collect();
        assert_eq!(
            answers.len(),
            expected.len(),
            "{}: one answer a query",
            set.display()
        );
        let mut errors = 0;
        for (n, (answer, want)) in answers.iter().zip(&expected).enumerate() {
            let at = format!("{} line {}", set.display(), n + 1);
            if want.get("error").is_some() {
                errors += 1;
                let message = answer["error"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{at}: expected an error, got {answer}"));
                assert!(!message.is_empty(), "{at}");
                assert!(
                    answer.get("decision").is_none(),
                    "{at}: an error is not a decision"
                );
                continue;
            }
            assert_eq!(answer["decision"], want["decision"], "{at}: {answer}");
            assert_eq!(answer["default"], want["default"], "{at}: {answer}");
            let mut lines: Vec<u64> = answer["rules"]
                .as_array()
                .expect("rules")
                .iter()
                .map(|r| r["line"].as_u64().expect("line"))
                .collect();
            let mut want_lines: Vec<u64> = want["lines"]
                .as_array()
                .expect("lines")
                .iter()
                .map(|l| l.as_u64().expect("line"))
                .collect();
            lines.sort_unstable();
            want_lines.sort_unstable();
            assert_eq!(lines, want_lines, "{at}: {answer}");
        }
        let code = out.status.code();
        assert_eq!(
            code,
            Some(if errors > 0 { 1 } else { 0 }),
            "{}",
            set.display()
        );
    }
}

#[test]
fn eval_one_query_in_text_and_json_forms() {
    let zoom = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/zoom_russia");
    let zoom = zoom.to_str().expect("path");
    let out = edict(&[
        "eval",
        zoom,
        "--query",
        "sale by reseller to category state_owned on 2021-04-02",
        "--format",
        "json",
    ]);
    assert!(out.status.success());
    let answer: Value = serde_json::from_str(&text(&out.stdout)).expect("JSON");
    assert_eq!(answer["decision"], "deny");
    assert_eq!(answer["rules"][0]["line"], 6);
    assert_eq!(
        answer["rules"][0]["reason"],
        "authorization for sale to state-owned companies revoked"
    );

    let out = edict(&[
        "eval",
        zoom,
        "--query",
        "sale by reseller to category state_owned on 2021-03-31",
    ]);
    assert!(out.status.success());
    assert!(
        text(&out.stdout).starts_with("allow\n"),
        "{}",
        text(&out.stdout)
    );

    let out = edict(&["eval", zoom, "--query", "refund by partner"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("undeclared action `refund`"), "{stderr}");
    assert!(
        !stderr.contains('\u{1b}'),
        "NO_COLOR must mean no colour: {stderr}"
    );
}

#[test]
fn batch_keeps_going_after_bad_lines() {
    let zoom = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/zoom_russia");
    let input = b"{\"action\": \"sale\", \"actor\": \"partner\", \"category\": \"state_owned\", \"date\": \"2021-04-01\"}\nnot json\n\xff\xfe\n\n[1]\n{\"action\": \"sale\", \"actor\": \"partner\", \"category\": \"legal_entity\", \"date\": \"2021-04-01\"}\n";
    let out = edict_stdin(
        &[
            "eval",
            zoom.to_str().expect("path"),
            "--input",
            "-",
            "--format",
            "json",
        ],
        input,
    );
    assert_eq!(out.status.code(), Some(1));
    let answers: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(
        answers.len(),
        5,
        "blank lines are skipped, every other line answered"
    );
    assert_eq!(answers[0]["decision"], "deny");
    assert!(answers[1]["error"]
        .as_str()
        .expect("error")
        .contains("invalid JSON"));
    assert!(answers[2]["error"]
        .as_str()
        .expect("error")
        .contains("UTF-8"));
    assert!(answers[3]["error"]
        .as_str()
        .expect("error")
        .contains("object"));
    assert_eq!(answers[4]["decision"], "allow");
}

#[test]
fn check_reports_json_diagnostics_and_exit_status() {
    let dir = tempdir("check_json");
    std::fs::write(
        dir.join("a.policy"),
        "action sale\ndeny sael\ndeny sale after 2021-02-30\n",
    )
    .expect("write");
    let out = edict(&["check", dir.to_str().expect("path"), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_str(&text(&out.stdout)).expect("JSON");
    let list = report["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(list.len(), 2, "{report}");
    assert_eq!(list[0]["code"], "E101");
    assert_eq!(list[0]["line"], 2);
    assert_eq!(list[0]["column"], 6);
    assert_eq!(list[0]["severity"], "error");
    assert_eq!(list[0]["help"], "did you mean `sale`?");
    assert_eq!(list[1]["code"], "E301");
    assert!(list[1]["file"]
        .as_str()
        .expect("file")
        .ends_with("a.policy"));

    // the test command refuses a set with errors
    let out = edict(&["test", dir.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn failing_tests_show_expected_actual_and_rules() {
    let dir = tempdir("failing_test");
    std::fs::write(
        dir.join("a.policy"),
        "deny sale by partner because \"no\"\ntest \"wrong\" {\n  expect allow sale by partner on 2021-01-01\n}\ntest \"right\" {\n  expect deny sale by partner on 2021-01-01\n}\n",
    )
    .expect("write");
    let out = edict(&["test", dir.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("expected allow, got deny"), "{stdout}");
    assert!(stdout.contains("a.policy:1: no"), "{stdout}");
    assert_eq!(stdout.lines().last(), Some("1 passed, 1 failed"));

    let out = edict(&["test", dir.to_str().expect("path"), "--filter", "right"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert_eq!(text(&out.stdout).lines().last(), Some("1 passed, 0 failed"));

    // a filter that matches nothing is a mistake, not a green run
    let out = edict(&["test", dir.to_str().expect("path"), "--filter", "rihgt"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("matches no test name") && stderr.contains("\"right\""),
        "{stderr}"
    );
}

#[test]
fn coverage_names_the_rules_no_test_reaches() {
    let dir = tempdir("coverage");
    std::fs::write(
        dir.join("a.policy"),
        "allow sale\nforgotten: deny sale by vendor\ntest \"sale\" {\n  expect allow sale by partner on 2021-01-01\n}\n",
    )
    .expect("write");
    let path = dir.to_str().expect("path");
    let out = edict(&["test", path, "--coverage"]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("no test reaches:\n    deny `forgotten` at "),
        "{stdout}"
    );
    assert!(stdout.contains("a.policy:2\n"), "{stdout}");
    assert!(stdout.contains("1 of 2 rules reached: 50.0%"), "{stdout}");
    assert_eq!(stdout.lines().last(), Some("1 passed, 0 failed"));

    let out = edict(&["test", path, "--coverage", "--format", "json"]);
    let report: Value = serde_json::from_str(&text(&out.stdout)).expect("JSON");
    assert_eq!(report["coverage"]["percent"], 50.0);
    assert_eq!(report["coverage"]["uncovered"][0]["id"], "forgotten");
    assert_eq!(report["coverage"]["rules"][0]["expectations"], 1);
}

#[test]
fn explain_says_why_each_rule_did_or_did_not_apply() {
    let zoom = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/zoom_russia");
    let zoom = zoom.to_str().expect("path");
    let out = edict(&[
        "eval",
        zoom,
        "--query",
        "sale by partner to category state_owned on 2021-03-31",
        "--explain",
    ]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("sales.policy:6: does not apply: 2021-03-31 is not after 2021-03-31"),
        "{stdout}"
    );
    assert!(
        stdout.contains("after 2021-03-31\n"),
        "the bound is shown: {stdout}"
    );

    let out = edict(&[
        "eval",
        zoom,
        "--query",
        "download by vendor to category individual on 2021-04-01",
        "--explain",
        "--format",
        "json",
    ]);
    let answer: Value = serde_json::from_str(&text(&out.stdout)).expect("JSON");
    let rule = &answer["explain"][0];
    assert_eq!(rule["line"], 16);
    assert_eq!(rule["applied"], false);
    assert!(rule["reason"]
        .as_str()
        .expect("reason")
        .starts_with("`channel` is missing, so the `where` condition is unknown"));
    assert_eq!(
        rule["clause"]["text"],
        "where channel == \"international_site\""
    );

    // a failing test says why
    let dir = tempdir("explain_test");
    std::fs::write(dir.join("a.policy"), "actor vendor, partner\nallow sale by partner\ntest \"t\" {\n  expect allow sale by vendor on 2021-01-01\n}\n").expect("write");
    let out = edict(&["test", dir.to_str().expect("path")]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("`vendor` is not a `partner`"), "{stdout}");
}

#[test]
fn fmt_rewrites_checks_and_leaves_broken_files_alone() {
    let dir = tempdir("fmt");
    let messy = "actor   vendor,partner # who\ndeny sale   by partner  because \"x\"\n";
    let broken = "deny sale by\n";
    std::fs::write(dir.join("a.policy"), messy).expect("write");
    std::fs::write(dir.join("b.policy"), broken).expect("write");
    let path = dir.to_str().expect("path");

    let out = edict(&["fmt", path, "--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("a.policy"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("a.policy")).expect("read"),
        messy,
        "--check changes nothing"
    );

    let out = edict(&["fmt", path]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a file with errors makes the run fail"
    );
    assert!(text(&out.stderr).contains("E002"), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.join("b.policy")).expect("read"),
        broken,
        "a broken file is left as it is"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("a.policy")).expect("read"),
        "actor vendor, partner  # who\ndeny sale by partner\n  because \"x\"\n"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "no temporary file is left: {leftovers:?}"
    );

    std::fs::remove_file(dir.join("b.policy")).expect("remove");
    let out = edict(&["fmt", path, "--check"]);
    assert!(
        out.status.success(),
        "formatted text is left alone: {}",
        text(&out.stdout)
    );
}

#[test]
fn warnings_pass_unless_denied() {
    let dir = tempdir("warnings");
    std::fs::write(dir.join("a.policy"), "action sale\nactor partner\nactor reseller in partner\ndeny sale by partner\nallow sale by reseller\n").expect("write");
    let path = dir.to_str().expect("path");
    let out = edict(&["check", path]);
    assert!(out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("W104") && stderr.contains("a.policy:4") && stderr.contains("a.policy:5"),
        "{stderr}"
    );
    let out = edict(&["check", path, "--deny-warnings"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn usage_and_io_errors_exit_2() {
    let out = edict(&["check", "/no/such/path.policy"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr).lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );

    let empty = tempdir("empty");
    let out = edict(&["check", empty.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no `.policy` files"));

    let out = edict(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));

    let zoom = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/zoom_russia");
    let out = edict(&[
        "eval",
        zoom.to_str().expect("path"),
        "--input",
        "/no/such/queries.jsonl",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("edict-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn a_huge_batch_line_answers_an_error_and_the_rest_go_on() {
    let zoom = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/zoom_russia");
    let good = "{\"action\": \"sale\", \"actor\": \"partner\", \"category\": \"state_owned\", \"date\": \"2021-04-01\"}\n";
    let mut input = good.as_bytes().to_vec();
    input.extend(std::iter::repeat_n(b'x', 50 * 1024 * 1024));
    input.push(b'\n');
    input.extend_from_slice(good.as_bytes());
    let out = edict_stdin(
        &["eval", zoom.to_str().expect("path"), "--input", "-"],
        &input,
    );
    assert_eq!(out.status.code(), Some(1));
    let answers: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(answers.len(), 3);
    assert_eq!(answers[0]["decision"], "deny");
    assert!(
        answers[1]["error"]
            .as_str()
            .expect("error")
            .contains("longer than"),
        "{}",
        answers[1]
    );
    assert_eq!(answers[2]["decision"], "deny");
}

#[test]
fn a_file_over_the_size_limit_is_refused_with_one_line() {
    let dir = tempdir("too_large");
    let file = std::fs::File::create(dir.join("big.policy")).expect("create");
    file.set_len(100 * 1024 * 1024)
        .expect("a sparse 100 MB file");
    let out = edict(&["check", dir.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("more than the 64 MiB"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1);
}

#[test]
fn a_symlink_loop_is_read_once() {
    let dir = tempdir("symlink_loop");
    std::fs::create_dir_all(dir.join("sub")).expect("dir");
    std::fs::write(dir.join("sub/a.policy"), "deny sale\n").expect("write");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&dir, dir.join("sub/loop")).expect("symlink");
    let out = edict(&["check", dir.to_str().expect("path")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("checked 1 file"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn check_eval_and_test_never_write_policy_files() {
    let dir = tempdir("no_writes");
    let body = "action   sale\ndeny sale   by partner\ntest \"t\" {\n  expect deny sale by partner on 2021-01-01\n}\n";
    std::fs::write(dir.join("a.policy"), body).expect("write");
    let before = std::fs::metadata(dir.join("a.policy"))
        .and_then(|m| m.modified())
        .expect("mtime");
    let path = dir.to_str().expect("path");
    for args in [
        vec!["check", path],
        vec!["eval", path, "--query", "sale by partner"],
        vec!["test", path],
        vec!["fmt", path, "--check"],
    ] {
        let _ = edict(&args);
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("a.policy")).expect("read"),
        body
    );
    let after = std::fs::metadata(dir.join("a.policy"))
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(before, after);
    assert_eq!(
        std::fs::read_dir(&dir).expect("dir").count(),
        1,
        "no other file appears"
    );
}

#[test]
fn killing_fmt_never_leaves_half_a_file() {
    let dir = tempdir("kill_fmt");
    let messy: String = (0..10_000)
        .map(|i| format!("deny   sale   by p{i}   because \"r\"  # c\n"))
        .collect();
    let formatted = edict::format::format_text(&messy).expect("formats");
    let path = dir.join("a.policy");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_edict"))
            .args(["fmt", dir.to_str().expect("path")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn")
    };
    // how long a whole run takes, to kill the next ones all along it
    std::fs::write(&path, &messy).expect("write");
    let start = std::time::Instant::now();
    assert!(run().wait().expect("wait").success());
    let whole = start.elapsed();
    assert_eq!(std::fs::read_to_string(&path).expect("read"), formatted);
    for tenth in 1..=10u32 {
        std::fs::write(&path, &messy).expect("write");
        let mut child = run();
        std::thread::sleep(whole * tenth / 10);
        let _ = child.kill();
        let _ = child.wait();
        let now = std::fs::read_to_string(&path).expect("read");
        assert!(
            now == messy || now == formatted,
            "killed at {tenth}/10 of a run, the file is neither the old text nor the new"
        );
        let names: Vec<_> = std::fs::read_dir(&dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert!(
            names.len() <= 2,
            "at most one temporary file beside it: {names:?}"
        );
    }
}

#[test]
fn columns_count_characters_through_tabs_crlf_and_a_bom() {
    let dir = tempdir("columns");
    std::fs::write(
        dir.join("a.policy"),
        "\u{feff}action sale\r\n\tdeny sael\r\n",
    )
    .expect("write");
    let out = edict(&["check", dir.to_str().expect("path"), "--format", "json"]);
    let report: Value = serde_json::from_str(&text(&out.stdout)).expect("JSON");
    let d = &report["diagnostics"][0];
    assert_eq!(
        (
            d["line"].as_u64(),
            d["column"].as_u64(),
            d["end_column"].as_u64()
        ),
        (Some(2), Some(7), Some(11)),
        "{d}"
    );
}

#[cfg(unix)]
#[test]
fn pipes_are_not_read() {
    let dir = tempdir("fifo");
    std::fs::write(dir.join("a.policy"), "deny sale\n").expect("write");
    let fifo = dir.join("b.policy");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // no mkfifo here: nothing to test
    }
    // in a folder a pipe is skipped; named on its own it is refused
    let out = edict(&["check", dir.to_str().expect("path")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = edict(&["check", fifo.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not a regular file"));
}

/// Many chunks' worth of lines, answered on every core: the answers come
/// back in input order, each the one its line alone gets.
#[test]
fn a_long_batch_is_answered_in_input_order() {
    let zoom = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/zoom_russia");
    let zoom = zoom.to_str().expect("path");
    let dates = ["2021-03-30", "2021-03-31", "2021-04-01", "2022-01-01"];
    let categories = ["state_owned", "government", "legal_entity", "individual"];
    // each of the sixteen queries asked alone
    let alone: Vec<String> = (0..16)
        .map(|k| {
            let query = format!(
                "sale by partner to category {} on {}",
                categories[k % 4],
                dates[k / 4]
            );
            let out = edict(&["eval", zoom, "--query", &query, "--format", "json"]);
            let one: Value = serde_json::from_str(text(&out.stdout).trim()).expect("JSON");
            one["decision"].as_str().expect("a decision").to_string()
        })
        .collect();
    assert!(alone.iter().any(|d| d == "allow") && alone.iter().any(|d| d == "deny"));
    let mut input = String::new();
    let mut expected = Vec::new();
    for i in 0..6_000 {
        if i % 7 == 3 {
            input.push_str("not json\n");
            expected.push(None);
            continue;
        }
        let k = (i * 5) % 16;
        input.push_str(&format!(
            "{{\"action\": \"sale\", \"actor\": \"partner\", \"category\": \"{}\", \"date\": \"{}\"}}\n",
            categories[k % 4],
            dates[k / 4]
        ));
        expected.push(Some(&alone[k]));
    }
    let out = edict_stdin(&["eval", zoom, "--input", "-"], input.as_bytes());
    let answers: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(answers.len(), expected.len());
    for (i, (answer, expected)) in answers.iter().zip(&expected).enumerate() {
        match expected {
            None => assert_eq!(answer["line"], i + 1, "line {}: {answer}", i + 1),
            Some(decision) => assert_eq!(answer["decision"], **decision, "line {}", i + 1),
        }
    }
    assert_eq!(out.status.code(), Some(1), "some lines were errors");
}

/// In an open vocabulary, a query's name that no rule mentions and that is
/// a slip away from one that a rule does gets a note on stderr; the answer
/// on stdout is unchanged.
#[test]
fn a_lookalike_name_in_a_query_gets_a_note() {
    let dir = tempdir("lookalike_query");
    std::fs::write(
        dir.join("a.policy"),
        "deny sale by partner to category state_owned\nallow sale by partner\n",
    )
    .expect("write");
    let path = dir.to_str().expect("path");
    let out = edict(&[
        "eval",
        path,
        "--query",
        "sale by partner to category stateowned on 2021-01-01",
        "--format",
        "json",
    ]);
    assert!(out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("did you mean `state_owned`?"), "{stderr}");
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(answer["decision"], "allow");
    let out = edict(&[
        "eval",
        path,
        "--query",
        "sale by partner to category state_owned on 2021-01-01",
    ]);
    assert!(text(&out.stderr).is_empty(), "{}", text(&out.stderr));
    // a batch notes each such name once, at the first line that gives it
    let lines = concat!(
        "{\"action\": \"sale\", \"actor\": \"partner\", \"category\": \"state_owned\"}\n",
        "{\"action\": \"sale\", \"actor\": \"partner\", \"category\": \"stateowned\"}\n",
        "{\"action\": \"sale\", \"actor\": \"partner\", \"category\": \"stateowned\"}\n",
        "{\"action\": \"sael\", \"actor\": \"partner\"}\n",
    );
    for format in ["json", "table"] {
        let out = edict_stdin(
            &["eval", path, "--input", "-", "--format", format],
            lines.as_bytes(),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        let notes: Vec<&str> = stderr.lines().collect();
        assert_eq!(
            notes,
            [
                "note: line 2: category `stateowned` is a name no rule mentions; did you mean `state_owned`?",
                "note: line 4: action `sael` is a name no rule mentions; did you mean `sale`?",
            ],
            "{format}"
        );
    }
}

/// `edict test` says which expectations give no date (`W107`), and a failing
/// one says the day it was decided for.
#[test]
fn undated_expectations_are_pointed_out_by_test() {
    let dir = tempdir("undated_test");
    std::fs::write(
        dir.join("a.policy"),
        "allow sale by partner after 2021-03-31\ntest \"undated\" {\n  expect deny sale by partner\n}\n",
    )
    .expect("write");
    let out = edict(&["test", dir.to_str().unwrap(), "--today", "2022-01-01"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("W107"), "{stderr}");
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("(no date given: decided for 2022-01-01)"),
        "{stdout}"
    );
    // JSON on stdout stays JSON, and stderr stays quiet
    let out = edict(&["test", dir.to_str().unwrap(), "--format", "json"]);
    assert!(text(&out.stderr).is_empty(), "{}", text(&out.stderr));
}

/// A reader that goes away (`| head`) ends edict quietly, not with a panic.
#[test]
fn a_closed_pipe_is_no_panic() {
    for args in [
        &["check", "policies/zoom_russia", "--format", "json"][..],
        &[
            "eval",
            "policies/zoom_russia",
            "--query",
            "sale by partner on 2021-04-02",
            "--format",
            "json",
        ],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_edict"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("edict starts");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("edict ends");
        assert_ne!(
            out.status.code(),
            Some(101),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            !text(&out.stderr).contains("panicked"),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

/// `--explain` names the part of `unless A or B` that held, and says of a
/// rule out of both scope and window that its scope does not match.
#[test]
fn explanations_name_the_part_that_decided() {
    let dir = tempdir("explain_parts");
    std::fs::write(
        dir.join("a.policy"),
        "action sale\nactor partner, vendor\nattribute country: text, vip: bool\nallow sale by partner unless country == \"RU\" or vip\nallow sale by vendor after 2030-01-01\n",
    )
    .expect("write");
    let out = edict(&[
        "eval",
        dir.to_str().unwrap(),
        "--query",
        "sale by partner on 2021-01-01 with country = \"FR\", vip = true",
        "--explain",
        "--format",
        "json",
    ]);
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let explain = answer["explain"].as_array().expect("explain");
    assert_eq!(explain[0]["clause"]["text"], "vip", "{answer}");
    assert!(explain[0]["reason"]
        .as_str()
        .unwrap()
        .contains("`vip` holds"));
    assert_eq!(explain[1]["in_scope"], false);
    assert!(
        explain[1]["reason"]
            .as_str()
            .unwrap()
            .contains("is not a `vendor`"),
        "{answer}"
    );
}

/// Mistakes in a batch of JSON queries get the help `--query` gives.
#[test]
fn batch_errors_keep_their_help() {
    let lines = concat!(
        "{\"action\": \"sale\", \"actor\": \"partnr\"}\n",
        "{\"action\": \"sale\", \"actor\": \"partner\", \"date\": \"2021-04-02T10:00:00Z\"}\n",
    );
    let out = edict_stdin(
        &["eval", "policies/zoom_russia", "--input", "-"],
        lines.as_bytes(),
    );
    let answers: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert!(
        answers[0]["error"]
            .as_str()
            .unwrap()
            .contains("did you mean `partner`"),
        "{}",
        answers[0]
    );
    assert!(
        answers[1]["error"]
            .as_str()
            .unwrap()
            .contains("no time of day or zone: write `2021-04-02`"),
        "{}",
        answers[1]
    );
}

/// A table row of a query without a date shows the day it was decided for.
#[test]
fn an_undated_table_row_shows_its_day() {
    let out = edict(&[
        "eval",
        "policies/zoom_russia",
        "--query",
        "sale by partner to category legal_entity",
        "--format",
        "table",
        "--today",
        "2022-05-06",
    ]);
    assert!(
        text(&out.stdout).contains("| 2022-05-06 |"),
        "{}",
        text(&out.stdout)
    );
}

/// `fmt` needs only the syntax: a file that parses but does not check is
/// formatted.
#[test]
fn fmt_formats_a_file_that_does_not_check() {
    let dir = tempdir("fmt_unchecked");
    let file = dir.join("a.policy");
    std::fs::write(&file, "action sale\nallow   sale where   undeclared == 1\n").expect("write");
    assert_eq!(
        edict(&["check", file.to_str().unwrap()]).status.code(),
        Some(1)
    );
    let out = edict(&["fmt", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "action sale\nallow sale\n  where undeclared == 1\n"
    );
}
