//! regorus as the benchmark runs it: one generic Rego policy, the same for
//! every set, that reads the rules as data; a query given as the input.
//!
//! The data is laid out as a Rego author would lay it out for speed: the
//! rules are indexed by action and by actor (`"*"` standing for any), and
//! every name's names at or above it are worked out when the set is loaded,
//! so that a decision looks up only the index entries of the names at or
//! above its action and actor and checks only the rules found there, not
//! every rule of the set. A rule's condition and exception, conjunctions of
//! atoms, are given as the values they admit.
//!
//! A second layout, [`Layout::ByAction`] (the engine `rego-action` in the
//! benchmark), indexes the rules by action only and checks each rule's
//! actors in the policy: simpler data, but every rule under the query's
//! action and the actions above it is looked at, thousands on a large set.
//! It is there to show how much regorus's speed depends on how the data is
//! laid out; edict is compared with the faster layout.
//!
//! A third, [`Layout::ByCell`] (`rego-cell`), goes further, as an author
//! would for a dense set (a few names, thousands of rules on each): the
//! rules are indexed by action, actor, category and the country their
//! condition admits, so that a decision checks only the rules of its own
//! cells. It is the fastest layout on dense sets, and the one edict is
//! compared with there.
//!
//! The policy runs on regorus's bytecode VM (RVM), compiled when the set is
//! loaded: on these sets it decides about three times as fast as regorus's
//! interpreter given the same policy and data.

use std::collections::{BTreeMap, BTreeSet};

use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::RegoVM;
use regorus::{Engine, Value};

use crate::spec::{Atom, Names, Query, Rule, Spec};

/// The start of both policies: the package and `allow`.
macro_rules! head {
    () => {
        r#"package edict

import rego.v1

default allow := false

# Allowed when a rule that applies allows and none denies.
allow if {
	true in effects
	not false in effects
}
"#
    };
}

/// The end of both policies: the input's names and what a condition admits.
macro_rules! tail {
    () => {
        r#"
actions := data.above.actions[input.action]

actors := data.above.actors[input.actor]

categories := data.above.categories[input.category]

countries := [input.country, "*"]

meets(condition) if {
	some country in countries
	condition.countries[country]
	input.amount > condition.over
	input.amount <= condition.at_most
	input.verified in condition.verified
}
"#
    };
}

/// The policy.
///
/// * `data.above.actions[name]` and `data.above.actors[name]` list the names
///   at or above `name`, and `"*"`;
/// * `data.above.categories[name]` is an object whose keys are the names at
///   or above `name`, and `"*"`;
/// * `data.index[a][b]` lists the rules whose actions include `a` and whose
///   actors include `b`, with `"*"` for a rule about any action or any actor;
/// * a rule is `{"allow": .., "categories": [..], "from": .., "until": ..,
///   "where": .., "unless": ..}`: its categories are names, or `["*"]` for
///   any; `from` and `until` are inclusive ISO dates (which order as text),
///   `""` and `"9999-12-31"` when open; `where` is a condition, and `unless`
///   a condition or null (no exception);
/// * a condition, a conjunction of atoms, is given as the values it admits:
///   `{"countries": {..}, "over": n, "at_most": n, "verified": [..]}`, the
///   countries an object whose keys are the countries admitted (`"*"` for
///   any), the amounts admitted those above `over` and up to `at_most`, and
///   `verified` the values of `verified` admitted.
pub const POLICY: &str = concat!(
    head!(),
    r#"
# The effects of the rules that apply: only the rules listed under the
# input's action and actor, or a name above them, are looked at.
effects contains rule.allow if {
	some a in actions
	by_actor := data.index[a]
	some b in actors
	some rule in by_actor[b]
	some category in rule.categories
	categories[category]
	input.date >= rule.from
	input.date <= rule.until
	meets(rule.where)
	not meets(rule.unless)
}
"#,
    tail!()
);

/// The policy of [`Layout::ByAction`]: as [`POLICY`], but `data.index[a]`
/// lists the rules whose actions include `a`, each with its `actors` (names,
/// or `["*"]`), and `data.above.actors[name]` is an object like
/// `data.above.categories[name]`.
pub const POLICY_BY_ACTION: &str = concat!(
    head!(),
    r#"
# The effects of the rules that apply: the rules listed under the input's
# action, or a name above it, whose actors cover the input's actor.
effects contains rule.allow if {
	some a in actions
	some rule in data.index[a]
	some actor in rule.actors
	actors[actor]
	some category in rule.categories
	categories[category]
	input.date >= rule.from
	input.date <= rule.until
	meets(rule.where)
	not meets(rule.unless)
}
"#,
    tail!()
);

/// The policy of [`Layout::ByCell`]: as [`POLICY`], but `data.index[a][b]`
/// is an object of category keys, each an object of country keys (`"*"`
/// for a rule whose condition admits any country) listing the rules filed
/// there.
pub const POLICY_BY_CELL: &str = concat!(
    head!(),
    r#"
# The effects of the rules that apply: only the rules filed under the
# input's names (or names above them) and its country (or any) are looked at.
effects contains rule.allow if {
	some a in actions
	by_actor := data.index[a]
	some b in actors
	by_category := by_actor[b]
	some c, _ in categories
	by_country := by_category[c]
	some k in countries
	some rule in by_country[k]
	input.date >= rule.from
	input.date <= rule.until
	meets(rule.where)
	not meets(rule.unless)
}
"#,
    tail!()
);

/// How the rules are laid out as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// By action, then by actor: [`POLICY`].
    ByActionAndActor,
    /// By action only: [`POLICY_BY_ACTION`].
    ByAction,
    /// By action, actor, category and country: [`POLICY_BY_CELL`].
    ByCell,
}

/// The rule evaluated for a decision.
const ALLOW: &str = "data.edict.allow";

/// The key that stands for any name (or any country).
const ANY: &str = "*";

/// The set loaded into regorus.
pub struct Rego {
    vm: RegoVM,
    /// The text of every name, by kind, in the order of the spec's names.
    actions: Vec<Value>,
    actors: Vec<Value>,
    categories: Vec<Value>,
    /// The input's keys, made once.
    keys: [Value; 7],
}

fn text(s: &str) -> Value {
    Value::from(s)
}

fn object(entries: impl IntoIterator<Item = (Value, Value)>) -> Value {
    Value::from(entries.into_iter().collect::<BTreeMap<Value, Value>>())
}

/// The set as the policy's data (see [`POLICY`] and [`POLICY_BY_ACTION`]),
/// given the text of every name by kind.
pub fn data(spec: &Spec, names: &[Vec<Value>; 3], layout: Layout) -> Value {
    let keys = |scope: &Option<Vec<usize>>, names: &[Value]| -> Vec<Value> {
        match scope {
            None => vec![text(ANY)],
            Some(s) => s.iter().map(|&n| names[n].clone()).collect(),
        }
    };
    let index = match layout {
        Layout::ByActionAndActor => {
            // action key -> actor key -> rules
            let mut index: BTreeMap<Value, BTreeMap<Value, Vec<Value>>> = BTreeMap::new();
            for rule in &spec.rules {
                let value = rule_data(rule, names, None);
                for a in keys(&rule.actions, &names[0]) {
                    let by_actor = index.entry(a).or_default();
                    for b in keys(&rule.actors, &names[1]) {
                        // a rule's names are distinct, so it is listed once a pair
                        by_actor.entry(b).or_default().push(value.clone());
                    }
                }
            }
            object(index.into_iter().map(|(a, by_actor)| {
                let by_actor = by_actor
                    .into_iter()
                    .map(|(b, rules)| (b, Value::from(rules)));
                (a, object(by_actor))
            }))
        }
        Layout::ByCell => {
            // action key -> actor key -> category key -> country key -> rules
            type Cells = BTreeMap<Value, BTreeMap<Value, Vec<Value>>>;
            let mut index: BTreeMap<Value, BTreeMap<Value, Cells>> = BTreeMap::new();
            for rule in &spec.rules {
                let value = rule_data(rule, names, None);
                let countries: Vec<Value> = match admitted(&rule.where_) {
                    None => vec![text(ANY)],
                    Some(set) => set.into_iter().map(text).collect(),
                };
                for a in keys(&rule.actions, &names[0]) {
                    for b in keys(&rule.actors, &names[1]) {
                        for c in keys(&rule.categories, &names[2]) {
                            let cell = index
                                .entry(a.clone())
                                .or_default()
                                .entry(b.clone())
                                .or_default()
                                .entry(c)
                                .or_default();
                            for k in &countries {
                                cell.entry(k.clone()).or_default().push(value.clone());
                            }
                        }
                    }
                }
            }
            object(index.into_iter().map(|(a, by_actor)| {
                let by_actor = by_actor.into_iter().map(|(b, by_category)| {
                    let by_category = by_category.into_iter().map(|(c, by_country)| {
                        let by_country = by_country
                            .into_iter()
                            .map(|(k, rules)| (k, Value::from(rules)));
                        (c, object(by_country))
                    });
                    (b, object(by_category))
                });
                (a, object(by_actor))
            }))
        }
        Layout::ByAction => {
            // action key -> rules, each with its actors
            let mut index: BTreeMap<Value, Vec<Value>> = BTreeMap::new();
            for rule in &spec.rules {
                let value = rule_data(rule, names, Some(keys(&rule.actors, &names[1])));
                for a in keys(&rule.actions, &names[0]) {
                    index.entry(a).or_default().push(value.clone());
                }
            }
            object(index.into_iter().map(|(a, rules)| (a, Value::from(rules))))
        }
    };
    let list = |list: Vec<Value>| Value::from(list);
    let set = |list: Vec<Value>| object(list.into_iter().map(|n| (n, Value::from(true))));
    let actors = match layout {
        Layout::ByActionAndActor | Layout::ByCell => above(&spec.actors, &names[1], list),
        Layout::ByAction => above(&spec.actors, &names[1], set),
    };
    object([
        (text("index"), index),
        (
            text("above"),
            object([
                (text("actions"), above(&spec.actions, &names[0], list)),
                (text("actors"), actors),
                (text("categories"), above(&spec.categories, &names[2], set)),
            ]),
        ),
    ])
}

/// A rule as data; with its `actors` when they are given.
fn rule_data(rule: &Rule, names: &[Vec<Value>; 3], actors: Option<Vec<Value>>) -> Value {
    let categories = match &rule.categories {
        None => vec![text(ANY)],
        Some(s) => s.iter().map(|&n| names[2][n].clone()).collect(),
    };
    let date = |d: Option<chrono::NaiveDate>, open: &str| {
        d.map_or_else(|| text(open), |d| Value::from(d.to_string()))
    };
    let unless = if rule.unless.is_empty() {
        Value::Null
    } else {
        condition(&rule.unless)
    };
    let mut fields = vec![
        (text("allow"), Value::from(rule.allow)),
        (text("categories"), Value::from(categories)),
        (text("from"), date(rule.from, "")),
        (text("until"), date(rule.until, "9999-12-31")),
        (text("where"), condition(&rule.where_)),
        (text("unless"), unless),
    ];
    if let Some(actors) = actors {
        fields.push((text("actors"), Value::from(actors)));
    }
    object(fields)
}

/// A conjunction of atoms as the values it admits (see [`POLICY`]). With
/// no lower bound on the amount, `over` is `i64::MIN`, which no amount in a
/// query is.
fn condition(atoms: &[Atom]) -> Value {
    let (mut over, mut at_most) = (i64::MIN, i64::MAX);
    let mut verified = vec![false, true];
    for atom in atoms {
        match atom {
            Atom::CountryIs(_) | Atom::CountryIn(_) => {}
            Atom::AmountOver(n) => {
                over = over.max(*n);
                continue;
            }
            Atom::AmountAtMost(n) => {
                at_most = at_most.min(*n);
                continue;
            }
            Atom::Verified => {
                verified.retain(|&v| v);
                continue;
            }
            Atom::NotVerified => {
                verified.retain(|&v| !v);
                continue;
            }
        };
    }
    let countries = admitted(atoms).unwrap_or_else(|| BTreeSet::from([ANY]));
    object([
        (
            text("countries"),
            object(countries.into_iter().map(|c| (text(c), Value::from(true)))),
        ),
        (text("over"), Value::from(over)),
        (text("at_most"), Value::from(at_most)),
        (
            text("verified"),
            Value::from(verified.into_iter().map(Value::from).collect::<Vec<_>>()),
        ),
    ])
}

/// The countries a conjunction of atoms admits; `None` for any.
fn admitted(atoms: &[Atom]) -> Option<BTreeSet<&str>> {
    let mut countries: Option<BTreeSet<&str>> = None;
    for atom in atoms {
        let admitted: BTreeSet<&str> = match atom {
            Atom::CountryIs(c) => BTreeSet::from([c.as_str()]),
            Atom::CountryIn(cs) => cs.iter().map(String::as_str).collect(),
            _ => continue,
        };
        countries = Some(match countries {
            None => admitted,
            Some(before) => before.intersection(&admitted).copied().collect(),
        });
    }
    countries
}

/// For every name, the names at or above it, and `"*"`, made into a value
/// by `make`.
fn above(names: &Names, texts: &[Value], make: impl Fn(Vec<Value>) -> Value) -> Value {
    // ancestors[i]: the names at or above name i, worked out once a name
    fn walk(names: &Names, i: usize, ancestors: &mut [Option<Vec<usize>>]) -> Vec<usize> {
        if let Some(known) = &ancestors[i] {
            return known.clone();
        }
        let mut out = vec![i];
        for &p in &names.parents[i] {
            out.extend(walk(names, p, ancestors));
        }
        out.sort_unstable();
        out.dedup();
        ancestors[i] = Some(out.clone());
        out
    }
    let mut ancestors = vec![None; names.names.len()];
    object((0..names.names.len()).map(|i| {
        let mut list: Vec<Value> = walk(names, i, &mut ancestors)
            .into_iter()
            .map(|j| texts[j].clone())
            .collect();
        list.push(text(ANY));
        (texts[i].clone(), make(list))
    }))
}

fn texts(names: &Names) -> Vec<Value> {
    names.names.iter().map(|n| text(n)).collect()
}

impl Rego {
    /// Loads the set as data and compiles the policy for the VM.
    pub fn load(spec: &Spec, layout: Layout) -> Rego {
        let names = [
            texts(&spec.actions),
            texts(&spec.actors),
            texts(&spec.categories),
        ];
        let data = data(spec, &names, layout);
        let policy = match layout {
            Layout::ByActionAndActor => POLICY,
            Layout::ByAction => POLICY_BY_ACTION,
            Layout::ByCell => POLICY_BY_CELL,
        };
        let mut engine = Engine::new();
        engine
            .add_policy("edict.rego".to_string(), policy.to_string())
            .unwrap_or_else(|e| panic!("the Rego policy does not load: {e}"));
        let compiled = engine
            .compile_with_entrypoint(&regorus::Rc::from(ALLOW))
            .unwrap_or_else(|e| panic!("the Rego policy does not compile: {e}"));
        let program = Compiler::compile_from_policy(&compiled, &[ALLOW])
            .unwrap_or_else(|e| panic!("the Rego policy does not compile for the VM: {e}"));
        let mut vm = RegoVM::new_with_policy(compiled);
        vm.load_program(program);
        // a large set may take many instructions a decision
        vm.set_max_instructions(usize::MAX);
        vm.set_data(data)
            .unwrap_or_else(|e| panic!("the Rego data does not load: {e}"));
        let [actions, actors, categories] = names;
        let keys = [
            "action", "actor", "category", "date", "country", "amount", "verified",
        ]
        .map(text);
        Rego {
            vm,
            actions,
            actors,
            categories,
            keys,
        }
    }

    /// Sets the query as the input and evaluates `allow`. True is allow.
    pub fn decide(&mut self, q: &Query) -> bool {
        let values = [
            self.actions[q.action].clone(),
            self.actors[q.actor].clone(),
            self.categories[q.category].clone(),
            Value::from(q.date.to_string()),
            text(&q.country),
            Value::from(q.amount),
            Value::from(q.verified),
        ];
        self.vm
            .set_input(object(self.keys.iter().cloned().zip(values)));
        match self.vm.execute() {
            Ok(Value::Bool(allow)) => allow,
            Ok(other) => panic!("`allow` is not a bool: {other}"),
            Err(e) => panic!("the Rego policy fails: {e}"),
        }
    }
}
