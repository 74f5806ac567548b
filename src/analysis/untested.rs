//! `edict test --coverage --regions`: the regions of the decision space
//! that no test expectation touches, each with its decision and a witness
//! to write an expectation from.
//!
//! The whole space is walked as who-may walks `? by ? to category ? on ?`;
//! a region of one cell, one interval of dates and some classes of values
//! is touched when an expectation's query has those names, a date in the
//! interval and a value in each class. The regions left are joined and
//! generalized as who-may's are, so a region said untested holds no
//! expectation's query at all.

use super::cells::{Decided, Resolution};
use super::who_may::{self, WhoMay};
use super::TooLarge;
use crate::model::{OpenQuery, Query};
use crate::PolicySet;

/// The regions no query of `queries` lies in, allowed and denied.
pub fn untested(set: &PolicySet, queries: &[&Query]) -> Result<WhoMay, TooLarge> {
    let everything = OpenQuery {
        action: None,
        actor: None,
        category: None,
        date: None,
        attributes: Vec::new(),
    };
    let keep = |cell: &Resolution, interval: &Decided, leaf: &[Option<usize>]| {
        !queries
            .iter()
            .any(|q| in_cell(cell, q) && in_leaf(interval, leaf, q))
    };
    who_may::who_may_where(set, &everything, &keep)
}

/// Whether a query's names are the cell's: a name the set knows is
/// itself, one it does not falls in the cell of every other name.
fn in_cell(cell: &Resolution, query: &Query) -> bool {
    let [action, actor, category] = &cell.names;
    let same = |id: Option<u32>, named: &(Option<u32>, Option<String>)| match id {
        Some(id) => named.0 == Some(id),
        None => named.0.is_none(),
    };
    same(query.action, action)
        && same(query.actor, actor)
        && match query.category {
            None => cell.no_category,
            Some(id) => !cell.no_category && same(id, category),
        }
}

/// Whether a query of the cell lies in a region of one of its intervals:
/// its date in the interval, its value of each attribute fixed in the
/// class fixed. A value no class reads alike (beside an atom split on
/// samples) counts as touching, so that no region is said untested
/// wrongly.
fn in_leaf(interval: &Decided, leaf: &[Option<usize>], query: &Query) -> bool {
    if query.date < interval.from || query.date > interval.until {
        return false;
    }
    interval.dims.iter().zip(leaf).all(|(dim, fixed)| {
        let Some(class) = fixed else {
            return true;
        };
        let value = dim.index[0].and_then(|i| query.attributes[i].as_ref());
        dim.class_of(0, value).is_none_or(|c| c == *class)
    })
}
