//! The random policy sets and queries of the differential tests, written as
//! policy text so that every construct goes through the real parser and
//! checker. Shared by `tests/differential.rs` and the fuzz target
//! `fuzz/fuzz_targets/sets.rs`, which drives the same choices from a
//! fuzzer's bytes.
#![allow(dead_code)]

use chrono::NaiveDate;
use edict::value::Number;
use edict::PolicySet;

/// SplitMix64: deterministic on every machine.
pub struct Rng {
    state: u64,
    /// Choices given from outside (a fuzzer's bytes), one a byte, taken
    /// before the generator's own.
    tape: Vec<u8>,
    at: usize,
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng {
            state: seed,
            tape: Vec::new(),
            at: 0,
        }
    }

    /// Choices read from `bytes` while they last, then from a generator
    /// seeded by them: a fuzzer that changes a byte changes one choice.
    pub fn from_bytes(bytes: &[u8]) -> Rng {
        let seed = bytes.iter().fold(0xCBF2_9CE4_8422_2325_u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)
        });
        Rng {
            state: seed,
            tape: bytes.to_vec(),
            at: 0,
        }
    }

    pub fn next(&mut self) -> u64 {
        if let Some(&b) = self.tape.get(self.at) {
            self.at += 1;
            return u64::from(b);
        }
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Addresses for an `ip` attribute: in and out of the generated networks.
pub const SOURCES: &[&str] = &["\"10.1.2.3\"", "\"192.168.0.1\"", "\"::1\""];

/// The ways a set may combine its rules; empty for none said (deny
/// overrides).
pub const COMBININGS: &[&str] = &[
    "",
    "deny overrides",
    "allow overrides",
    "first applicable",
    "highest priority",
    "most specific",
];

pub const DATES: &[&str] = &[
    "2020-12-31",
    "2021-01-01",
    "2021-03-30",
    "2021-03-31",
    "2021-04-01",
    "2022-02-28",
    "2024-02-29",
];
// one text longer than the index keeps in a compiled condition's node
pub const COUNTRIES: &[&str] = &[
    "\"RU\"",
    "\"BY\"",
    "\"US\"",
    "\"\"",
    "\"Saint Kitts and Nevis\"",
];
// two numbers past what fits an i64 over a power of ten: kept as digits
pub const SEATS: &[&str] = &[
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
pub struct Kind {
    /// As written in policy text (a keyword in backticks).
    pub names: Vec<String>,
    pub declared: bool,
}

/// A name as a program gives it: without backticks.
pub fn bare(name: &str) -> &str {
    name.trim_matches('`')
}

impl Kind {
    pub fn new(rng: &mut Rng, keyword: &str, prefix: &str, decl: &mut String, wide: bool) -> Kind {
        let count = 2 + rng.below(if wide { 15 } else { 7 });
        Kind::sized(rng, keyword, prefix, decl, count, wide)
    }

    /// A kind of `count` names.
    pub fn sized(
        rng: &mut Rng,
        keyword: &str,
        prefix: &str,
        decl: &mut String,
        count: usize,
        wide: bool,
    ) -> Kind {
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
    pub fn scope(&self, rng: &mut Rng, wide: bool) -> String {
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
    pub fn query_name(&self, rng: &mut Rng) -> String {
        if !self.declared && rng.chance(10) {
            "stranger".to_string()
        } else {
            self.names[rng.below(self.names.len())].clone()
        }
    }
}

pub fn atom(rng: &mut Rng) -> String {
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

pub fn expr(rng: &mut Rng, depth: usize) -> String {
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
pub fn window(rng: &mut Rng) -> String {
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

/// A condition that can hold only for some values of one attribute (and
/// sometimes more besides): what the index files crowded cells by.
pub fn keyed_condition(rng: &mut Rng) -> String {
    let key = match rng.below(7) {
        0 | 1 => format!("country == {}", rng.pick(COUNTRIES)),
        2 => format!("{} == country", rng.pick(COUNTRIES)),
        3 => format!(
            "country in [{}, {}]",
            rng.pick(COUNTRIES),
            rng.pick(COUNTRIES)
        ),
        4 => "country in places".to_string(),
        5 => format!(
            "(country == {} or country in [{}])",
            rng.pick(COUNTRIES),
            rng.pick(COUNTRIES)
        ),
        _ => format!("seats == {}", rng.pick(SEATS)),
    };
    match rng.below(4) {
        0 => format!("{key} and {}", expr(rng, 1)),
        1 => format!("{} and {key}", atom(rng)),
        _ => key,
    }
}

pub struct Generated {
    pub text: String,
    pub kinds: [Kind; 3],
}

/// How a random set is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A few names of each kind and up to a dozen rules.
    Plain,
    /// More names, linked more often, and long scopes.
    Wide,
    /// One to three names of each kind and dozens of rules, most keyed on
    /// an attribute: crowded cells.
    Dense,
}

pub fn policy(rng: &mut Rng, wide: bool) -> Generated {
    policy_shaped(rng, if wide { Shape::Wide } else { Shape::Plain })
}

pub fn policy_shaped(rng: &mut Rng, shape: Shape) -> Generated {
    let mut text = String::new();
    let wide = shape == Shape::Wide;
    let mut kind = |rng: &mut Rng, keyword: &str, prefix: &str| match shape {
        Shape::Dense => {
            let count = 1 + rng.below(3);
            Kind::sized(rng, keyword, prefix, &mut text, count, false)
        }
        _ => Kind::new(rng, keyword, prefix, &mut text, wide),
    };
    let kinds = [
        kind(rng, "action", "act"),
        kind(rng, "actor", "who"),
        kind(rng, "category", "cat"),
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
    let rules = match shape {
        Shape::Dense => 16 + rng.below(80),
        _ => 1 + rng.below(12),
    };
    for i in 0..rules {
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
        let mut time = window(rng);
        // `after D before D'` is empty for adjacent days, an error: rare in
        // a dozen rules, common in a dense set's dozens
        while shape == Shape::Dense && time.starts_with("after 20") && time.contains(" before ") {
            time = window(rng);
        }
        if !time.is_empty() {
            text.push_str(&format!("\n  {time}"));
        }
        if shape == Shape::Dense && rng.chance(75) {
            text.push_str(&format!(" where {}", keyed_condition(rng)));
        } else if rng.chance(40) {
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
pub struct Parts {
    pub action: String,
    pub actor: String,
    pub category: Option<String>,
    pub date: &'static str,
    pub with: Vec<(&'static str, &'static str)>,
}

pub fn query(rng: &mut Rng, g: &Generated) -> Parts {
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
    pub fn text(&self) -> String {
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
    pub fn ask(&self, set: &PolicySet) -> Result<edict::Query, String> {
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
