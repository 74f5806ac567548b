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

use chrono::NaiveDate;
use edict::index::Index;
use edict::syntax::ast::Kind as NameKind;
use edict::value::Number;
use edict::PolicySet;

/// SplitMix64: deterministic on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Addresses for an `ip` attribute: in and out of the generated networks.
const SOURCES: &[&str] = &["\"10.1.2.3\"", "\"192.168.0.1\"", "\"::1\""];

/// The ways a set may combine its rules; empty for none said (deny
/// overrides).
const COMBININGS: &[&str] = &[
    "",
    "deny overrides",
    "allow overrides",
    "first applicable",
    "highest priority",
];

const DATES: &[&str] = &[
    "2020-12-31",
    "2021-01-01",
    "2021-03-30",
    "2021-03-31",
    "2021-04-01",
    "2022-02-28",
    "2024-02-29",
];
// one text longer than the index keeps in a compiled condition's node
const COUNTRIES: &[&str] = &[
    "\"RU\"",
    "\"BY\"",
    "\"US\"",
    "\"\"",
    "\"Saint Kitts and Nevis\"",
];
// two numbers past what fits an i64 over a power of ten: kept as digits
const SEATS: &[&str] = &[
    "0",
    "2.5",
    "3",
    "10",
    "1000",
    "99999999999999999999",
    "0.0000000000000000001",
];

/// A random set's names: `prefix0..prefixN`, each below earlier ones (many
/// more of them, and more often, when `wide`: the index keeps a name's
/// ancestors in a row of its own up to seven, in a shared list beyond).
struct Kind {
    /// As written in policy text (a keyword in backticks).
    names: Vec<String>,
    declared: bool,
}

/// A name as a program gives it: without backticks.
fn bare(name: &str) -> &str {
    name.trim_matches('`')
}

impl Kind {
    fn new(rng: &mut Rng, keyword: &str, prefix: &str, decl: &mut String, wide: bool) -> Kind {
        let count = 2 + rng.below(if wide { 15 } else { 7 });
        let linked = if wide { 50 } else { 30 };
        let mut names: Vec<String> = (0..count).map(|i| format!("{prefix}{i}")).collect();
        // a name that is a keyword, written in backticks
        if rng.chance(20) {
            names[count - 1] = rng.pick(&["`in`", "`by`", "`to`"]).to_string();
        }
        let declared = rng.chance(75);
        if declared {
            for (i, name) in names.iter().enumerate() {
                let parents: Vec<&str> = (0..i)
                    .filter(|_| rng.chance(linked))
                    .map(|p| names[p].as_str())
                    .collect();
                match parents.as_slice() {
                    [] => decl.push_str(&format!("{keyword} {name}\n")),
                    [one] => decl.push_str(&format!("{keyword} {name} in {one}\n")),
                    many => decl.push_str(&format!("{keyword} {name} in [{}]\n", many.join(", "))),
                }
            }
            // memberships that hold only for a time or under a condition
            for i in 1..names.len() {
                if rng.chance(if wide { 10 } else { 25 }) {
                    let parent = &names[rng.below(i)];
                    let when = rng.pick(&[
                        "where vip",
                        "where country == \"RU\"",
                        "from 2021-03-31",
                        "until 2021-04-01 where seats > 3",
                        "where date > signed",
                    ]);
                    decl.push_str(&format!("{keyword} {} in {parent} {when}\n", names[i]));
                }
            }
        }
        Kind { names, declared }
    }

    /// `any`, one name or a comma list; `wide` allows long lists.
    fn scope(&self, rng: &mut Rng, wide: bool) -> String {
        if rng.chance(15) {
            return "any".to_string();
        }
        let most = if wide { self.names.len() } else { 3 };
        let mut chosen: Vec<&str> = Vec::new();
        for _ in 0..1 + rng.below(most) {
            let n = &self.names[rng.below(self.names.len())];
            if !chosen.contains(&n.as_str()) {
                chosen.push(n);
            }
        }
        chosen.join(", ")
    }

    /// A name for a query: usually one of the set's, sometimes one no rule
    /// mentions (accepted only where the kind is open).
    fn query_name(&self, rng: &mut Rng) -> String {
        if !self.declared && rng.chance(10) {
            "stranger".to_string()
        } else {
            self.names[rng.below(self.names.len())].clone()
        }
    }
}

fn atom(rng: &mut Rng) -> String {
    match rng.below(25) {
        // named lists and constants, the query's date and offsets
        13 => format!("country {}in places", rng.pick(&["", "not "])),
        14 => format!("seats {} big", rng.pick(&["<", ">=", "=="])),
        15 => format!("signed {} cutoff", rng.pick(&["<", ">=", "=="])),
        16 => format!("date {} signed", rng.pick(&["<", ">", "=="])),
        17 => format!(
            "date {} {} {} signed",
            rng.pick(&["<=", ">"]),
            rng.pick(&["1 day", "30 days", "1 month", "2 weeks", "1 year"]),
            rng.pick(&["after", "before"])
        ),
        18 => format!(
            "signed {} 1 month {} {}",
            rng.pick(&["<", "=="]),
            rng.pick(&["after", "before"]),
            rng.pick(DATES)
        ),
        19 => "seats in sizes".to_string(),
        // text patterns and networks
        20 => format!(
            "country {}like {}",
            rng.pick(&["", "not "]),
            rng.pick(&["\"R*\"", "\"?Y\"", "\"*\"", "\"Saint *\""])
        ),
        21 => format!(
            "country matches {}",
            rng.pick(&["\"^[A-Z]{2}$\"", "\"Kitts\"", "\"^$\""])
        ),
        22 => format!("country like path {}", rng.pick(&["\":c\"", "\"*\""])),
        23 => format!(
            "source {}in {}",
            rng.pick(&["", "not "]),
            rng.pick(&["\"10.0.0.0/8\"", "\"::/0\"", "\"10.1.2.3\""])
        ),
        24 => format!("source == {}", rng.pick(SOURCES)),
        0 => format!("country == {}", rng.pick(COUNTRIES)),
        1 => format!("country != {}", rng.pick(COUNTRIES)),
        2 => format!(
            "country in [{}, {}]",
            rng.pick(COUNTRIES),
            rng.pick(COUNTRIES)
        ),
        3 => format!("country not in [{}, country]", rng.pick(COUNTRIES)),
        4 => format!(
            "seats {} {}",
            rng.pick(&["<", "<=", ">", ">=", "==", "!="]),
            rng.pick(SEATS)
        ),
        5 => "vip".to_string(),
        6 => format!("vip == {}", rng.pick(&["true", "false"])),
        7 => format!(
            "signed {} {}",
            rng.pick(&["<", "<=", ">", ">=", "=="]),
            rng.pick(DATES)
        ),
        // the literal first, and two attributes compared
        8 => format!(
            "{} {} seats",
            rng.pick(SEATS),
            rng.pick(&["<", "<=", ">", ">=", "==", "!="])
        ),
        9 => format!("{} < signed", rng.pick(DATES)),
        10 => format!("seats {} seats", rng.pick(&["<", "=="])),
        11 => format!(
            "country not in [{}, {}]",
            rng.pick(COUNTRIES),
            rng.pick(COUNTRIES)
        ),
        _ => rng.pick(&["true", "false"]).to_string(),
    }
}

fn expr(rng: &mut Rng, depth: usize) -> String {
    if depth == 0 || rng.chance(40) {
        return atom(rng);
    }
    match rng.below(4) {
        0 => format!("not {}", expr(rng, depth - 1)),
        1 => format!("{} and {}", expr(rng, depth - 1), expr(rng, depth - 1)),
        2 => format!("{} or {}", expr(rng, depth - 1), expr(rng, depth - 1)),
        _ => format!("({})", expr(rng, depth - 1)),
    }
}

/// A time clause that some date satisfies.
fn window(rng: &mut Rng) -> String {
    let mut days: Vec<&str> = (0..2).map(|_| rng.pick(DATES)).collect();
    days.sort();
    let (early, late) = (days[0], days[1]);
    match rng.below(13) {
        // a constant and offsets in bounds
        10 => "from cutoff".to_string(),
        11 => format!("until 1 month after {early}"),
        12 => "after 1 day before cutoff until 1 year after cutoff".to_string(),
        0 => format!("after {early}"),
        1 => format!("before {late}"),
        2 => format!("from {early}"),
        3 => format!("until {late}"),
        4 => format!("on {early}"),
        5 => format!("between {early} and {late}"),
        6 => format!("from {early} until {late}"),
        7 if early != late => format!("after {early} before {late}"),
        _ => String::new(),
    }
}

struct Generated {
    text: String,
    kinds: [Kind; 3],
}

fn policy(rng: &mut Rng, wide: bool) -> Generated {
    let mut text = String::new();
    let kinds = [
        Kind::new(rng, "action", "act", &mut text, wide),
        Kind::new(rng, "actor", "who", &mut text, wide),
        Kind::new(rng, "category", "cat", &mut text, wide),
    ];
    text.push_str(
        "attribute country: text\nattribute seats: number\nattribute vip: bool\nattribute signed: date\nattribute source: ip\n",
    );
    text.push_str("list places: text = [\"RU\", \"BY\", \"\"]\nlist sizes: number = [3, 2.5, 99999999999999999999]\n");
    text.push_str("constant big: number = 10\nconstant cutoff: date = 1 day after 2021-03-30\n");
    if rng.chance(25) {
        text.push_str("default allow\n");
    }
    let combining = rng.pick(COMBININGS);
    if !combining.is_empty() {
        text.push_str(&format!("combine {combining}\n"));
    }
    // the named denies so far, for exemptions to name
    let mut denies: Vec<String> = Vec::new();
    for i in 0..1 + rng.below(12) {
        let exemption = !denies.is_empty() && rng.chance(25);
        let named = rng.chance(if exemption { 20 } else { 40 });
        if named {
            text.push_str(&format!("rule_{i}: "));
        }
        let deny = !exemption && rng.chance(45);
        if deny && named {
            denies.push(format!("rule_{i}"));
        }
        text.push_str(match (exemption, deny) {
            (true, _) => "exempt ",
            (false, true) => "deny ",
            (false, false) => "allow ",
        });
        text.push_str(&kinds[0].scope(rng, wide));
        if exemption {
            let first = rng.pick(&denies.iter().map(String::as_str).collect::<Vec<_>>());
            let second = rng.pick(&denies.iter().map(String::as_str).collect::<Vec<_>>());
            if first == second {
                text.push_str(&format!(" from rule {first}"));
            } else {
                text.push_str(&format!(" from rule {first}, {second}"));
            }
        }
        if combining == "highest priority" && !exemption && rng.chance(70) {
            text.push_str(&format!(" priority {}", rng.below(4) as i64 - 1));
        }
        if rng.chance(80) {
            text.push_str(&format!(" by {}", kinds[1].scope(rng, wide)));
        }
        if rng.chance(70) {
            text.push_str(&format!(" to category {}", kinds[2].scope(rng, wide)));
        }
        let time = window(rng);
        if !time.is_empty() {
            text.push_str(&format!("\n  {time}"));
        }
        if rng.chance(40) {
            text.push_str(&format!(" where {}", expr(rng, 3)));
        }
        if rng.chance(25) {
            text.push_str(&format!(" unless {}", expr(rng, 2)));
        }
        if rng.chance(20) {
            text.push_str(" because \"a reason\"");
        }
        text.push('\n');
    }
    Generated { text, kinds }
}

/// A query's parts: names, a date, and attributes as written.
struct Parts {
    action: String,
    actor: String,
    category: Option<String>,
    date: &'static str,
    with: Vec<(&'static str, &'static str)>,
}

fn query(rng: &mut Rng, g: &Generated) -> Parts {
    let action = g.kinds[0].query_name(rng);
    let actor = g.kinds[1].query_name(rng);
    let category = rng.chance(80).then(|| g.kinds[2].query_name(rng));
    let date = rng.pick(DATES);
    let mut with = Vec::new();
    if rng.chance(70) {
        with.push(("country", rng.pick(COUNTRIES)));
    }
    if rng.chance(70) {
        with.push(("seats", rng.pick(SEATS)));
    }
    if rng.chance(70) {
        with.push(("vip", rng.pick(&["true", "false"])));
    }
    if rng.chance(70) {
        with.push(("signed", rng.pick(DATES)));
    }
    if rng.chance(70) {
        with.push(("source", rng.pick(SOURCES)));
    }
    Parts {
        action,
        actor,
        category,
        date,
        with,
    }
}

impl Parts {
    /// The text form.
    fn text(&self) -> String {
        let mut q = format!("{} by {}", self.action, self.actor);
        if let Some(c) = &self.category {
            q.push_str(&format!(" to category {c}"));
        }
        q.push_str(&format!(" on {}", self.date));
        let with: Vec<String> = self
            .with
            .iter()
            .map(|(n, v)| format!("{n} = {v}"))
            .collect();
        if !with.is_empty() {
            q.push_str(&format!(" with {}", with.join(", ")));
        }
        q
    }

    /// The same query built by a program, with typed values.
    fn ask(&self, set: &PolicySet) -> Result<edict::Query, String> {
        let date = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("a date");
        let mut ask = set
            .ask(bare(&self.action), bare(&self.actor))
            .on(date(self.date));
        if let Some(c) = &self.category {
            ask = ask.category(bare(c));
        }
        for &(name, value) in &self.with {
            ask = match name {
                "country" => ask.with(name, value.trim_matches('"')),
                "seats" => ask.with(name, Number::parse(value).expect("a number")),
                "vip" => ask.with(name, value == "true"),
                "source" => ask.with(
                    name,
                    value
                        .trim_matches('"')
                        .parse::<std::net::IpAddr>()
                        .expect("an address"),
                ),
                _ => ask.with(name, date(value)),
            };
        }
        ask.check()
    }
}

/// Runs `sets` random sets of `queries` queries each and compares every
/// decision, from the index as built for use and from one built with tiny
/// limits, so that the paths for wide rules and walked hierarchies are
/// compared too.
fn compare(seed: u64, sets: usize, queries: usize, wide: bool) {
    let mut rng = Rng(seed);
    let (mut built, mut decided, mut unknown, mut allowed) = (0, 0, 0, 0);
    // the new constructs, each counted where it made a difference
    let mut seen = Seen::default();
    // rules with conditions, and those the index compiled
    let (mut conditional, mut compiled) = (0, 0);
    for _ in 0..sets {
        let g = policy(&mut rng, wide);
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
        let small = Index::build_with(set.policy(), 2, 4);
        conditional += set
            .policy()
            .rules
            .iter()
            .filter(|r| r.where_.is_some() || r.unless.is_some())
            .count();
        compiled += small.compiled_conditions();
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
                String::from_utf8(fast).unwrap(),
                edict::render::decision_json(set.policy(), &reference).to_string()
            );
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
    combinings: [usize; 5],
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
    compare(1, 3_000, 40, false);
}

#[test]
fn index_decides_as_the_reference_with_long_lists() {
    compare(2, 1_000, 40, true);
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
