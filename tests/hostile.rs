//! Any bytes in, diagnostics or a decision out: never a panic, a stack
//! overflow or a hang.

use chrono::NaiveDate;
use edict::{Code, Sources};

fn check_bytes(bytes: Vec<u8>) -> edict::Loaded {
    let dir = std::env::temp_dir().join(format!(
        "edict-hostile-{}-{}",
        std::process::id(),
        bytes.len()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("x.policy");
    std::fs::write(&path, bytes).expect("write");
    let loaded = edict::load_at(&[path], NaiveDate::from_ymd_opt(2024, 1, 1).expect("date"))
        .expect("readable");
    let _ = std::fs::remove_dir_all(&dir);
    loaded
}

fn check_text(text: &str) -> edict::Loaded {
    let mut sources = Sources::new();
    sources.add("x.policy", text);
    edict::compile(
        sources,
        Vec::new(),
        NaiveDate::from_ymd_opt(2024, 1, 1).expect("date"),
    )
}

fn codes(loaded: &edict::Loaded) -> Vec<Code> {
    loaded.diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn invalid_utf8_is_one_diagnostic_at_the_bad_byte() {
    let loaded = check_bytes(b"deny sale\nallow \xff\xfe sale\n".to_vec());
    assert_eq!(codes(&loaded), [Code::NotUtf8]);
    let d = &loaded.diagnostics[0];
    let at = loaded
        .policy
        .sources
        .get(0)
        .line_col(d.span.expect("span").start());
    assert_eq!((at.line, at.column), (2, 7));
}

#[test]
fn nul_and_control_bytes_are_syntax_errors() {
    let loaded = check_text("deny sale\0\nallow \u{7} sale\n");
    assert!(loaded.has_errors());
    assert!(
        codes(&loaded).iter().all(|c| *c == Code::Syntax),
        "{:?}",
        codes(&loaded)
    );
    let rendered = edict::render::diagnostics(&loaded.diagnostics, &loaded.policy.sources, false);
    assert!(rendered.contains("NUL"), "{rendered}");
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let parens = format!(
        "attribute v: bool\nallow a where {}v{}\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    assert_eq!(codes(&check_text(&parens)), [Code::TooDeep]);
    let nots = format!(
        "attribute v: bool\nallow a where {}v\n",
        "not ".repeat(1_000_000)
    );
    assert_eq!(codes(&check_text(&nots)), [Code::TooDeep]);
    let brackets = format!(
        "attribute v: bool\nallow a where v in {}\n",
        "[".repeat(100_000)
    );
    assert_eq!(codes(&check_text(&brackets)), [Code::TooDeep]);
    // at the limit, it parses and checks
    let ok = format!(
        "attribute v: bool\nallow a where {}v{}\n",
        "(".repeat(64),
        ")".repeat(64)
    );
    assert!(!check_text(&ok).has_errors());
}

#[test]
fn long_lines_and_many_names() {
    // a million names on one line of about 11 MB
    let names: Vec<String> = (0..1_000_000).map(|i| format!("name_{i}")).collect();
    let text = format!("action {}\nallow {}\n", names.join(", "), names[999_999]);
    assert!(text.len() > 10_000_000);
    let loaded = check_text(&text);
    assert!(!loaded.has_errors());
    assert_eq!(loaded.policy.vocabulary.kinds[0].names.len(), 1_000_000);
    // an error on a very long line is named, not drawn
    let bad = format!("action {}, Oops\n", names.join(", "));
    let loaded = check_text(&bad);
    let rendered = edict::render::diagnostics(&loaded.diagnostics, &loaded.policy.sources, false);
    assert!(
        rendered.contains("x.policy:1:"),
        "{}",
        &rendered[..rendered.len().min(500)]
    );
    assert!(rendered.len() < 2_000, "the long line must not be printed");
}

#[test]
fn deep_hierarchy_matches_transitively() {
    let mut text = String::from("action sale\nactor a0\n");
    for i in 1..100_000 {
        text.push_str(&format!("actor a{i} in a{}\n", i - 1));
    }
    text.push_str("deny sale by a0\nallow sale\n");
    let set = check_text(&text).into_set().expect("valid set");
    let q = set.query("sale by a99999 on 2024-01-01").expect("query");
    assert_eq!(set.decide(&q).effect, edict::Effect::Deny);
}

#[test]
fn a_large_file_with_many_statements_and_errors() {
    let mut text = String::new();
    for i in 0..100_000 {
        text.push_str(&format!(
            "deny sale by partner{i} after 2021-03-31 where seats > {i}\n"
        ));
    }
    text.push_str("attribute seats: number\ndeny oops oops\n");
    let loaded = check_text(&text);
    assert_eq!(codes(&loaded), [Code::Syntax]);
    assert_eq!(loaded.policy.rules.len(), 100_000);
}

#[test]
fn random_bytes_never_panic() {
    // a small deterministic generator: no dependency needed
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let alphabet: &[u8] = b"allow deny sale by to category any after before 2021-03-31 where not and or in [ ] ( ) == < \" # \n , : { } test expect x 1.5 -";
    for _ in 0..2_000 {
        let mut bytes = Vec::new();
        for _ in 0..(state % 120) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let b = if state % 11 == 0 {
                (state >> 8) as u8
            } else {
                alphabet[(state >> 16) as usize % alphabet.len()]
            };
            bytes.push(b);
        }
        let text = String::from_utf8_lossy(&bytes);
        let loaded = check_text(&text);
        let _ = edict::render::diagnostics(&loaded.diagnostics, &loaded.policy.sources, false);
    }
}

/// Every input a fuzzer once crashed on, kept in `tests/fixtures/fuzz/`:
/// checking and formatting it ends in diagnostics or text, not a panic.
#[test]
fn fuzz_regressions() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).expect("tests/fixtures/fuzz") {
        let entry = entry.expect("entry").path();
        let bytes = std::fs::read(&entry).expect("read");
        let text = String::from_utf8_lossy(&bytes);
        let loaded = check_text(&text);
        let _ = edict::render::diagnostics(&loaded.diagnostics, &loaded.policy.sources, false);
        // as the fuzz target: text with errors is refused, anything else
        // formats, and to text that formats to itself
        match edict::format::format_text(&text) {
            Ok(out) => assert_eq!(
                edict::format::format_text(&out).ok().as_deref(),
                Some(out.as_str())
            ),
            Err(edict::format::FormatError::Syntax(_)) => {}
            Err(edict::format::FormatError::Unsafe(why)) => {
                panic!("the formatter refused its own work on {entry:?}: {why}")
            }
        }
        count += 1;
    }
    assert!(count >= 4);
}

#[test]
fn dates_at_the_edges() {
    let set = check_text(
        "default allow\ndeny a after 9999-12-30\ndeny b before 0000-01-02\ndeny c on 0000-01-01\n",
    )
    .into_set()
    .expect("valid set");
    let decide = |q: &str| set.decide(&set.query(q).expect("query")).effect;
    assert_eq!(decide("a by x on 9999-12-31"), edict::Effect::Deny);
    assert_eq!(decide("a by x on 9999-12-30"), edict::Effect::Allow);
    assert_eq!(decide("b by x on 0000-01-01"), edict::Effect::Deny);
    assert_eq!(decide("c by x on 0000-01-01"), edict::Effect::Deny);
    assert!(set.query("a by x on 10000-01-01").is_err());
    assert!(set.query("a by x on 9999-12-32").is_err());
}
