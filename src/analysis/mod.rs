//! Exact answers about a set, rather than about one query: what changed
//! between two versions ([`diff`]), how a query's decision runs over
//! time ([`timeline`]), and for a query with holes, which names, dates and
//! values are allowed and which denied ([`who_may`]).
//!
//! No solver and no sampling: a set's vocabulary is finite and its windows
//! are dates, so the queries split into finitely many classes that every
//! rule treats alike, and deciding one query of each class answers for all
//! of them. A class is a cell of names (an action, an actor, a category or
//! none), an interval of dates on which no window or date atom turns
//! ([`dates`]), and for each attribute the rules read, a class of values no
//! atom tells apart ([`values`]). Attributes are fixed one at a time until
//! every condition is settled ([`tree`]), and one query of each region so
//! found is decided by the sets themselves ([`crate::PolicySet::decide`]);
//! the regions where they differ are joined into as few and as general as
//! stay exact ([`cover`]).
//!
//! Atoms that read two things at once (two attributes, an attribute and the
//! query's date) and text patterns are split on sample values instead: the
//! answer says so (`exact: false`), naming the rules, rather than claim
//! what it has not proven.

pub mod atoms;
pub mod cells;
pub mod cover;
pub mod dates;
pub mod diff;
pub mod lints;
pub mod names;
pub mod regions;
pub mod report;
pub mod timeline;
pub mod tree;
pub mod untested;
pub mod values;
pub mod who_may;

use chrono::NaiveDate;

use crate::model::Policy;
use crate::syntax::ast::Effect;
use crate::PolicySet;

/// The first date a query can give.
pub const FIRST: NaiveDate = match NaiveDate::from_ymd_opt(0, 1, 1) {
    Some(d) => d,
    None => panic!("a date"),
};

/// The last date a query can give.
pub const LAST: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => panic!("a date"),
};

/// The next day, if a query can give it.
pub fn day_after(d: NaiveDate) -> Option<NaiveDate> {
    d.succ_opt().filter(|n| *n <= LAST)
}

/// The day before, if a query can give it.
pub fn day_before(d: NaiveDate) -> Option<NaiveDate> {
    d.pred_opt().filter(|p| *p >= FIRST)
}

/// The sets analysed together: one for a timeline, two for a diff.
#[derive(Debug, Clone, Copy)]
pub struct Sides<'p> {
    pub sets: &'p [&'p PolicySet],
}

impl<'p> Sides<'p> {
    pub fn policy(&self, side: usize) -> &'p Policy {
        self.sets[side].policy()
    }

    pub fn policies(&self) -> impl Iterator<Item = &'p Policy> + '_ {
        self.sets.iter().map(|s| s.policy())
    }
}

/// What a set decides for a class of queries: the effect and the deciding
/// rules, by index in that set (none when the default decided).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Outcome {
    pub effect: Effect,
    pub rules: Vec<usize>,
}

impl Outcome {
    pub fn of(decision: &crate::Decision) -> Outcome {
        Outcome {
            effect: decision.effect,
            rules: decision.rules.clone(),
        }
    }
}

/// Why an analysis could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLarge(pub String);
