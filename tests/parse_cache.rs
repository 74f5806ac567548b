//! The parse cache behind the language server: after any edit, a parse
//! through it gives exactly what a fresh parse gives (statements, spans
//! and errors), and a check through it exactly what a fresh check gives.

use std::path::Path;

use edict::syntax::cache::ParseCache;
use edict::syntax::parse_ranges;
use edict::syntax::split::split;
use proptest::prelude::*;

/// Every `.policy` text of the fixtures and of `policies/`.
fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    let mut stack = vec![root.join("tests/fixtures"), root.join("policies")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "policy") {
                out.push(String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned());
            }
        }
    }
    out.sort();
    out
}

/// Snippets an edit inserts: a letter, a line break, a quote, a keyword.
const INSERTS: &[&str] = &["x", "\n", "\"", " by ", "deny sale\n", "#", "]", "  "];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn a_cached_parse_after_an_edit_is_a_fresh_parse(
        which in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        insert in prop::sample::select(INSERTS),
        delete in 0usize..4,
    ) {
        let texts = corpus();
        let text = &texts[which.index(texts.len())];
        let mut cache = ParseCache::new();
        prop_assert_eq!(cache.parse(0, text, &split(text)), parse_ranges(0, text, &split(text)));
        let mut edited = text.clone();
        let mut offset = at.index(edited.len() + 1);
        while !edited.is_char_boundary(offset) {
            offset -= 1;
        }
        let mut end = (offset + delete).min(edited.len());
        while !edited.is_char_boundary(end) {
            end += 1;
        }
        edited.replace_range(offset..end, insert);
        let cached = cache.parse(1, &edited, &split(&edited));
        prop_assert_eq!(cached, parse_ranges(1, &edited, &split(&edited)));
    }
}

#[test]
fn a_check_through_the_cache_says_what_a_fresh_check_says() {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let mut cache = ParseCache::new();
    for text in corpus() {
        for round in 0..2 {
            let mut sources = edict::Sources::new();
            sources.add("rules.policy", text.clone());
            let cached = edict::compile_cached(
                sources.clone(),
                Vec::new(),
                today,
                edict::Warnings::Look,
                &mut cache,
            );
            let fresh = edict::compile(sources, Vec::new(), today);
            assert_eq!(
                cached.diagnostics, fresh.diagnostics,
                "round {round} of:\n{text}"
            );
        }
    }
}
