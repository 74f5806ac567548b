//! edict as the benchmark runs it: the set written as `.policy` text (a
//! vocabulary file and rule files of at most 100,000 rules), loaded the way
//! `edict eval` loads it (parse, check, index), and queries checked
//! from their parts and decided.

use chrono::NaiveDate;
use edict::check::{Field, RawQuery};
use edict::syntax::ast::Literal;
use edict::value::Number;
use edict::{PolicySet, Sources};

use crate::spec::{Atom, Names, Query, Spec};

/// The set as `.policy` files: (name, text).
pub fn files(spec: &Spec) -> Vec<(String, String)> {
    let mut vocabulary = String::new();
    for (keyword, names) in [
        ("action", &spec.actions),
        ("actor", &spec.actors),
        ("category", &spec.categories),
    ] {
        declare(&mut vocabulary, keyword, names);
    }
    vocabulary
        .push_str("attribute country: text\nattribute amount: number\nattribute verified: bool\n");
    let mut files = vec![("vocabulary.policy".to_string(), vocabulary)];
    for (part, rules) in spec.rules.chunks(100_000).enumerate() {
        let mut text = String::new();
        for rule in rules {
            text.push_str(if rule.allow { "allow " } else { "deny " });
            text.push_str(&scope(&rule.actions, &spec.actions));
            text.push_str(" by ");
            text.push_str(&scope(&rule.actors, &spec.actors));
            text.push_str(" to category ");
            text.push_str(&scope(&rule.categories, &spec.categories));
            match (rule.from, rule.until) {
                (Some(a), Some(b)) => text.push_str(&format!(" between {a} and {b}")),
                (Some(a), None) => text.push_str(&format!(" from {a}")),
                (None, Some(b)) => text.push_str(&format!(" until {b}")),
                (None, None) => {}
            }
            if !rule.where_.is_empty() {
                text.push_str(" where ");
                text.push_str(&condition(&rule.where_));
            }
            if !rule.unless.is_empty() {
                text.push_str(" unless ");
                text.push_str(&condition(&rule.unless));
            }
            text.push('\n');
        }
        files.push((format!("rules{part:02}.policy"), text));
    }
    files
}

fn declare(out: &mut String, keyword: &str, names: &Names) {
    for (name, parents) in names.names.iter().zip(&names.parents) {
        let parents: Vec<&str> = parents.iter().map(|&p| names.names[p].as_str()).collect();
        declare_one(out, keyword, name, &parents);
    }
}

/// One name's declaration with its parents.
pub fn declare_one(out: &mut String, keyword: &str, name: &str, parents: &[&str]) {
    match parents {
        [] => out.push_str(&format!("{keyword} {name}\n")),
        [one] => out.push_str(&format!("{keyword} {name} in {one}\n")),
        many => out.push_str(&format!("{keyword} {name} in [{}]\n", many.join(", "))),
    }
}

/// A scope as written: `any` or the names joined by commas.
pub fn scope(scope: &Option<Vec<usize>>, names: &Names) -> String {
    match scope {
        None => "any".to_string(),
        Some(ids) => ids
            .iter()
            .map(|&i| names.names[i].as_str())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// A conjunction of atoms as written.
pub fn condition(atoms: &[Atom]) -> String {
    atoms
        .iter()
        .map(|a| match a {
            Atom::CountryIs(c) => format!("country == \"{c}\""),
            Atom::CountryIn(cs) => format!(
                "country in [{}]",
                cs.iter()
                    .map(|c| format!("\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Atom::AmountOver(n) => format!("amount > {n}"),
            Atom::AmountAtMost(n) => format!("amount <= {n}"),
            Atom::Verified => "verified".to_string(),
            Atom::NotVerified => "not verified".to_string(),
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Parses, checks and compiles generated files as `edict eval` loads them:
/// errors stop it (a generator's bug), warnings are `check`'s.
pub fn load_set(files: &[(String, String)]) -> PolicySet {
    let mut sources = Sources::new();
    for (name, text) in files {
        sources.add(name, text);
    }
    let today = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date");
    let loaded = edict::compile_with(sources, Vec::new(), today, edict::Warnings::Skip);
    match loaded.into_set() {
        Ok(set) => set,
        Err(loaded) => panic!(
            "the generated set has errors: {:?}",
            &loaded.diagnostics[..loaded.diagnostics.len().min(3)]
        ),
    }
}

/// A loaded set.
pub struct Edict {
    pub set: PolicySet,
    actions: Vec<String>,
    actors: Vec<String>,
    categories: Vec<String>,
}

impl Edict {
    /// Parses, checks and compiles the files.
    pub fn load(spec: &Spec, files: &[(String, String)]) -> Edict {
        Edict {
            set: load_set(files),
            actions: spec.actions.names.clone(),
            actors: spec.actors.names.clone(),
            categories: spec.categories.names.clone(),
        }
    }

    /// The query as a program gives it (names and typed values, through
    /// [`PolicySet::ask`]), checked, then decided. True is allow.
    pub fn decide(&self, q: &Query) -> bool {
        let decision = self.ask(q).decide().expect("a good query");
        decision.effect == edict::Effect::Allow
    }

    /// The query's names, date and attributes, as a program asks them.
    pub fn ask<'a>(&'a self, q: &'a Query) -> edict::Ask<'a> {
        self.set
            .ask(&self.actions[q.action], &self.actors[q.actor])
            .category(&self.categories[q.category])
            .on(q.date)
            .with("country", q.country.as_str())
            .with("amount", q.amount)
            .with("verified", q.verified)
    }

    /// The query's parts as text, unchecked.
    pub fn raw(&self, q: &Query) -> RawQuery<'static> {
        let field = |text: &str| Field {
            text: text.to_string().into(),
            span: None,
        };
        RawQuery {
            action: field(&self.actions[q.action]),
            actor: field(&self.actors[q.actor]),
            category: Some(field(&self.categories[q.category])),
            date: Some(field(&q.date.to_string())),
            attributes: vec![
                (field("country"), Literal::Text(q.country.clone()), None),
                (
                    field("amount"),
                    Literal::Number(Number::parse(&q.amount.to_string()).expect("a number")),
                    None,
                ),
                (field("verified"), Literal::Bool(q.verified), None),
            ],
        }
    }
}
