//! `edict timeline`: a query's decision over all of time, as consecutive
//! intervals of dates, each with its decision and deciding rules.
//!
//! The query gives names and perhaps attributes, but no date. Where the
//! rules read attributes it does not give, its own decision is the one
//! with them missing (fail closed, as `eval` decides it), and each interval
//! also says which values of them would decide otherwise, as regions.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::cells::{self, Resolution};
use super::cover::{self, Constraint};
use super::{Outcome, Sides, TooLarge, FIRST, LAST};
use crate::model::Query;
use crate::PolicySet;

/// One interval of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// First and last date, inclusive; `None` for unbounded.
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    /// The query's decision, as it is given.
    pub outcome: Outcome,
    /// Other decisions, for values of attributes the query does not give.
    pub otherwise: Vec<(Constraint, Outcome)>,
}

#[derive(Debug, Clone, Default)]
pub struct Timeline {
    pub entries: Vec<Entry>,
    /// Attributes the query does not give whose values would change a
    /// decision somewhere on the timeline.
    pub depends_on: Vec<String>,
    /// Atoms split on sample values rather than exactly.
    pub sampled: Vec<String>,
}

/// The timeline of a checked query (its date is not read).
pub fn timeline(set: &PolicySet, query: &Query) -> Result<Timeline, TooLarge> {
    let sets = [set];
    let sides = Sides { sets: &sets };
    let policy = set.policy();
    let given: Vec<(String, crate::value::Value)> = query
        .attributes
        .iter()
        .enumerate()
        .filter_map(|(i, v)| Some((policy.vocabulary.attributes[i].name.clone(), v.clone()?)))
        .collect();
    let s = &query.strangers;
    let cell = Resolution {
        names: [
            (query.action, s.action.clone()),
            (query.actor, s.actor.clone()),
            (query.category.flatten(), s.category.clone()),
        ],
        no_category: query.category.is_none(),
    };
    let all: Vec<usize> = (0..policy.rules.len()).collect();
    let rules = vec![cells::relevant(policy, &cell, &all)];
    let (decided, sampled) = cells::decide_cell(&sides, &[cell], &rules, &given, None, None)?;
    let mut entries: Vec<Entry> = Vec::new();
    let mut depends_on = BTreeSet::new();
    for interval in decided {
        // the leaf with every attribute missing: the query itself
        let outcome = interval
            .leaves
            .iter()
            .find(|(leaf, _)| leaf.iter().all(|c| c.is_none_or(|c| c == 0)))
            .expect("the leaves hold every query")
            .1[0]
            .clone();
        let mut by_outcome: BTreeMap<&Outcome, Vec<cover::Rect>> = BTreeMap::new();
        for (leaf, outcomes) in &interval.leaves {
            if outcomes[0] != outcome {
                by_outcome
                    .entry(&outcomes[0])
                    .or_default()
                    .push(cover::rect(leaf, &interval.dims));
            }
        }
        let mut otherwise = Vec::new();
        for (other, rects) in by_outcome {
            for rect in cover::merge(rects, &interval.dims) {
                let (constraint, _) = cover::describe(&rect, &interval.dims);
                for (dim, set) in interval.dims.iter().zip(&rect) {
                    if set.len() < dim.classes.len() {
                        depends_on.insert(dim.name.clone());
                    }
                }
                otherwise.push((constraint, other.clone()));
            }
        }
        let entry = Entry {
            from: Some(interval.from).filter(|d| *d != FIRST),
            until: Some(interval.until).filter(|d| *d != LAST),
            outcome,
            otherwise,
        };
        match entries.last_mut() {
            Some(last) if last.outcome == entry.outcome && last.otherwise == entry.otherwise => {
                last.until = entry.until
            }
            _ => entries.push(entry),
        }
    }
    Ok(Timeline {
        entries,
        depends_on: depends_on.into_iter().collect(),
        sampled,
    })
}
