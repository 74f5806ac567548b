//! A rule set and its queries in a neutral form, generated from a seed, that
//! every engine is given in its own language.
//!
//! The shape follows real policies: names in hierarchies a few levels deep,
//! most rules about one or two actions and a few actors or categories, some
//! with a time window, some with a condition or an exception. Queries name
//! leaf-level names (a real actor, a real category) and give every attribute,
//! so that no engine's treatment of missing data is measured (see the README).

use chrono::NaiveDate;

/// The names of one kind: `parents[i]` are the names directly above `names[i]`.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub names: Vec<String>,
    pub parents: Vec<Vec<usize>>,
    /// Names with nothing below them: what queries use.
    pub leaves: Vec<usize>,
}

/// An atom of a condition; a condition is the conjunction of its atoms.
#[derive(Debug, Clone, PartialEq)]
pub enum Atom {
    /// `country == "X"`
    CountryIs(String),
    /// `country in ["X", "Y"]`
    CountryIn(Vec<String>),
    /// `amount > N`
    AmountOver(i64),
    /// `amount <= N`
    AmountAtMost(i64),
    /// `verified` (a bool attribute)
    Verified,
    /// `not verified`
    NotVerified,
}

/// A rule. `None` scopes mean any. Dates are inclusive bounds.
#[derive(Debug, Clone)]
pub struct Rule {
    pub allow: bool,
    pub actions: Option<Vec<usize>>,
    pub actors: Option<Vec<usize>>,
    pub categories: Option<Vec<usize>>,
    /// First date covered (inclusive).
    pub from: Option<NaiveDate>,
    /// Last date covered (inclusive).
    pub until: Option<NaiveDate>,
    pub where_: Vec<Atom>,
    /// Empty: no exception.
    pub unless: Vec<Atom>,
}

/// A query; every attribute is given.
#[derive(Debug, Clone)]
pub struct Query {
    pub action: usize,
    pub actor: usize,
    pub category: usize,
    pub date: NaiveDate,
    pub country: String,
    pub amount: i64,
    pub verified: bool,
}

/// The seed of the benchmark's rule sets, `Spec::generate(rules, RULE_SEED)`.
pub const RULE_SEED: u64 = 42;

/// The seed of the benchmark's queries, `spec.queries(count, QUERY_SEED)`.
pub const QUERY_SEED: u64 = 4242;

/// A generated rule set. The default is deny.
#[derive(Debug, Clone)]
pub struct Spec {
    pub actions: Names,
    pub actors: Names,
    pub categories: Names,
    pub rules: Vec<Rule>,
    /// The shape it was generated in, which its queries follow.
    pub shape: Shape,
}

/// The two kinds of generated set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Many names in hierarchies, growing with the set: most rules are
    /// about names few others are about ([`Spec::generate`]).
    Broad,
    /// A few dozen names without hierarchies, and thousands of rules on
    /// each, told apart by a country and a date ([`Spec::dense`]).
    Dense,
}

impl Shape {
    pub fn parse(text: &str) -> Option<Shape> {
        match text {
            "broad" => Some(Shape::Broad),
            "dense" => Some(Shape::Dense),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Shape::Broad => "broad",
            Shape::Dense => "dense",
        }
    }

    /// The set of `rules` rules of this shape from `seed`.
    pub fn generate(self, rules: usize, seed: u64) -> Spec {
        match self {
            Shape::Broad => Spec::generate(rules, seed),
            Shape::Dense => Spec::dense(rules, seed),
        }
    }
}

pub const COUNTRIES: [&str; 12] = [
    "RU", "BY", "CN", "IR", "KP", "SY", "CU", "VE", "US", "DE", "FR", "JP",
];

/// The countries of the dense shape: [`COUNTRIES`] and twenty more.
pub const DENSE_COUNTRIES: [&str; 32] = [
    "RU", "BY", "CN", "IR", "KP", "SY", "CU", "VE", "US", "DE", "FR", "JP", "GB", "IT", "ES", "PL",
    "NL", "SE", "NO", "FI", "DK", "AT", "CH", "BE", "PT", "GR", "TR", "IN", "BR", "MX", "CA", "AU",
];

/// A small deterministic generator (SplitMix64): the same seed gives the
/// same sets on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    #[allow(clippy::should_implement_trait)] // a generator, not an iterator
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent` in 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A hierarchy of `count` names called `prefix0`, `prefix1`, ...: a forest
/// four levels deep, where a name below the top has one parent (sometimes
/// two) on the level above.
fn hierarchy(rng: &mut Rng, prefix: &str, count: usize) -> Names {
    let count = count.max(4);
    let mut names = Names::default();
    // level sizes grow downwards: 1/15, 2/15, 4/15, 8/15 of the names
    let mut levels: Vec<Vec<usize>> = Vec::new();
    let mut start = 0;
    for (i, share) in [1, 2, 4, 8].iter().enumerate() {
        let size = if i == 3 {
            count - start
        } else {
            (count * share / 15).max(1)
        };
        let level: Vec<usize> = (start..start + size).collect();
        for &n in &level {
            names.names.push(format!("{prefix}{n}"));
            let mut parents = Vec::new();
            if let Some(above) = levels.last() {
                parents.push(*rng.pick(above));
                if rng.chance(10) {
                    let second = *rng.pick(above);
                    if !parents.contains(&second) {
                        parents.push(second);
                    }
                }
            }
            names.parents.push(parents);
        }
        start += size;
        levels.push(level);
    }
    names.leaves = levels.pop().unwrap_or_default();
    names
}

/// A day in 2015-2030, the dense shape's dates.
fn dense_date(rng: &mut Rng) -> NaiveDate {
    let base = NaiveDate::from_ymd_opt(2015, 1, 1).expect("a real date");
    base + chrono::Days::new(rng.below(16 * 365) as u64)
}

fn date(rng: &mut Rng) -> NaiveDate {
    let base = NaiveDate::from_ymd_opt(2018, 1, 1).expect("a real date");
    base + chrono::Days::new(rng.below(9 * 365) as u64)
}

/// One to `most` names, any of the levels.
fn scope(rng: &mut Rng, names: &Names, most: usize, any: f64) -> Option<Vec<usize>> {
    if (rng.next() as f64 / u64::MAX as f64) < any {
        return None;
    }
    let mut out = Vec::new();
    for _ in 0..1 + rng.below(most) {
        let n = rng.below(names.names.len());
        if !out.contains(&n) {
            out.push(n);
        }
    }
    Some(out)
}

fn atom(rng: &mut Rng) -> Atom {
    match rng.below(6) {
        0 => Atom::CountryIs(rng.pick(&COUNTRIES).to_string()),
        1 => {
            let a = rng.below(COUNTRIES.len());
            let b = (a + 1 + rng.below(COUNTRIES.len() - 1)) % COUNTRIES.len();
            Atom::CountryIn(vec![COUNTRIES[a].to_string(), COUNTRIES[b].to_string()])
        }
        2 => Atom::AmountOver(rng.below(100) as i64 * 1000),
        3 => Atom::AmountAtMost(rng.below(100) as i64 * 1000),
        4 => Atom::Verified,
        _ => Atom::NotVerified,
    }
}

impl Spec {
    /// A set of `rules` rules from `seed`.
    pub fn generate(rules: usize, seed: u64) -> Spec {
        let mut rng = Rng::new(seed);
        // a larger set is about more things, not more rules about the
        // same things: names grow with the rules
        let actions = hierarchy(&mut rng, "act", 12 + rules / 100);
        let actors = hierarchy(&mut rng, "who", 40 + rules / 10);
        let categories = hierarchy(&mut rng, "cat", 40 + rules / 10);
        // and rules about any action or any actor are house-wide rules, of
        // which a set has a few dozen however large it is
        let any = |percent: f64, most: f64| (percent / 100.0).min(most / rules.max(1) as f64);
        let (any_action, any_actor) = (any(2.0, 20.0), any(5.0, 50.0));
        let rules = (0..rules)
            .map(|_| {
                let (from, until) = match rng.below(6) {
                    0 => (Some(date(&mut rng)), None),
                    1 => (None, Some(date(&mut rng))),
                    2 => {
                        let a = date(&mut rng);
                        (Some(a), Some(a + chrono::Days::new(rng.below(900) as u64)))
                    }
                    _ => (None, None),
                };
                let where_ = if rng.chance(35) {
                    (0..1 + rng.below(2)).map(|_| atom(&mut rng)).collect()
                } else {
                    Vec::new()
                };
                let unless = if rng.chance(15) {
                    vec![atom(&mut rng)]
                } else {
                    Vec::new()
                };
                Rule {
                    allow: rng.chance(70),
                    actions: scope(&mut rng, &actions, 2, any_action),
                    actors: scope(&mut rng, &actors, 3, any_actor),
                    categories: scope(&mut rng, &categories, 2, 0.2),
                    from,
                    until,
                    where_,
                    unless,
                }
            })
            .collect();
        Spec {
            actions,
            actors,
            categories,
            rules,
            shape: Shape::Broad,
        }
    }

    /// A dense set of `rules` rules from `seed`: 16 actions, 8 actors and
    /// 16 categories, none above another, whatever the size. Each rule
    /// names one action, one actor or any (one in nine), and one category;
    /// 70% have `where country == "XX"` over 32 countries, half a window
    /// (a start, an end or both, in 2015-2030); 70% allow, default deny.
    /// About 50 rules share each (action, actor, category) cell at 100,000
    /// rules, so a query meets dozens of conditions and windows.
    pub fn dense(rules: usize, seed: u64) -> Spec {
        let mut rng = Rng::new(seed);
        let flat = |prefix: &str, count: usize| Names {
            names: (0..count).map(|i| format!("{prefix}{i}")).collect(),
            parents: vec![Vec::new(); count],
            leaves: (0..count).collect(),
        };
        let (actions, actors, categories) = (flat("act", 16), flat("who", 8), flat("cat", 16));
        let rules = (0..rules)
            .map(|_| {
                let actor = rng.below(9);
                let (from, until) = match rng.below(6) {
                    0 => (Some(dense_date(&mut rng)), None),
                    1 => (None, Some(dense_date(&mut rng))),
                    2 => {
                        let a = dense_date(&mut rng);
                        (Some(a), Some(a + chrono::Days::new(rng.below(1500) as u64)))
                    }
                    _ => (None, None),
                };
                let where_ = if rng.chance(70) {
                    vec![Atom::CountryIs(rng.pick(&DENSE_COUNTRIES).to_string())]
                } else {
                    Vec::new()
                };
                Rule {
                    allow: rng.chance(70),
                    actions: Some(vec![rng.below(16)]),
                    actors: (actor < 8).then(|| vec![actor]),
                    categories: Some(vec![rng.below(16)]),
                    from,
                    until,
                    where_,
                    unless: Vec::new(),
                }
            })
            .collect();
        Spec {
            actions,
            actors,
            categories,
            rules,
            shape: Shape::Dense,
        }
    }

    /// A query in the JSON form `edict eval --input` reads, on one line.
    pub fn json_line(&self, q: &Query) -> String {
        format!(
            r#"{{"action":"{}","actor":"{}","category":"{}","date":"{}","attributes":{{"country":"{}","amount":{},"verified":{}}}}}"#,
            self.actions.names[q.action],
            self.actors.names[q.actor],
            self.categories.names[q.category],
            q.date,
            q.country,
            q.amount,
            q.verified
        )
    }

    /// `count` queries from `seed`, on leaf names. Most are about what some
    /// rule is about (names below a random rule's scopes), as real queries
    /// are; the rest are about anything.
    pub fn queries(&self, count: usize, seed: u64) -> Vec<Query> {
        let mut rng = Rng::new(seed);
        let children = [&self.actions, &self.actors, &self.categories].map(children);
        let names = [&self.actions, &self.actors, &self.categories];
        (0..count)
            .map(|_| {
                let rule = (!self.rules.is_empty() && rng.chance(70))
                    .then(|| &self.rules[rng.below(self.rules.len())]);
                let mut pick = |kind: usize, scope: Option<&Option<Vec<usize>>>| {
                    match scope.and_then(|s| s.as_ref()) {
                        Some(ids) => {
                            // down from one of the scope's names to a leaf
                            let mut n = ids[rng.below(ids.len())];
                            while !children[kind][n].is_empty() {
                                n = children[kind][n][rng.below(children[kind][n].len())];
                            }
                            n
                        }
                        None => *rng.pick(&names[kind].leaves),
                    }
                };
                let action = pick(0, rule.map(|r| &r.actions));
                let actor = pick(1, rule.map(|r| &r.actors));
                let category = pick(2, rule.map(|r| &r.categories));
                let (date, country) = match self.shape {
                    Shape::Broad => (date(&mut rng), rng.pick(&COUNTRIES)),
                    Shape::Dense => (dense_date(&mut rng), rng.pick(&DENSE_COUNTRIES)),
                };
                Query {
                    action,
                    actor,
                    category,
                    date,
                    country: country.to_string(),
                    amount: rng.below(100_000) as i64,
                    verified: rng.chance(50),
                }
            })
            .collect()
    }
}

/// The names directly below each name.
fn children(names: &Names) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new(); names.names.len()];
    for (n, parents) in names.parents.iter().enumerate() {
        for &p in parents {
            out[p].push(n);
        }
    }
    out
}

/// Every name at or above `name`, as a mask over the kind's names.
pub fn above(names: &Names, name: usize) -> Vec<bool> {
    let mut seen = vec![false; names.names.len()];
    let mut stack = vec![name];
    seen[name] = true;
    while let Some(n) = stack.pop() {
        for &p in &names.parents[n] {
            if !std::mem::replace(&mut seen[p], true) {
                stack.push(p);
            }
        }
    }
    seen
}

impl Atom {
    pub fn holds(&self, q: &Query) -> bool {
        match self {
            Atom::CountryIs(c) => q.country == *c,
            Atom::CountryIn(cs) => cs.contains(&q.country),
            Atom::AmountOver(n) => q.amount > *n,
            Atom::AmountAtMost(n) => q.amount <= *n,
            Atom::Verified => q.verified,
            Atom::NotVerified => !q.verified,
        }
    }
}

impl Rule {
    /// Whether the rule applies to a query that gives every attribute;
    /// `above` holds the query's action, actor and category with every name
    /// above them (see [`above`]).
    pub fn applies(&self, above: &[Vec<bool>; 3], q: &Query) -> bool {
        let within = |scope: &Option<Vec<usize>>, above: &[bool]| {
            scope.as_ref().is_none_or(|s| s.iter().any(|&n| above[n]))
        };
        within(&self.actions, &above[0])
            && within(&self.actors, &above[1])
            && within(&self.categories, &above[2])
            && self.from.is_none_or(|d| q.date >= d)
            && self.until.is_none_or(|d| q.date <= d)
            && self.where_.iter().all(|a| a.holds(q))
            && (self.unless.is_empty() || !self.unless.iter().all(|a| a.holds(q)))
    }
}

impl Spec {
    /// The naive linear scan: every rule for every query, the hierarchy
    /// walked once a query. True is allow; the default is deny.
    pub fn decide_naive(&self, q: &Query) -> bool {
        let above = [
            above(&self.actions, q.action),
            above(&self.actors, q.actor),
            above(&self.categories, q.category),
        ];
        let mut allowed = false;
        for rule in &self.rules {
            if rule.applies(&above, q) {
                if !rule.allow {
                    return false;
                }
                allowed = true;
            }
        }
        allowed
    }
}
