//! The names a query's name falls under, for the index: each name's
//! ancestors worked out when the set is compiled ([`Closure`]), and for a
//! name under a conditional membership, the names it is at or under truly
//! or maybe, worked out for each query ([`maybe_above`]).

use crate::eval::{self, Truth};
use crate::model::{NameId, Names, Policy, Query};
use crate::syntax::ast::Kind;

use super::ANY;

/// The names at or above each name of a kind, sorted.
#[derive(Debug)]
pub(super) enum Closure {
    /// A row for each name, so that most names cost one look.
    Table { rows: Vec<Row>, more: Vec<NameId> },
    /// Too many links to keep: walk the hierarchy for each query.
    Walk,
}

/// The names at or above one name: `ids[..len]` when there are at most
/// [`ROW`] of them, else `more[ids[0]..ids[0] + len]`. Thirty-two bytes,
/// aligned to thirty-two: one cache line.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(32))]
pub(super) struct Row {
    len: u32,
    ids: [NameId; ROW],
}

/// The most names a [`Row`] holds itself.
const ROW: usize = 7;

impl Closure {
    /// The table of every name's ancestors, when it has at most `max` links.
    pub(super) fn build(names: &Names, max: usize) -> Closure {
        let mut rows = Vec::with_capacity(names.names.len());
        let mut more = Vec::new();
        let mut links = 0;
        let mut seen = vec![u32::MAX; names.names.len()];
        let (mut stack, mut ids) = (Vec::new(), Vec::new());
        for n in 0..names.names.len() as NameId {
            ids.clear();
            walk(names, n, &mut seen, n, &mut stack, &mut ids);
            links += ids.len();
            if links > max {
                return Closure::Walk;
            }
            ids.sort_unstable();
            let mut row = Row {
                len: ids.len() as u32,
                ids: [0; ROW],
            };
            if ids.len() <= ROW {
                row.ids[..ids.len()].copy_from_slice(&ids);
            } else {
                row.ids[0] = more.len() as NameId;
                more.extend_from_slice(&ids);
            }
            rows.push(row);
        }
        Closure::Table { rows, more }
    }

    /// Puts the keys a query's name falls under into `out`, sorted: the
    /// name, every name above it, and `any` (the greatest key).
    pub(super) fn above(&self, names: &Names, id: Option<NameId>, out: &mut Vec<NameId>) {
        out.clear();
        if let Some(id) = id {
            match self {
                Closure::Table { rows, more } => {
                    let row = &rows[id as usize];
                    let len = row.len as usize;
                    if len <= ROW {
                        out.extend_from_slice(&row.ids[..len]);
                    } else {
                        let from = row.ids[0] as usize;
                        out.extend_from_slice(&more[from..from + len]);
                    }
                }
                Closure::Walk => {
                    let mut seen = vec![u32::MAX; names.names.len()];
                    walk(names, id, &mut seen, 0, &mut Vec::new(), out);
                    out.sort_unstable();
                }
            }
        }
        out.push(ANY);
    }
}

/// Pushes `id` and every name above it onto `out`, once each; `seen` marks
/// names with `stamp`, so one buffer serves many walks.
fn walk(
    names: &Names,
    id: NameId,
    seen: &mut [u32],
    stamp: u32,
    stack: &mut Vec<NameId>,
    out: &mut Vec<NameId>,
) {
    stack.clear();
    stack.push(id);
    seen[id as usize] = stamp;
    while let Some(n) = stack.pop() {
        out.push(n);
        for &p in &names.parents[n as usize] {
            if seen[p as usize] != stamp {
                seen[p as usize] = stamp;
                stack.push(p);
            }
        }
    }
}

/// Which names can reach a conditional membership, following every
/// membership up; empty when the kind has none. Iterative (post-order), so a
/// hierarchy of any depth is fine.
pub(super) fn conditional_reach(names: &Names) -> Vec<bool> {
    if !names.has_conditional() {
        return Vec::new();
    }
    let n = names.names.len();
    let mut reach: Vec<bool> = names.conditional.iter().map(|c| !c.is_empty()).collect();
    let mut done = vec![false; n];
    let parents = |i: usize| {
        names.parents[i]
            .iter()
            .copied()
            .chain(names.conditional[i].iter().map(|&(p, _)| p))
    };
    for root in 0..n {
        let mut stack = vec![(root, false)];
        while let Some((i, expanded)) = stack.pop() {
            if done[i] {
                continue;
            }
            if expanded {
                done[i] = true;
                reach[i] = reach[i] || parents(i).any(|p| reach[p as usize]);
            } else {
                stack.push((i, true));
                stack.extend(
                    parents(i)
                        .filter(|&p| !done[p as usize])
                        .map(|p| (p as usize, false)),
                );
            }
        }
    }
    reach
}

/// By kind, for a query's name that reaches a conditional membership, the
/// names it is at or under, truly or maybe, by id ([`maybe_above`]).
#[derive(Default)]
pub(super) struct Exact {
    /// Whether `above` holds the kind's names; where not, the plain
    /// closure's keys are exact.
    pub(super) on: [bool; 3],
    /// Whether any of `on` is.
    pub(super) any: bool,
    pub(super) above: [Vec<(NameId, Truth)>; 3],
}

impl Exact {
    pub(super) fn get(&self, kind: usize) -> Option<&[(NameId, Truth)]> {
        self.on[kind].then(|| self.above[kind].as_slice())
    }
}

/// The names `id` is at or under, each with how surely (never false), in
/// order of id: a name is under another by the best of its paths, and a
/// path holds as the worst of its links, as [`eval::above`] says. Only the
/// names reached are visited, so a query costs what its ancestors do, not
/// what its kind's names do.
pub(super) fn maybe_above(
    policy: &Policy,
    kind: Kind,
    id: NameId,
    query: &Query,
    found: &mut Vec<(NameId, Truth)>,
    stack: &mut Vec<NameId>,
) {
    let names = policy.vocabulary.names(kind);
    let rank = |t: Truth| match t {
        Truth::False => 0,
        Truth::Unknown => 1,
        Truth::True => 2,
    };
    found.clear();
    found.push((id, Truth::True));
    stack.clear();
    stack.push(id);
    while let Some(n) = stack.pop() {
        let here = found
            .iter()
            .find(|&&(m, _)| m == n)
            .map_or(Truth::False, |f| f.1);
        let plain = names.parents[n as usize].iter().map(|&p| (p, Truth::True));
        let conditional = names.conditional[n as usize].iter().map(|&(p, m)| {
            (
                p,
                eval::membership(&policy.vocabulary.memberships[m], query),
            )
        });
        for (p, link) in plain.chain(conditional) {
            let reached = here.and(link);
            if reached == Truth::False {
                continue;
            }
            match found.iter_mut().find(|(m, _)| *m == p) {
                Some(f) if rank(reached) <= rank(f.1) => {}
                Some(f) => {
                    f.1 = reached;
                    stack.push(p);
                }
                None => {
                    found.push((p, reached));
                    stack.push(p);
                }
            }
        }
    }
    found.sort_unstable_by_key(|&(n, _)| n);
}

/// [`eval::in_scope`] over the names [`maybe_above`] found; `None` where
/// the keys were exact and the rule's scope matched as filed.
pub(super) fn in_scope(scope: &Option<Vec<NameId>>, above: Option<&[(NameId, Truth)]>) -> Truth {
    let (Some(ids), Some(above)) = (scope, above) else {
        return Truth::True;
    };
    ids.iter().fold(Truth::False, |acc, id| {
        let t = above
            .binary_search_by_key(id, |&(n, _)| n)
            .map_or(Truth::False, |i| above[i].1);
        acc.or(t)
    })
}
