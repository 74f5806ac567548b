//! `edict who-may`: for a query with holes (`sale by ? to category
//! state_owned on 2021-04-01`), every name, date and value the holes may
//! take, split into the regions where the set allows and where it denies,
//! each with its deciding rules and a witness.
//!
//! The holes are walked as a diff walks its cells: every name of a kind
//! the query leaves open (and a name the set does not mention, where the
//! kind is open), every interval of dates when the date is open, and the
//! classes of every attribute the query does not give. Regions are then
//! made as general as stays exact ([`super::regions`]).

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::cells::{self, Named, Resolution, KINDS};
use super::cover::{self, Constraint};
use super::diff::Witness;
use super::names::{ByAction, ByName, Family};
use super::regions::{self, Label, Region};
use super::{Outcome, Sides, TooLarge, FIRST, LAST};
use crate::model::OpenQuery;
use crate::syntax::ast::{Effect, Kind};
use crate::PolicySet;

/// The most cells of names one question walks.
pub const MOST_CELLS: usize = 1 << 20;

/// A region of the question's queries and its decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// A name the query gives stands for itself; a hole's names are made
    /// as general as stays exact.
    pub names: [Label; 3],
    /// First and last date, inclusive; `None` for unbounded. Both the
    /// query's date when it gives one.
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub constraint: Constraint,
    pub outcome: Outcome,
    pub witness: Witness,
}

impl Region for Part {
    type Outcome = Outcome;
    fn names(&self) -> &[Label; 3] {
        &self.names
    }
    fn names_mut(&mut self) -> &mut [Label; 3] {
        &mut self.names
    }
    fn dates(&self) -> (Option<NaiveDate>, Option<NaiveDate>) {
        (self.from, self.until)
    }
    fn set_until(&mut self, until: Option<NaiveDate>) {
        self.until = until;
    }
    fn constraint(&self) -> &Constraint {
        &self.constraint
    }
    fn outcome(&self) -> Outcome {
        self.outcome.clone()
    }
}

/// The answer: the regions allowed, then those denied, each most general
/// first.
#[derive(Debug, Clone, Default)]
pub struct WhoMay {
    pub allow: Vec<Part>,
    pub deny: Vec<Part>,
    /// The query gave no category, so only queries without one were
    /// answered.
    pub without_category: bool,
    /// Atoms split on sample values rather than exactly: empty when the
    /// answer is proven exact.
    pub sampled: Vec<String>,
}

/// Answers a checked query with holes.
pub fn who_may(set: &PolicySet, query: &OpenQuery) -> Result<WhoMay, TooLarge> {
    who_may_where(set, query, &|_, _, _| true)
}

/// Whether a region of one cell, one interval and some classes fixed
/// (see [`super::tree::Leaf`]) is kept in an answer.
pub type Keep<'a> = dyn Fn(&Resolution, &cells::Decided, &[Option<usize>]) -> bool + 'a;

/// [`who_may`], answering only with the regions that `keep` keeps (those
/// no test touches, for `test --coverage --regions`).
pub fn who_may_where(
    set: &PolicySet,
    query: &OpenQuery,
    keep: &Keep<'_>,
) -> Result<WhoMay, TooLarge> {
    let sets = [set];
    let sides = Sides { sets: &sets };
    let policy = set.policy();
    let universe = cells::universe(&sides);
    let choices = choices(query, &universe);
    let total: usize = choices.iter().map(Vec::len).product();
    if total > MOST_CELLS {
        return Err(TooLarge(format!(
            "the holes take {total} combinations of an action, an actor and a category; the most is {MOST_CELLS}: give one of them"
        )));
    }
    let by_action = ByAction::new(policy);
    let mut candidates: HashMap<&Named, Vec<usize>> = HashMap::new();
    let mut raw: Vec<Part> = Vec::new();
    let mut sampled: Vec<String> = Vec::new();
    for action in &choices[0] {
        let candidates = candidates
            .entry(action)
            .or_insert_with(|| by_action.candidates(policy, action));
        // an actor hole walks every actor: file the action's rules by actor
        let by_actor = ByName::of(policy, Kind::Actor, candidates.iter().copied());
        for actor in &choices[1] {
            let candidates = by_actor.candidates(policy, actor);
            for category in &choices[2] {
                let cell = [action.clone(), actor.clone(), category.clone()];
                let Some(resolved) = cells::resolve_cell(policy, &cell) else {
                    continue;
                };
                let rules = vec![cells::relevant(policy, &resolved, &candidates)];
                let (decided, cell_sampled) = cells::decide_cell(
                    &sides,
                    std::slice::from_ref(&resolved),
                    &rules,
                    &query.attributes,
                    None,
                    query.date,
                )?;
                for text in cell_sampled {
                    if !sampled.contains(&text) {
                        sampled.push(text);
                    }
                }
                raw.extend(parts_of(&cell, &decided, query, |d, leaf| {
                    keep(&resolved, d, leaf)
                }));
            }
        }
    }
    let family = Family::new(&sides);
    let open = [
        query.action.is_none(),
        query.actor.is_none(),
        query.category.is_none(),
    ];
    let mut parts = regions::generalize(regions::join_dates(raw), &family, &universe, open);
    let fresh = regions::fresh_names(&universe);
    for p in &mut parts {
        for (name, fresh) in p.witness.names.iter_mut().zip(&fresh) {
            if *name == Named::Other {
                *name = Named::Name(fresh.clone());
            }
        }
    }
    // the most general names first, then in the order generalize left
    let breadth = |p: &Part| -> usize {
        (0..3)
            .map(|k| match &p.names[k] {
                Label::Any | Label::AnyOrNone => universe[k].len(),
                Label::Name(n) if open[k] => family.below(KINDS[k], n).len(),
                _ => 1,
            })
            .product()
    };
    parts.sort_by_key(|p| Reverse(breadth(p)));
    let (allow, deny) = parts
        .into_iter()
        .partition(|p| p.outcome.effect == Effect::Allow);
    Ok(WhoMay {
        allow,
        deny,
        without_category: query.category == Some(None)
            && !policy.vocabulary.names(Kind::Category).names.is_empty(),
        sampled,
    })
}

/// The names each kind takes: the query's own, or every name for a hole.
fn choices(query: &OpenQuery, universe: &[Vec<Named>; 3]) -> [Vec<Named>; 3] {
    let given = |name: &Option<String>, k: usize| match name {
        Some(n) => vec![Named::Name(n.clone())],
        None => universe[k].clone(),
    };
    [
        given(&query.action, 0),
        given(&query.actor, 1),
        match &query.category {
            None => universe[2].clone(),
            Some(None) => vec![Named::NoCategory],
            Some(Some(n)) => vec![Named::Name(n.clone())],
        },
    ]
}

/// The regions of one cell, interval by interval, by outcome.
fn parts_of(
    cell: &[Named; 3],
    decided: &[cells::Decided],
    query: &OpenQuery,
    keep: impl Fn(&cells::Decided, &[Option<usize>]) -> bool,
) -> Vec<Part> {
    let mut out = Vec::new();
    for interval in decided {
        let mut by_outcome: BTreeMap<&Outcome, Vec<cover::Rect>> = BTreeMap::new();
        for (leaf, outcomes) in &interval.leaves {
            if !keep(interval, leaf) {
                continue;
            }
            by_outcome
                .entry(&outcomes[0])
                .or_default()
                .push(cover::rect(leaf, &interval.dims));
        }
        for (outcome, rects) in by_outcome {
            for rect in cover::merge(rects, &interval.dims) {
                let (constraint, _) = cover::describe(&rect, &interval.dims);
                let mut attributes: Vec<_> = interval
                    .dims
                    .iter()
                    .zip(&rect)
                    .filter_map(|(dim, set)| {
                        let class = &dim.classes[*set.first().expect("a class")];
                        Some((dim.name.clone(), class.value.clone()?))
                    })
                    .collect();
                attributes.extend(query.attributes.iter().cloned());
                out.push(Part {
                    names: [0, 1, 2].map(|k| Label::of(&cell[k])),
                    from: Some(interval.from).filter(|d| *d != FIRST),
                    until: Some(interval.until).filter(|d| *d != LAST),
                    constraint,
                    outcome: outcome.clone(),
                    witness: Witness {
                        names: cell.clone(),
                        date: interval.date,
                        attributes,
                    },
                });
            }
        }
    }
    out
}
