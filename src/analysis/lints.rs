//! Exact lints (`edict check --exact`): the rules that never apply, that
//! apply but never decide, and that decide only where others of their
//! effect decide too, found by deciding every class of queries the set
//! tells apart, as who-may walks `? by ? to category ? on ?`.
//!
//! The heuristic lints of [`crate::lint`] look at rules in pairs and stay
//! silent where a condition could matter; these see conditions, windows,
//! memberships and combining together, and say nothing about a rule they
//! could not prove: one whose cell split an atom on sample values rather
//! than exactly (a pattern, an atom reading two things at once).

use std::collections::HashSet;

use super::atoms;
use super::cells::{self, Named};
use super::names::{ByAction, ByName};
use super::{Sides, TooLarge};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::{self, Truth};
use crate::model::{Expr, Policy, Query, Rule};
use crate::syntax::ast::{Combining, Effect, Kind};
use crate::PolicySet;

/// The most cells of names the lints walk.
pub const MOST_CELLS: usize = super::who_may::MOST_CELLS;

/// The rules named in a note, at most.
const MOST_NOTES: usize = 3;

/// The exact lints of a set, the rules they report, and what was found
/// of every rule.
#[derive(Debug, Clone, Default)]
pub struct Exact {
    pub diagnostics: Vec<Diagnostic>,
    /// By index: rules a diagnostic here is about.
    pub reported: Vec<usize>,
    /// By rule: a query of each thing it was found to do.
    pub witnesses: Vec<Witnesses>,
}

impl Exact {
    /// The rules of which not everything was proven: their lints, where
    /// they would hold, are left unsaid.
    pub fn unproven(&self) -> usize {
        self.witnesses.iter().filter(|w| !w.decides_proven).count()
    }
}

/// For one rule, the first query found where it applies, where it decides
/// and (an exemption) where it lifts a deny it names. `applies_proven`:
/// that it never applies would have been proven (its atoms were split
/// exactly); `decides_proven`: the same for never deciding or lifting.
#[derive(Debug, Clone, Default)]
pub struct Witnesses {
    pub applies_proven: bool,
    pub decides_proven: bool,
    pub applies: Option<Query>,
    pub decides: Option<Query>,
    pub lifts: Option<Query>,
}

/// What the walk saw of one rule, over every class of queries.
#[derive(Debug, Clone, Default)]
struct Seen {
    /// Its own atoms (or a membership's) were split on samples somewhere:
    /// nothing is said of it.
    unproven: bool,
    /// It applied in a cell where some atom was split on samples: whether
    /// it decides, or lifts, is not said.
    undecided: bool,
    applied: Option<Query>,
    decided: Option<Query>,
    /// For an exemption: it applied where a deny it names did.
    lifted: Option<Query>,
    /// It was the only rule that decided some query.
    alone: bool,
    /// A deny applied somewhere that no exemption lifted.
    unlifted: bool,
    /// Rules that decided where it applied and did not, first found first.
    beaten_by: Vec<usize>,
}

struct Walk<'p> {
    policy: &'p Policy,
    seen: Vec<Seen>,
    /// Every set of two or more rules that decided a query together.
    together: HashSet<Vec<usize>>,
}

/// Walks every class of queries of a checked set.
pub fn exact(set: &PolicySet) -> Result<Exact, TooLarge> {
    let policy = set.policy();
    let sets = [set];
    let sides = Sides { sets: &sets };
    let universe = cells::universe(&sides);
    let total: usize = universe.iter().map(Vec::len).product();
    if total > MOST_CELLS {
        return Err(TooLarge(format!(
            "the set's names make {total} combinations of an action, an actor and a category; the most is {MOST_CELLS}"
        )));
    }
    let by_action = ByAction::new(policy);
    let mut walk = Walk {
        policy,
        seen: vec![Seen::default(); policy.rules.len()],
        together: HashSet::new(),
    };
    for action in &universe[0] {
        let candidates = by_action.candidates(policy, action);
        let by_actor = ByName::of(policy, Kind::Actor, candidates);
        for actor in &universe[1] {
            let candidates = by_actor.candidates(policy, actor);
            for category in &universe[2] {
                let cell = [action.clone(), actor.clone(), category.clone()];
                walk.cell(&sides, &cell, &candidates)?;
            }
        }
    }
    Ok(walk.report())
}

impl Walk<'_> {
    /// Decides one cell of names, a query for each of its regions.
    fn cell(
        &mut self,
        sides: &Sides<'_>,
        cell: &[Named; 3],
        candidates: &[usize],
    ) -> Result<(), TooLarge> {
        let Some(resolved) = cells::resolve_cell(self.policy, cell) else {
            return Ok(());
        };
        let relevant = cells::relevant(self.policy, &resolved, candidates);
        if relevant.is_empty() {
            return Ok(());
        }
        let (decided, sampled) = cells::decide_cell(
            sides,
            std::slice::from_ref(&resolved),
            std::slice::from_ref(&relevant),
            &[],
            None,
            None,
        )?;
        let exact = sampled.is_empty();
        if !exact {
            self.unproven_in(&relevant, &sampled);
        }
        for interval in &decided {
            for (leaf, _) in &interval.leaves {
                // every query of a leaf decides alike; the attributes it
                // leaves open take their first class
                let classes: Vec<usize> = leaf.iter().map(|c| c.unwrap_or(0)).collect();
                let query = cells::query(
                    self.policy,
                    0,
                    &resolved,
                    interval.date,
                    &interval.dims,
                    &classes,
                    &[],
                );
                self.point(&query, &relevant, exact);
            }
        }
        Ok(())
    }

    /// In a cell where atoms were split on samples: a rule one of whose
    /// own atoms was (or any where a membership's was) is proven neither to
    /// apply nor to decide; the others, not to decide where they apply.
    fn unproven_in(&mut self, relevant: &[usize], sampled: &[String]) {
        let vocabulary = &self.policy.vocabulary;
        let touched = |e: &Expr| {
            let mut leaves = Vec::new();
            atoms::leaves(e, 0, &mut leaves);
            leaves
                .iter()
                .any(|a| sampled.contains(&atoms::text(a.expr, vocabulary)))
        };
        let memberships = vocabulary
            .memberships
            .iter()
            .filter_map(|m| m.condition.as_ref())
            .any(touched);
        for &r in relevant {
            let rule = &self.policy.rules[r];
            let own = [&rule.where_, &rule.unless]
                .into_iter()
                .flatten()
                .any(|e| touched(e));
            if memberships || own {
                self.seen[r].unproven = true;
            }
        }
    }

    /// Decides one query as the reference evaluator does, noting what
    /// each rule did in it.
    /// `exact`: the cell split no atom on samples.
    fn point(&mut self, query: &Query, relevant: &[usize], exact: bool) {
        let policy = self.policy;
        let actions = eval::above(policy, Kind::Action, query.action, query);
        let actors = eval::above(policy, Kind::Actor, query.actor, query);
        let categories = query
            .category
            .map(|c| eval::above(policy, Kind::Category, c, query));
        let hits: Vec<(usize, Truth)> = relevant
            .iter()
            .map(|&r| {
                let rule = &policy.rules[r];
                (
                    r,
                    eval::applies(rule, query, &actions, &actors, categories.as_ref()),
                )
            })
            .filter(|&(_, t)| t != Truth::False)
            .collect();
        let decision = eval::combine(policy, query, hits.iter().copied());
        let exempted: Vec<usize> = decision.exempted.iter().map(|&(d, _)| d).collect();
        for &(r, truth) in &hits {
            let rule = &policy.rules[r];
            let seen = &mut self.seen[r];
            if let Some(denies) = &rule.exempts {
                if truth == Truth::True {
                    seen.undecided |= !exact;
                    remember(&mut seen.applied, query);
                    if denies.iter().any(|d| exempted.contains(d)) {
                        remember(&mut seen.lifted, query);
                    }
                }
                continue;
            }
            let decided = decision.rules.contains(&r);
            let lifted = exempted.contains(&r);
            let applied = decided || lifted || decision.overridden.contains(&r);
            if applied {
                remember(&mut seen.applied, query);
                seen.undecided |= !exact;
            }
            if decided {
                remember(&mut seen.decided, query);
            }
            seen.unlifted |= applied && !lifted;
            if applied && !decided && seen.beaten_by.len() < MOST_NOTES {
                let by = decision
                    .exempted
                    .iter()
                    .filter(|&&(d, _)| d == r)
                    .map(|&(_, e)| e);
                for d in decision.rules.iter().copied().chain(by) {
                    if !seen.beaten_by.contains(&d) && seen.beaten_by.len() < MOST_NOTES {
                        seen.beaten_by.push(d);
                    }
                }
            }
        }
        match decision.rules.as_slice() {
            [] => {}
            [alone] => self.seen[*alone].alone = true,
            many => {
                if !self.together.contains(many) {
                    self.together.insert(many.to_vec());
                }
            }
        }
    }

    fn report(self) -> Exact {
        let policy = self.policy;
        let mut out = Exact::default();
        for (r, rule) in policy.rules.iter().enumerate() {
            let seen = &self.seen[r];
            let found = if seen.unproven {
                None
            } else if seen.applied.is_none() {
                Some(never_applies(rule))
            } else if seen.undecided {
                None
            } else if rule.is_exemption() && seen.lifted.is_none() {
                Some(never_lifts(policy, rule))
            } else if !rule.is_exemption() && seen.decided.is_none() {
                Some(never_decides(policy, rule, seen))
            } else {
                None
            };
            if let Some(d) = found {
                out.diagnostics.push(d);
                out.reported.push(r);
            }
        }
        for (r, by) in self.covered() {
            out.diagnostics.push(covered(policy, &policy.rules[r], &by));
            out.reported.push(r);
        }
        out.witnesses = self
            .seen
            .into_iter()
            .map(|seen| Witnesses {
                applies_proven: !seen.unproven,
                decides_proven: !seen.unproven && !seen.undecided,
                applies: seen.applied,
                decides: seen.decided,
                lifts: seen.lifted,
            })
            .collect();
        out
    }

    /// The rules that decide only where others of their effect decide too,
    /// each with those others: taken away one at a time from the last,
    /// so that the rules left still decide every query as before.
    fn covered(&self) -> Vec<(usize, Vec<usize>)> {
        let mut gone = vec![false; self.seen.len()];
        let mut out = Vec::new();
        for r in (0..self.seen.len()).rev() {
            let seen = &self.seen[r];
            if seen.unproven || seen.undecided || seen.decided.is_none() || seen.alone {
                continue;
            }
            let mut by: Vec<usize> = Vec::new();
            let mut kept = true;
            for together in self.together.iter().filter(|t| t.contains(&r)) {
                let others: Vec<usize> = together
                    .iter()
                    .copied()
                    .filter(|&o| o != r && !gone[o])
                    .collect();
                if others.is_empty() {
                    kept = false;
                    break;
                }
                for o in others {
                    if !by.contains(&o) {
                        by.push(o);
                    }
                }
            }
            if kept {
                gone[r] = true;
                by.sort_unstable();
                out.push((r, by));
            }
        }
        out.reverse();
        out
    }
}

/// Keeps the first query found.
fn remember(place: &mut Option<Query>, query: &Query) {
    if place.is_none() {
        *place = Some(query.clone());
    }
}

/// `W110`.
fn never_applies(rule: &Rule) -> Diagnostic {
    Diagnostic::new(
        Code::NeverApplies,
        format!(
            "this {} never applies: no query meets its names, window and conditions together",
            rule.kind()
        ),
    )
    .at(rule.span, "applies to no query")
    .help("look for a window that misses the dates its conditions need, or conditions that contradict each other; remove the rule or loosen what excludes every query")
}

/// `W111`, for an exemption.
fn never_lifts(policy: &Policy, rule: &Rule) -> Diagnostic {
    let mut d = Diagnostic::new(
        Code::NeverDecides,
        "this exemption never lifts a deny: wherever it applies, no deny it names does",
    )
    .at(rule.span, "lifts nothing");
    for &deny in rule.exempts.iter().flatten().take(MOST_NOTES) {
        d = d.note(
            policy.rules[deny].span,
            "never applies where the exemption does",
        );
    }
    d.help(
        "an exemption narrows a deny: give it names, a window and conditions that meet the deny's",
    )
}

/// `W111`, for an allow or a deny.
fn never_decides(policy: &Policy, rule: &Rule, seen: &Seen) -> Diagnostic {
    let beaten_by = &seen.beaten_by;
    let is = |b: &usize, effect: Effect| {
        let other = &policy.rules[*b];
        other.effect == effect && !other.is_exemption()
    };
    let overridden = policy.combining == Combining::DenyOverrides
        && rule.effect == Effect::Allow
        && beaten_by.iter().all(|b| is(b, Effect::Deny));
    let message = if overridden {
        "this allow never decides: wherever it applies, a deny overrides it".to_string()
    } else if !seen.unlifted {
        "this deny never decides: wherever it applies, an exemption lifts it".to_string()
    } else {
        format!(
            "this {} never decides: wherever it applies, other rules decide instead",
            rule.kind()
        )
    };
    let mut d = Diagnostic::new(Code::NeverDecides, message).at(rule.span, "never decides");
    for b in beaten_by {
        let label = if policy.rules[*b].is_exemption() {
            "lifts it"
        } else {
            "decides where it applies"
        };
        d = d.note(policy.rules[*b].span, label);
    }
    let help = match (overridden, beaten_by.first()) {
        (true, Some(&deny)) => format!(
            "to carve an exception out of a deny, write an exemption: `NAME: exempt ACTIONS ... from rule {}`; an allow cannot beat a deny",
            policy.rules[deny].id()
        ),
        _ if !seen.unlifted => {
            "an exemption that lifts the whole deny leaves it nothing to do: narrow the exemption, or remove both".to_string()
        }
        _ => "remove it, or change the combining or the other rules if it should decide somewhere"
            .to_string(),
    };
    d.help(help)
}

/// `W112`.
fn covered(policy: &Policy, rule: &Rule, by: &[usize]) -> Diagnostic {
    let effect = rule.effect.as_str();
    let mut d = Diagnostic::new(
        Code::Covered,
        format!("every query this {effect} decides, other rules decide alike: without it, no decision would change"),
    )
    .at(rule.span, "covered by others");
    for &b in by.iter().take(MOST_NOTES) {
        d = d.note(policy.rules[b].span, format!("also decides {effect} there"));
    }
    d.help("remove it, unless its `because` should be named beside the others' in decisions")
}

/// The lints of a set with the exact ones: a heuristic warning about a rule
/// the exact lints report gives way to theirs, and a rule that repeats
/// another keeps `W103` rather than `W112`.
pub fn merge(policy: &Policy, lints: Vec<Diagnostic>, exact: Exact) -> Vec<Diagnostic> {
    let reported: Vec<_> = exact
        .reported
        .iter()
        .map(|&r| Some(policy.rules[r].span))
        .collect();
    let repeats: Vec<_> = lints
        .iter()
        .filter(|d| d.code == Code::DuplicateRule)
        .map(|d| d.span)
        .collect();
    let mut out: Vec<Diagnostic> = lints
        .into_iter()
        .filter(|d| {
            !matches!(d.code, Code::DeadAllow | Code::UnreachableExemption)
                || !reported.contains(&d.span)
        })
        .collect();
    out.extend(
        exact
            .diagnostics
            .into_iter()
            .filter(|d| d.code != Code::Covered || !repeats.contains(&d.span)),
    );
    out.sort_by_key(|d| d.span.map(|s| (s.file, s.start())));
    out
}
