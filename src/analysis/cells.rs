//! The names the analysis walks, and the decisions of one cell of names:
//! every interval of dates, and in each every combination of the classes
//! of the attributes the cell's rules read, decided by every set.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::atoms::{self, Atom};
use super::values::{self, Dim};
use super::{dates, tree, Sides, TooLarge};
use crate::eval::{in_scope, Truth};
use crate::model::{NameId, Policy, Query, QueryNames};
use crate::syntax::ast::Kind;
use crate::value::{Type, Value};

/// A name of one kind, as the analysis walks them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Named {
    Name(String),
    /// Any name that no set mentions (where every set's kind is open).
    Other,
    /// A query without a category.
    NoCategory,
}

pub const KINDS: [Kind; 3] = [Kind::Action, Kind::Actor, Kind::Category];

/// Every name of each kind that some set knows, then [`Named::Other`]
/// where every set's kind is open, and for categories [`Named::NoCategory`].
pub fn universe(sides: &Sides<'_>) -> [Vec<Named>; 3] {
    KINDS.map(|kind| {
        let mut out: Vec<Named> = Vec::new();
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for policy in sides.policies() {
            for name in &policy.vocabulary.names(kind).names {
                if seen.insert(name) {
                    out.push(Named::Name(name.clone()));
                }
            }
        }
        if sides.policies().all(|p| !p.vocabulary.names(kind).closed) {
            out.push(Named::Other);
        }
        if kind == Kind::Category {
            out.push(Named::NoCategory);
        }
        out
    })
}

/// A name as one set reads it: its id, or `None` with the text for a name
/// the set does not mention; the outer `None` when the set refuses it.
pub type Resolved = Option<(Option<NameId>, Option<String>)>;

pub fn resolve(policy: &Policy, kind: Kind, named: &Named) -> Resolved {
    let names = policy.vocabulary.names(kind);
    match named {
        Named::Name(n) => match names.get(n) {
            Some(id) => Some((Some(id), None)),
            None if !names.closed => Some((None, Some(n.clone()))),
            None => None,
        },
        Named::Other if !names.closed => Some((None, Some("any other".to_string()))),
        Named::Other => None,
        Named::NoCategory => Some((None, None)),
    }
}

/// A cell of names in one set: each resolved, the category `None` for a
/// query without one.
#[derive(Debug, Clone)]
pub struct Resolution {
    pub names: [(Option<NameId>, Option<String>); 3],
    pub no_category: bool,
}

pub fn resolve_cell(policy: &Policy, cell: &[Named; 3]) -> Option<Resolution> {
    let [a, r, c] = [0, 1, 2].map(|k| resolve(policy, KINDS[k], &cell[k]));
    Some(Resolution {
        names: [a?, r?, c?],
        no_category: cell[2] == Named::NoCategory,
    })
}

/// The rules of a set whose names may match the cell (through any
/// membership, held or not), in set order.
pub fn relevant(policy: &Policy, cell: &Resolution, candidates: &[usize]) -> Vec<usize> {
    let above = |k: usize| {
        cell.names[k].0.map(|id| {
            policy
                .vocabulary
                .names(KINDS[k])
                .ancestors_maybe(id)
                .into_iter()
                .map(Truth::from)
                .collect::<Vec<_>>()
        })
    };
    let [actions, actors, categories] = [0, 1, 2].map(above);
    candidates
        .iter()
        .copied()
        .filter(|&r| {
            let rule = &policy.rules[r];
            let category = match (&rule.categories, cell.no_category) {
                (None, _) => true,
                (Some(_), true) => true,
                (scope, false) => in_scope(scope, &categories) != Truth::False,
            };
            category
                && in_scope(&rule.actions, &actions) != Truth::False
                && in_scope(&rule.actors, &actors) != Truth::False
        })
        .collect()
}

/// One interval of a cell, decided.
#[derive(Debug, Clone)]
pub struct Decided {
    pub from: NaiveDate,
    pub until: NaiveDate,
    /// The date its points were decided on (see [`representative`]).
    pub date: NaiveDate,
    pub dims: Vec<Dim>,
    /// Its regions, each with the outcome in every set.
    pub leaves: Vec<tree::Leaf>,
}

/// Decides a cell: for each set, its resolution and its relevant rules;
/// `given` are attributes every query of the cell gives (a timeline's).
/// With a `focus` (a diff's), an interval where no changed rule holds is
/// left out, and so is every region where none applies. With a date `on`,
/// only that day is decided, as an interval of one day.
/// Beside the intervals, the atoms split on samples rather than exactly.
pub fn decide_cell(
    sides: &Sides<'_>,
    cell: &[Resolution],
    rules: &[Vec<usize>],
    given: &[(String, Value)],
    focus: Option<&tree::Focus>,
    on: Option<NaiveDate>,
) -> Result<(Vec<Decided>, Vec<String>), TooLarge> {
    let mut timed: Vec<Timed<'_>> = Vec::new();
    for (side, policy) in sides.policies().enumerate() {
        timed.extend(timed_atoms(policy, &rules[side], side));
    }
    let atoms: Vec<Atom<'_>> = timed.iter().map(|t| t.atom).collect();
    let pairs: Vec<(&Policy, &[usize])> = sides
        .policies()
        .zip(rules)
        .map(|(p, r)| (p, r.as_slice()))
        .collect();
    let givens: Vec<Vec<Option<Value>>> = sides
        .policies()
        .map(|p| {
            let mut by_index = vec![None; p.vocabulary.attributes.len()];
            for (name, value) in given {
                if let Some(i) = p.vocabulary.attribute(name) {
                    by_index[i] = Some(value.clone());
                }
            }
            by_index
        })
        .collect();
    let (starts, mut sampled) = dates::starts(&pairs, &atoms, &givens);
    // classes that do not depend on the date, by attribute and the atoms
    // that read it
    let mut kept: HashMap<(String, Type, Vec<usize>), Dim> = HashMap::new();
    let mut out = Vec::new();
    let intervals = match on {
        None => dates::intervals(&starts),
        Some(day) => vec![(day, day)],
    };
    for (from, until) in intervals {
        let date = representative(from, until);
        let holding: Vec<Vec<usize>> = sides
            .policies()
            .zip(rules)
            .map(|(p, rules)| {
                rules
                    .iter()
                    .copied()
                    .filter(|&r| {
                        let rule = &p.rules[r];
                        rule.from.is_none_or(|b| b.date <= date)
                            && rule.until.is_none_or(|b| date <= b.date)
                    })
                    .collect()
            })
            .collect();
        let unchanged = |f: &tree::Focus| {
            holding
                .iter()
                .enumerate()
                .all(|(side, rules)| rules.iter().all(|&r| !f.changed[side][r]))
        };
        if focus.is_some_and(unchanged) {
            continue;
        }
        // only the atoms of rules and memberships whose windows hold here
        let active: Vec<usize> = (0..timed.len())
            .filter(|&i| timed[i].holds_on(date))
            .collect();
        let here: Vec<Atom<'_>> = active.iter().map(|&i| atoms[i]).collect();
        let mut dims = Vec::new();
        for (name, ty) in read_attributes(sides, &here, given) {
            let reading: Vec<usize> = active
                .iter()
                .copied()
                .filter(|&i| reads_attribute(sides, &atoms[i], &name))
                .collect();
            let by_date = reading.iter().any(|&i| atoms[i].expr.reads_date());
            let key = (name, ty, reading);
            let dim = match kept.get(&key) {
                Some(dim) if !by_date => dim.clone(),
                _ => {
                    let read: Vec<Atom<'_>> = key.2.iter().map(|&i| atoms[i]).collect();
                    let dim = values::classes(sides, &key.0, ty, &read, &givens, date);
                    if !by_date {
                        kept.insert(key, dim.clone());
                    }
                    dim
                }
            };
            dims.push(dim);
        }
        for text in dims.iter().flat_map(|d| &d.sampled) {
            if !sampled.contains(text) {
                sampled.push(text.clone());
            }
        }
        let space = tree::Space {
            sides,
            cell,
            date,
            dims: &dims,
            given,
            givens: &givens,
            rules: &holding,
            focus,
        };
        let leaves = tree::leaves(&space)?;
        out.push(Decided {
            from,
            until,
            date,
            dims,
            leaves,
        });
    }
    Ok((out, sampled))
}

/// An atom, and the window of the rule or membership it belongs to.
#[derive(Debug, Clone, Copy)]
struct Timed<'p> {
    atom: Atom<'p>,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
}

impl Timed<'_> {
    fn holds_on(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= date) && self.until.is_none_or(|u| date <= u)
    }
}

/// The atoms of the given rules and of every conditional membership, each
/// with its window.
fn timed_atoms<'p>(policy: &'p Policy, rules: &[usize], side: usize) -> Vec<Timed<'p>> {
    let mut out = Vec::new();
    let mut add = |e: &'p crate::model::Expr, from, until| {
        let mut leaves = Vec::new();
        atoms::leaves(e, side, &mut leaves);
        out.extend(leaves.into_iter().map(|atom| Timed { atom, from, until }));
    };
    for &r in rules {
        let rule = &policy.rules[r];
        for e in [&rule.where_, &rule.unless].into_iter().flatten() {
            add(e, rule.from.map(|b| b.date), rule.until.map(|b| b.date));
        }
    }
    for m in &policy.vocabulary.memberships {
        if let Some(c) = &m.condition {
            add(c, m.from, m.until);
        }
    }
    out
}

fn reads_attribute(sides: &Sides<'_>, atom: &Atom<'_>, name: &str) -> bool {
    let vocab = &sides.policy(atom.side).vocabulary;
    let mut read = Vec::new();
    atom.expr.attributes(&mut read);
    read.iter().any(|&a| vocab.attributes[a].name == name)
}

/// The date an interval is decided on, and its witnesses given: its first
/// day, or its last when it runs from the beginning of time, or 2000-01-01
/// for all of time. Every day of an interval decides alike; the choice
/// only keeps witnesses readable.
pub fn representative(from: NaiveDate, until: NaiveDate) -> NaiveDate {
    let usual = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a date");
    match (from == super::FIRST, until == super::LAST) {
        (false, _) => from,
        (true, false) => until,
        (true, true) => usual,
    }
}

/// The attributes the atoms read, by name and type, in order of first
/// use; those `given` left out.
fn read_attributes(
    sides: &Sides<'_>,
    atoms: &[Atom<'_>],
    given: &[(String, Value)],
) -> Vec<(String, Type)> {
    let mut out: Vec<(String, Type)> = Vec::new();
    for atom in atoms {
        let vocab = &sides.policy(atom.side).vocabulary;
        let mut read = Vec::new();
        atom.expr.attributes(&mut read);
        for a in read {
            let attribute = &vocab.attributes[a];
            let key = (attribute.name.clone(), attribute.ty);
            if !out.contains(&key) && !given.iter().any(|(n, _)| *n == attribute.name) {
                out.push(key);
            }
        }
    }
    out
}

/// The query of one set for a combination of classes.
pub fn query(
    policy: &Policy,
    side: usize,
    cell: &Resolution,
    date: NaiveDate,
    dims: &[Dim],
    classes: &[usize],
    given: &[(String, Value)],
) -> Query {
    let mut attributes = vec![None; policy.vocabulary.attributes.len()];
    for (dim, &class) in dims.iter().zip(classes) {
        if let Some(i) = dim.index[side] {
            attributes[i] = dim.classes[class].value.clone();
        }
    }
    for (name, value) in given {
        if let Some(i) = policy.vocabulary.attribute(name) {
            attributes[i] = Some(value.clone());
        }
    }
    let [(action, a), (actor, r), (category, c)] = cell.names.clone();
    Query {
        action,
        actor,
        category: if cell.no_category {
            None
        } else {
            Some(category)
        },
        date,
        attributes,
        strangers: QueryNames {
            action: a,
            actor: r,
            category: c,
        },
    }
}
