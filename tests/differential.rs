//! Differential tests: the compiled index decides exactly as the reference
//! evaluator, on thousands of random sets and queries from fixed seeds.
//!
//! The generator writes policy text, so every construct goes through the
//! real parser and checker: open and declared kinds, hierarchies with several
//! parents, `any`, comma lists, every time form alone and in pairs, `where`
//! and `unless` over every operator, `default allow`, named rules; queries
//! with and without a category or attributes, names no rule mentions, and
//! dates on and around every bound; and the constructs of the larger
//! language: exemptions of named denies, every way of combining (with
//! priorities), named lists and constants (in conditions and bounds), the
//! query's date and date offsets, and names that are keywords, written in
//! backticks. A counter for each makes the test fail if one goes unexercised. A decision is compared whole: the effect,
//! the deciding and overridden rules, and the unknowns; and the JSON the
//! batch writes for it is compared with the JSON value's own text.

mod generate;

use edict::index::{Index, Limits};
use edict::syntax::ast::Kind as NameKind;
use edict::PolicySet;
use generate::{policy_shaped, query, Rng, Shape, COMBININGS};

/// Runs `sets` random sets of `queries` queries each and compares every
/// decision, from the index as built for use and from one built with tiny
/// limits, so that the paths for wide rules and walked hierarchies are
/// compared too.
fn compare(seed: u64, sets: usize, queries: usize, shape: Shape) {
    let mut rng = Rng::new(seed);
    let (mut built, mut decided, mut unknown, mut allowed) = (0, 0, 0, 0);
    // the new constructs, each counted where it made a difference
    let mut seen = Seen::default();
    // rules with conditions, and those the index compiled
    let (mut conditional, mut compiled) = (0, 0);
    // sets whose index filed a crowded cell by attribute value, as built
    // for use and with small limits
    let (mut keyed, mut keyed_small) = (0, 0);
    for _ in 0..sets {
        let g = policy_shaped(&mut rng, shape);
        let set = match PolicySet::from_text("random.policy", &g.text) {
            Ok(set) => set,
            Err(loaded) => {
                if std::env::var("SHOW_UNBUILT").is_ok() {
                    eprintln!(
                        "{}\n{:?}",
                        g.text,
                        loaded
                            .diagnostics
                            .iter()
                            .map(|d| &d.message)
                            .collect::<Vec<_>>()
                    );
                }
                continue;
            }
        };
        built += 1;
        seen.set(&set, &g.text);
        let small = Index::build_with(set.policy(), Limits::SMALL);
        conditional += set
            .policy()
            .rules
            .iter()
            .filter(|r| r.where_.is_some() || r.unless.is_some())
            .count();
        compiled += small.compiled_conditions();
        keyed += usize::from(Index::build(set.policy()).keyed_cells() > 0);
        keyed_small += usize::from(small.keyed_cells() > 0);
        for _ in 0..queries {
            let parts = query(&mut rng, &g);
            let text = parts.text();
            let q = set
                .query(&text)
                .unwrap_or_else(|e| panic!("the generator wrote a bad query `{text}`: {e:?}"));
            // the program's way in checks to the same query
            assert_eq!(parts.ask(&set).as_ref(), Ok(&q), "`{text}` asked by parts");
            let reference = set.decide_reference(&q);
            assert_eq!(
                set.decide(&q),
                reference,
                "the index and the reference differ\n--- set\n{}\n--- query\n{text}",
                g.text
            );
            assert_eq!(
                small.decide(set.policy(), &q),
                reference,
                "the index with small limits and the reference differ\n--- set\n{}\n--- query\n{text}",
                g.text
            );
            // the batch writes decisions without building JSON values: the
            // bytes must be the same
            let mut fast = Vec::new();
            edict::render::write_decision_json(set.policy(), &reference, &mut fast);
            assert_eq!(
                String::from_utf8(fast.clone()).unwrap(),
                edict::render::decision_json(set.policy(), &reference).to_string()
            );
            // and so does the set's own writer, which keeps each rule's
            // part once written (written twice: the second from what it kept)
            for _ in 0..2 {
                let mut kept = Vec::new();
                set.write_decision_json(&reference, &mut kept);
                assert_eq!(kept, fast, "the set's writer differs");
            }
            seen.decision(&set, &q, &reference);
            decided += 1;
            unknown += usize::from(!reference.unknowns.is_empty());
            allowed += usize::from(reference.effect == edict::Effect::Allow);
        }
    }
    // the comparison means something only if the sets were built and the
    // decisions varied
    assert!(built * 10 >= sets * 9, "only {built} of {sets} sets built");
    assert!(
        unknown * 10 >= decided,
        "{unknown} of {decided} had unknowns"
    );
    assert!(allowed * 5 >= decided, "{allowed} of {decided} allowed");
    // both ways of evaluating conditions were compared
    assert!(
        compiled * 3 >= conditional && compiled * 10 <= conditional * 9,
        "{compiled} of {conditional} rules' conditions compiled"
    );
    assert!((decided - allowed) * 5 >= decided, "too few denies");
    // crowded cells were filed by value, in the sets meant to have them
    if shape == Shape::Dense {
        assert!(
            keyed * 2 >= built,
            "{keyed} of {built} keyed as built for use"
        );
        assert!(keyed_small * 2 >= built, "{keyed_small} of {built} keyed");
    }
    seen.assert_each(built, decided);
}

/// The lists, constants and offsets of every generated set, as their rules
/// read them.
const VALUE_WORDS: [&str; 9] = [
    "places",
    "sizes",
    "big",
    "cutoff",
    " after ",
    " before ",
    " like ",
    " matches ",
    "source",
];

/// How often each construct of the larger language made a difference.
#[derive(Default, Debug)]
struct Seen {
    /// Sets by how they combine, in the order of [`COMBININGS`] (the first
    /// two are the same way, said and unsaid).
    combinings: [usize; 6],
    /// Decisions in which an exemption lifted a deny.
    lifted: usize,
    /// Decisions under a combining other than deny overrides in which a
    /// rule of the other effect lost.
    overridden: usize,
    /// Decisions that named a rule whose condition reads the query's date.
    date_rules: usize,
    /// Sets whose rules read each list, constant, offset and pattern, in the order
    /// of [`VALUE_WORDS`] (the checker puts their values in place, so they
    /// are counted in the text).
    values: [usize; 9],
    /// Sets with a name written in backticks.
    keyword_names: usize,
    /// Decisions with a rule unknown or applying through a conditional
    /// membership only.
    memberships: usize,
}

impl Seen {
    fn set(&mut self, set: &PolicySet, text: &str) {
        let combining = set.policy().combining;
        let i = COMBININGS
            .iter()
            .position(|c| !c.is_empty() && *c == combining.as_str())
            .expect("a known combining");
        let said = text.contains("combine ");
        self.combinings[if said { i } else { 0 }] += 1;
        self.keyword_names += usize::from(text.contains('`'));
        let rules = &text[text.find("constant cutoff").expect("declared")..];
        for (n, word) in self.values.iter_mut().zip(VALUE_WORDS) {
            // once in the declarations
            *n += usize::from(rules.matches(word).count() > 1);
        }
    }

    fn decision(&mut self, set: &PolicySet, q: &edict::Query, d: &edict::Decision) {
        let policy = set.policy();
        self.lifted += usize::from(!d.exempted.is_empty());
        self.overridden += usize::from(
            policy.combining != edict::syntax::ast::Combining::DenyOverrides
                && !d.overridden.is_empty(),
        );
        let reads = |f: fn(&edict::model::Expr) -> bool| {
            d.rules.iter().chain(&d.overridden).any(|&r| {
                let rule = &policy.rules[r];
                [&rule.where_, &rule.unless]
                    .into_iter()
                    .flatten()
                    .any(|e| f(e))
            })
        };
        self.date_rules += usize::from(reads(|e| e.reads_date()));
        // a name under another only through a conditional membership, or
        // unknown to be
        let names = [
            (NameKind::Action, Some(q.action)),
            (NameKind::Actor, Some(q.actor)),
            (NameKind::Category, q.category),
        ];
        let through = names.into_iter().any(|(kind, id)| {
            let Some(Some(id)) = id else { return false };
            let plain = policy.vocabulary.names(kind).ancestors_or_self(id);
            let truths = edict::eval::above(policy, kind, Some(id), q).expect("a known name");
            truths
                .iter()
                .zip(plain)
                .any(|(t, p)| *t != edict::eval::Truth::from(p))
        });
        self.memberships += usize::from(through);
    }

    fn assert_each(&self, built: usize, decided: usize) {
        for (n, c) in self.combinings.iter().zip(COMBININGS) {
            assert!(
                n * 10 >= built,
                "only {n} of {built} sets combine by `{c}`: {self:?}"
            );
        }
        for (n, what) in [
            (self.lifted, "an exemption lifted a deny"),
            (self.overridden, "a rule lost under another combining"),
            (self.date_rules, "a rule reading the query's date decided"),
            (
                self.memberships,
                "a query's name was under another through a conditional membership",
            ),
        ] {
            assert!(
                n * 200 >= decided,
                "only {n} of {decided} decisions where {what}: {self:?}"
            );
        }
        assert!(
            self.keyword_names * 20 >= built,
            "too few keyword names: {self:?}"
        );
        for (n, word) in self.values.iter().zip(VALUE_WORDS) {
            assert!(n * 50 >= built, "too few sets read `{word}`: {self:?}");
        }
    }
}

#[test]
fn index_decides_as_the_reference() {
    compare(1, 3_000, 40, Shape::Plain);
}

#[test]
fn index_decides_as_the_reference_with_long_lists() {
    compare(2, 1_000, 40, Shape::Wide);
}

/// Sets of a few names and dozens of rules on each, told apart by an
/// attribute: the index files their cells by the attribute's values.
#[test]
fn index_decides_as_the_reference_on_crowded_cells() {
    compare(3, 600, 60, Shape::Dense);
}

/// A name listed twice in a scope files a rule twice over; it still
/// applies once, as the reference says.
#[test]
fn names_listed_twice_decide_once() {
    let set = PolicySet::from_text(
        "twice.policy",
        "attribute x: number\nattribute y: bool\nallow sale, sale by a, a to category c, c where x > 1\ndeny sale by a, a unless y\nallow sale by b, b\n",
    )
    .expect("a valid set");
    for text in [
        "sale by a to category c with x = 2, y = true",
        "sale by a to category c with x = 2, y = false",
        "sale by a with y = true",
        "sale by b to category c",
    ] {
        let q = set.query(text).expect("a valid query");
        let decision = set.decide(&q);
        assert_eq!(decision, set.decide_reference(&q), "{text}");
        let mut rules = decision.rules.clone();
        rules.dedup();
        assert_eq!(rules, decision.rules, "{text}: a rule named twice");
    }
}
