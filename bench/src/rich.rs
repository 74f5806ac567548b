//! The rich shape: the benchmark's generated set written with the larger
//! language of issue #10, for edict alone (the peers have no exemptions of
//! named rules, conditional memberships or keyMatch paths to be given them
//! alike; see the README).
//!
//! It is the set [`crate::edict_engine::files`] writes, with, deterministically
//! from each rule's and name's number:
//! - **conditional memberships**: one actor membership in six holds only
//!   where `tenant == "tK"`, and one in twelve only for a time;
//! - **lists**: up to 64 named lists of countries (one for each eight
//!   rules), read by one `country in [...]` condition in two;
//! - **exemptions**: one deny in five is named, and an exemption lifts it for
//!   some of its actors where a condition on `purpose` holds;
//! - **patterns and networks**: one rule in five tests the query's
//!   `resource` by a glob, a keyMatch2 path or a regular expression, or its
//!   `source` address against a CIDR range.
//!
//! The queries are the broad shape's ([`crate::spec::Spec::queries`]), each
//! given a tenant, a purpose, a resource and a source address from a table
//! of its own, chosen by the query's amount and date, so that the broad
//! shape's queries are untouched. Agreement is
//! checked against edict's reference evaluator, query by query.

use std::net::IpAddr;

use chrono::NaiveDate;
use edict::Decision;

use crate::edict_engine::{condition, declare_one, scope, Edict};
use crate::spec::{Names, Query, Rng, Spec, COUNTRIES};

const TENANTS: usize = 8;
/// At most this many named lists; a small set has fewer (one for each
/// eight rules), so that it is not mostly lists.
const LISTS: usize = 64;
const PURPOSES: [&str; 4] = ["humanitarian", "research", "retail", "defence"];
const RESOURCES: [&str; 6] = [
    "/data/7",
    "/data/7/raw",
    "/reports/2024/q1",
    "/admin/users",
    "/public/index",
    "/data/alpha",
];
const SOURCES: [&str; 5] = [
    "10.1.2.3",
    "10.200.0.9",
    "192.168.1.20",
    "203.0.113.5",
    "2001:db8::1",
];
const PATTERNS: [&str; 6] = [
    "resource like path \"/data/:id\"",
    "resource like \"/reports/*\"",
    "resource matches \"^/admin/\"",
    "source in \"10.0.0.0/8\"",
    "source not in \"192.168.0.0/16\"",
    "resource like \"/data/?/*\"",
];

/// What the rich shape's queries give beside the broad shape's attributes.
#[derive(Debug, Clone)]
pub struct Extra {
    pub tenant: String,
    pub purpose: &'static str,
    pub resource: &'static str,
    pub source: IpAddr,
}

/// How many different [`Extra`]s the queries draw from.
const EXTRAS: usize = 4096;

/// The table of [`Extra`]s, from a seed of its own.
fn extras() -> Vec<Extra> {
    let mut rng = Rng::new(0x5EED_0010);
    (0..EXTRAS)
        .map(|_| Extra {
            tenant: format!("t{}", rng.below(TENANTS)),
            purpose: PURPOSES[rng.below(PURPOSES.len())],
            resource: RESOURCES[rng.below(RESOURCES.len())],
            source: rng.pick(&SOURCES).parse().expect("an address"),
        })
        .collect()
}

/// The set as `.policy` files: (name, text).
pub fn files(spec: &Spec) -> Vec<(String, String)> {
    let mut vocabulary = String::new();
    declare_all(&mut vocabulary, "action", &spec.actions);
    declare_actors(&mut vocabulary, &spec.actors);
    declare_all(&mut vocabulary, "category", &spec.categories);
    vocabulary.push_str(
        "attribute country: text\nattribute amount: number\nattribute verified: bool\n\
         attribute tenant: text\nattribute purpose: text\nattribute resource: text\nattribute source: ip\n",
    );
    let lists = (spec.rules.len() / 8).clamp(1, LISTS);
    let mut rng = Rng::new(7);
    for k in 0..lists {
        let countries: Vec<String> = (0..3)
            .map(|_| format!("\"{}\"", rng.pick(&COUNTRIES)))
            .collect();
        vocabulary.push_str(&format!(
            "list group{k}: text = [{}]\n",
            countries.join(", ")
        ));
    }
    let mut files = vec![("vocabulary.policy".to_string(), vocabulary)];
    let mut lists_read = vec![false; lists];
    for (part, rules) in spec.rules.chunks(100_000).enumerate() {
        let mut text = String::new();
        for i in 0..rules.len() {
            let n = part * 100_000 + i;
            rule_text(&mut text, spec, n, &mut lists_read);
        }
        files.push((format!("rules{part:02}.policy"), text));
    }
    // every list read somewhere, so that a small set checks without W101
    let mut rest = String::new();
    for (k, read) in lists_read.iter().enumerate() {
        if !read {
            rest.push_str(&format!(
                "deny act0 by who0 to category cat0 where country in group{k} and amount < 0\n"
            ));
        }
    }
    if !rest.is_empty() {
        files.push(("lists.policy".to_string(), rest));
    }
    files
}

fn declare_all(out: &mut String, keyword: &str, names: &Names) {
    for (name, parents) in names.names.iter().zip(&names.parents) {
        declare_one(
            out,
            keyword,
            name,
            &parents
                .iter()
                .map(|&p| names.names[p].as_str())
                .collect::<Vec<_>>(),
        );
    }
}

/// Actors, with some memberships held only within a tenant or for a time.
fn declare_actors(out: &mut String, names: &Names) {
    for (n, (name, parents)) in names.names.iter().zip(&names.parents).enumerate() {
        let parents: Vec<&str> = parents.iter().map(|&p| names.names[p].as_str()).collect();
        match (parents.first(), n % 12) {
            (Some(first), 0 | 6) => {
                declare_one(out, "actor", name, &parents[1..]);
                out.push_str(&format!(
                    "actor {name} in {first} where tenant == \"t{}\"\n",
                    n / 12 % TENANTS
                ));
            }
            (Some(first), 3) => {
                declare_one(out, "actor", name, &parents[1..]);
                let year = 2018 + n / 12 % 8;
                out.push_str(&format!(
                    "actor {name} in {first} from {year}-01-01 until {}-06-30\n",
                    year + 1
                ));
            }
            _ => declare_one(out, "actor", name, &parents),
        }
    }
}

/// Rule `n` of the spec, written with lists, exemptions and patterns.
fn rule_text(text: &mut String, spec: &Spec, n: usize, lists_read: &mut [bool]) {
    let rule = &spec.rules[n];
    let named = !rule.allow && n.is_multiple_of(5);
    if named {
        text.push_str(&format!("d{n}: "));
    }
    text.push_str(if rule.allow { "allow " } else { "deny " });
    let actions = scope(&rule.actions, &spec.actions);
    text.push_str(&actions);
    text.push_str(" by ");
    text.push_str(&scope(&rule.actors, &spec.actors));
    text.push_str(" to category ");
    text.push_str(&scope(&rule.categories, &spec.categories));
    push_window(text, rule.from, rule.until);
    let mut atoms: Vec<String> = Vec::new();
    if !rule.where_.is_empty() {
        let written = condition(&rule.where_);
        // one list of values in two becomes a named list
        if n.is_multiple_of(2) && written.contains("country in [") {
            let k = n / 2 % lists_read.len();
            lists_read[k] = true;
            let start = written.find("country in [").expect("found");
            let end = start + written[start..].find(']').expect("a closed list") + 1;
            atoms.push(format!(
                "{}country in group{k}{}",
                &written[..start],
                &written[end..]
            ));
        } else {
            atoms.push(written);
        }
    }
    if n % 5 == 1 {
        atoms.push(PATTERNS[n / 5 % PATTERNS.len()].to_string());
    }
    if !atoms.is_empty() {
        text.push_str(" where ");
        text.push_str(&atoms.join(" and "));
    }
    if !rule.unless.is_empty() {
        text.push_str(" unless ");
        text.push_str(&condition(&rule.unless));
    }
    text.push('\n');
    if named {
        // the exemption: the deny's actions, for its first actor (or any),
        // where the purpose is one of two
        let actors = match &rule.actors {
            Some(ids) => spec.actors.names[ids[0]].clone(),
            None => "any".to_string(),
        };
        text.push_str(&format!(
            "exempt {actions} by {actors} from rule d{n} where purpose in [\"{}\", \"research\"]\n",
            PURPOSES[n / 5 % 2 * 3]
        ));
    }
}

fn push_window(text: &mut String, from: Option<NaiveDate>, until: Option<NaiveDate>) {
    match (from, until) {
        (Some(a), Some(b)) => text.push_str(&format!(" between {a} and {b}")),
        (Some(a), None) => text.push_str(&format!(" from {a}")),
        (None, Some(b)) => text.push_str(&format!(" until {b}")),
        (None, None) => {}
    }
}

/// A loaded rich set: the broad shape's adapter, with the extras.
pub struct Rich {
    base: Edict,
    extras: Vec<Extra>,
}

impl Rich {
    /// Parses, checks and compiles the files, as `edict eval` does.
    pub fn load(spec: &Spec, files: &[(String, String)]) -> Rich {
        Rich {
            base: Edict::load(spec, files),
            extras: extras(),
        }
    }

    /// What the query gives beside the broad shape's attributes.
    pub fn extra(&self, q: &Query) -> &Extra {
        let mix = (q.amount as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ u64::from(chrono::Datelike::ordinal(&q.date));
        &self.extras[(mix >> 7) as usize % EXTRAS]
    }

    /// The query asked by its parts, checked and decided by the index;
    /// `reference` decides it by the reference evaluator instead.
    pub fn decision(&self, q: &Query, reference: bool) -> Decision {
        let extra = self.extra(q);
        let ask = self
            .base
            .ask(q)
            .with("tenant", extra.tenant.as_str())
            .with("purpose", extra.purpose)
            .with("resource", extra.resource)
            .with("source", extra.source);
        if reference {
            let query = ask.check().expect("a good query");
            self.base.set.decide_reference(&query)
        } else {
            ask.decide().expect("a good query")
        }
    }
}
