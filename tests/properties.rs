//! Properties of decisions, over generated policy sets and queries
//! (proptest; deterministic, failures shrink to a small case).

use chrono::NaiveDate;
use edict::{Effect, PolicySet, Sources};
use proptest::prelude::*;

const ACTIONS: &[&str] = &["sale", "license"];
const ACTORS: &[&str] = &["vendor", "partner", "reseller", "sub"];
const CATEGORIES: &[&str] = &["legal_entity", "state_owned", "government"];
const VOCABULARY: &str = "action sale, license\nactor vendor, partner\nactor reseller in partner\nactor sub in reseller\ncategory legal_entity, government\ncategory state_owned in legal_entity\nattribute country: text\nattribute seats: number\n";

/// A rule as text, from small choices.
fn rule() -> impl Strategy<Value = String> {
    (
        prop::bool::ANY,
        prop::sample::select(ACTIONS),
        prop::option::of(prop::sample::select(ACTORS)),
        prop::option::of(prop::sample::select(CATEGORIES)),
        prop::option::of((
            prop::sample::select(&["after", "before", "from", "until", "on"][..]),
            0..4usize,
        )),
        prop::option::of(prop::sample::select(
            &[
                "country == \"RU\"",
                "seats > 3",
                "not country == \"US\" or seats <= 2",
            ][..],
        )),
        prop::option::of(prop::sample::select(
            &["country in [\"RU\", \"BY\"]", "seats == 10"][..],
        )),
    )
        .prop_map(|(allow, action, actor, category, time, where_, unless)| {
            let mut r = format!("{} {action}", if allow { "allow" } else { "deny" });
            if let Some(a) = actor {
                r.push_str(&format!(" by {a}"));
            }
            if let Some(c) = category {
                r.push_str(&format!(" to category {c}"));
            }
            if let Some((op, day)) = time {
                r.push_str(&format!(" {op} 2021-03-{:02}", 30 + day % 2));
            }
            if let Some(w) = where_ {
                r.push_str(&format!(" where {w}"));
            }
            if let Some(u) = unless {
                r.push_str(&format!(" unless {u}"));
            }
            r
        })
}

#[derive(Debug, Clone)]
struct Q {
    action: &'static str,
    actor: &'static str,
    category: Option<&'static str>,
    day: u32,
    country: Option<&'static str>,
    seats: Option<u32>,
}

fn query() -> impl Strategy<Value = Q> {
    (
        prop::sample::select(ACTIONS),
        prop::sample::select(ACTORS),
        prop::option::of(prop::sample::select(CATEGORIES)),
        29..33u32,
        prop::option::of(prop::sample::select(&["RU", "US", "FR"][..])),
        prop::option::of(0..12u32),
    )
        .prop_map(|(action, actor, category, day, country, seats)| Q {
            action,
            actor,
            category,
            day,
            country,
            seats,
        })
}

fn date(day: u32) -> String {
    let d =
        NaiveDate::from_ymd_opt(2021, 3, 1).expect("date") + chrono::Days::new(u64::from(day) - 1);
    d.format("%Y-%m-%d").to_string()
}

impl Q {
    fn text(&self) -> String {
        let mut t = format!("{} by {}", self.action, self.actor);
        if let Some(c) = self.category {
            t.push_str(&format!(" to category {c}"));
        }
        t.push_str(&format!(" on {}", date(self.day)));
        let mut with = Vec::new();
        if let Some(c) = self.country {
            with.push(format!("country = \"{c}\""));
        }
        if let Some(s) = self.seats {
            with.push(format!("seats = {s}"));
        }
        if !with.is_empty() {
            t.push_str(&format!(" with {}", with.join(", ")));
        }
        t
    }

    fn json(&self) -> String {
        let mut attributes = serde_json::Map::new();
        if let Some(c) = self.country {
            attributes.insert("country".into(), c.into());
        }
        if let Some(s) = self.seats {
            attributes.insert("seats".into(), s.into());
        }
        let mut q = serde_json::json!({"action": self.action, "actor": self.actor, "date": date(self.day), "attributes": attributes});
        if let Some(c) = self.category {
            q["category"] = c.into();
        }
        q.to_string()
    }
}

fn set(files: &[String]) -> PolicySet {
    let mut sources = Sources::new();
    for (i, text) in files.iter().enumerate() {
        sources.add(format!("f{i}.policy"), text.clone());
    }
    let today = NaiveDate::from_ymd_opt(2021, 3, 31).expect("date");
    match edict::compile(sources, Vec::new(), today).into_set() {
        Ok(set) => set,
        Err(loaded) => panic!("{files:?}: {:?}", loaded.diagnostics),
    }
}

/// The decision and the reasons of the deciding rules, which do not depend
/// on where the rules sit.
fn outcome(set: &PolicySet, q: &Q) -> (Effect, bool, Vec<String>) {
    let query = set.query(&q.text()).expect("valid query");
    let d = set.decide(&query);
    let mut reasons: Vec<String> = d
        .rules
        .iter()
        .map(|&i| set.policy().rules[i].reason.clone().unwrap_or_default())
        .collect();
    reasons.sort();
    (d.effect, d.by_default, reasons)
}

fn with_reasons(rules: &[String]) -> Vec<String> {
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| format!("{r} because \"r{i}\""))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0xED1C7),
        ..ProptestConfig::default()
    })]

    #[test]
    fn order_and_files_do_not_matter(rules in prop::collection::vec(rule(), 1..8), split in 0..8usize, queries in prop::collection::vec(query(), 1..8)) {
        let rules = with_reasons(&rules);
        let one = set(&[format!("{VOCABULARY}{}\n", rules.join("\n"))]);
        let mut reversed = rules.clone();
        reversed.reverse();
        let at = split.min(reversed.len());
        let two = set(&[VOCABULARY.to_string(), reversed[..at].join("\n") + "\n", reversed[at..].join("\n") + "\n"]);
        for q in &queries {
            prop_assert_eq!(outcome(&one, q), outcome(&two, q), "{}", q.text());
        }
    }

    #[test]
    fn text_and_json_queries_decide_alike(rules in prop::collection::vec(rule(), 1..8), queries in prop::collection::vec(query(), 1..8)) {
        let s = set(&[format!("{VOCABULARY}{}\n", rules.join("\n"))]);
        for q in &queries {
            let from_text = s.decide(&s.query(&q.text()).expect("text query"));
            let from_json = s.decide(&s.json_query(&q.json()).expect("JSON query"));
            prop_assert_eq!(from_text, from_json, "{}", q.text());
        }
    }

    #[test]
    fn unknown_never_allows_and_never_stops_a_deny(rules in prop::collection::vec(rule(), 1..8), q in query()) {
        let s = set(&[format!("{VOCABULARY}{}\n", rules.join("\n"))]);
        let query = s.query(&q.text()).expect("valid query");
        let d = s.decide(&query);
        for u in &d.unknowns {
            let r = &s.policy().rules[u.rule];
            prop_assert_eq!(u.applied, r.effect == Effect::Deny, "{}", q.text());
            prop_assert!(!d.rules.contains(&u.rule) || r.effect == Effect::Deny);
        }
        // giving fewer attributes can only turn an allow into a deny, never the reverse
        let fewer = Q { country: None, seats: None, ..q.clone() };
        let d_fewer = s.decide(&s.query(&fewer.text()).expect("valid query"));
        if d_fewer.effect == Effect::Allow && !d_fewer.by_default {
            prop_assert_eq!(d.effect, Effect::Allow, "{}", q.text());
        }
    }

    #[test]
    fn hierarchy_matching_is_transitive(action in prop::sample::select(ACTIONS), deny_allow in prop::bool::ANY) {
        // a rule about `partner` applies to `sub`, which is in `reseller`, which is in `partner`
        let effect = if deny_allow { "deny" } else { "allow" };
        let s = set(&[format!("{VOCABULARY}{effect} {action} by partner because \"p\"\n")]);
        let out = outcome(&s, &Q { action, actor: "sub", category: None, day: 30, country: None, seats: None });
        prop_assert_eq!(out.2, vec!["p".to_string()]);
    }
}

/// The ways a set may combine its rules.
const COMBININGS: &[&str] = &[
    "deny overrides",
    "allow overrides",
    "first applicable",
    "highest priority",
    "most specific",
];

/// Rules for a set that combines by `combining`: each deny named, so that
/// exemptions (rules starting `exempt`) can name the denies before them.
fn combined_set(combining: &str, rules: &[(String, u8)]) -> String {
    let mut text = format!("{VOCABULARY}combine {combining}\n");
    let mut denies = Vec::new();
    for (i, (rule, choice)) in rules.iter().enumerate() {
        let priority = if combining == "highest priority" {
            format!(" priority {}", choice % 3)
        } else {
            String::new()
        };
        match rule.strip_prefix("deny ") {
            Some(rest) => {
                text.push_str(&format!("d{i}: deny {rest}{priority}\n"));
                denies.push(format!("d{i}"));
            }
            // every third allow becomes an exemption of an earlier deny
            None if choice % 3 == 0 && !denies.is_empty() => {
                let rest = rule.strip_prefix("allow ").expect("allow or deny");
                let deny = &denies[usize::from(*choice) % denies.len()];
                text.push_str(&format!("exempt {rest} from rule {deny}\n"));
            }
            None => text.push_str(&format!("{rule}{priority}\n")),
        }
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0xED1C8),
        ..ProptestConfig::default()
    })]

    /// Fail closed, whatever the combining and with exemptions: a rule
    /// whose match is unknown applies only if it is a deny, and an answer
    /// that allows with fewer attributes allows with more.
    #[test]
    fn unknown_never_allows_under_any_combining(
        combining in prop::sample::select(COMBININGS),
        rules in prop::collection::vec((rule(), 0..6u8), 1..8),
        q in query(),
    ) {
        let s = set(&[combined_set(combining, &rules)]);
        let query = s.query(&q.text()).expect("valid query");
        let d = s.decide(&query);
        prop_assert_eq!(&d, &s.decide_reference(&query));
        for u in &d.unknowns {
            let r = &s.policy().rules[u.rule];
            prop_assert_eq!(u.applied, r.effect == Effect::Deny && !r.is_exemption(), "{}", q.text());
            prop_assert!(!d.rules.contains(&u.rule) || r.effect == Effect::Deny);
            prop_assert!(!d.exempted.iter().any(|&(_, by)| by == u.rule), "an unknown exemption lifted a deny");
        }
        let fewer = Q { country: None, seats: None, ..q.clone() };
        let d_fewer = s.decide(&s.query(&fewer.text()).expect("valid query"));
        if d_fewer.effect == Effect::Allow && !d_fewer.by_default {
            prop_assert_eq!(d.effect, Effect::Allow, "{}", q.text());
        }
        // a query without a category is unknown to every `to category`
        // clause: it can only deny where the query with one does
        let without = Q { category: None, ..q.clone() };
        let d_without = s.decide(&s.query(&without.text()).expect("valid query"));
        if d_without.effect == Effect::Allow && !d_without.by_default && q.category.is_some() {
            prop_assert_eq!(d.effect, Effect::Allow, "{}", q.text());
        }
    }
}
