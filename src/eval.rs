//! The evaluator: the contract's decision procedure, rule by rule.
//!
//! A rule applies when its action, actor, category, time window and
//! conditions all match. Matching is three-valued: a condition on an
//! attribute the query lacks, or a `to category` clause for a query without
//! a category, is *unknown*. Unknown never makes an allow apply and never
//! stops a deny from applying, so errors and gaps fail closed.
//!
//! This is the reference: it follows the contract line by line and looks at
//! every rule. [`crate::index`] decides the same way from a compiled index,
//! and the differential tests hold the two equal.

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::model::{Expr, ExprKind, NameId, Names, Policy, Query, Rule};
use crate::syntax::ast::{Combining, CompareOp, Effect, Kind};
use crate::value::Value;

/// Three-valued truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    Unknown,
}

impl Truth {
    pub fn from(b: bool) -> Truth {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }

    pub fn negate(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }

    pub fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        }
    }

    pub fn or(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::False, Truth::False) => Truth::False,
            _ => Truth::Unknown,
        }
    }
}

/// A rule whose match was unknown, and what the query lacked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// Index of the rule in [`Policy::rules`].
    pub rule: usize,
    /// Names of the missing attributes, and `category` when the query has none.
    pub missing: Vec<String>,
    /// Whether the rule applied anyway (a deny) or not (an allow).
    pub applied: bool,
}

/// The answer to a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub effect: Effect,
    /// True when no rule applied and the set's default decided.
    pub by_default: bool,
    /// Every applicable rule of the winning effect, by index, in set order.
    pub rules: Vec<usize>,
    /// Rules that applied but lost: under `deny overrides`, the allows a
    /// deny overrode; under the other combinings, every applicable rule
    /// that did not decide.
    pub overridden: Vec<usize>,
    /// Denies that applied but were lifted, each with the first exemption
    /// (in set order) that lifted it.
    pub exempted: Vec<(usize, usize)>,
    /// Rules whose match depended on something the query lacks.
    pub unknowns: Vec<Unknown>,
}

/// Decides a checked query against a checked policy.
pub fn decide(policy: &Policy, query: &Query) -> Decision {
    let actions = above(policy, Kind::Action, query.action, query);
    let actors = above(policy, Kind::Actor, query.actor, query);
    let categories = query
        .category
        .map(|c| above(policy, Kind::Category, c, query));
    let hits = policy.rules.iter().enumerate().filter_map(|(index, rule)| {
        let truth = applies(rule, query, &actions, &actors, categories.as_ref());
        (truth != Truth::False).then_some((index, truth))
    });
    combine(policy, query, hits)
}

/// Whether a query's name is at or under each name of its kind: true,
/// false, or unknown where only a membership whose condition is unknown
/// leads there; `None` for a name no rule knows.
pub fn above(policy: &Policy, kind: Kind, id: Option<NameId>, query: &Query) -> Option<Vec<Truth>> {
    let names = policy.vocabulary.names(kind);
    let id = id?;
    if !names.has_conditional() {
        return Some(
            names
                .ancestors_or_self(id)
                .into_iter()
                .map(Truth::from)
                .collect(),
        );
    }
    Some(memberships(policy, names, id, query))
}

/// [`above`] through conditional memberships: a name is under another by
/// the best of its paths, and a path holds as the worst of its links.
/// Truths only grow (false, then unknown, then true), so the walk ends.
fn memberships(policy: &Policy, names: &Names, id: NameId, query: &Query) -> Vec<Truth> {
    let rank = |t: Truth| match t {
        Truth::False => 0,
        Truth::Unknown => 1,
        Truth::True => 2,
    };
    let mut truths = vec![Truth::False; names.names.len()];
    truths[id as usize] = Truth::True;
    let mut stack = vec![id];
    while let Some(n) = stack.pop() {
        let here = truths[n as usize];
        let plain = names.parents[n as usize].iter().map(|&p| (p, Truth::True));
        let conditional = names.conditional[n as usize]
            .iter()
            .map(|&(p, m)| (p, membership(&policy.vocabulary.memberships[m], query)));
        for (p, link) in plain.chain(conditional) {
            let reached = here.and(link);
            if rank(reached) > rank(truths[p as usize]) {
                truths[p as usize] = reached;
                stack.push(p);
            }
        }
    }
    truths
}

/// Whether a conditional membership holds for a query.
pub fn membership(m: &crate::model::Membership, query: &Query) -> Truth {
    if m.from.is_some_and(|d| query.date < d) || m.until.is_some_and(|d| query.date > d) {
        return Truth::False;
    }
    m.condition
        .as_ref()
        .map_or(Truth::True, |c| truth(c, query))
}

/// The decision from the rules that did not fail to match, each with its
/// truth (true or unknown), in set order: exemptions lift the denies they
/// name, then the set's combining decides among the rules left, else the
/// default.
pub fn combine(
    policy: &Policy,
    query: &Query,
    hits: impl IntoIterator<Item = (usize, Truth)>,
) -> Decision {
    combine_by(policy, query, hits, |index| {
        RuleKind::of(&policy.rules[index])
    })
}

/// What [`combine`] needs to know of a rule that applies, in a byte: a
/// caller that keeps these beside its hits spares a look at each rule (on a
/// large set, a cache miss each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleKind {
    pub effect: Effect,
    pub exemption: bool,
}

impl RuleKind {
    pub fn of(rule: &crate::model::Rule) -> RuleKind {
        RuleKind {
            effect: rule.effect,
            exemption: rule.is_exemption(),
        }
    }
}

/// [`combine`], each rule's kind given by `kind`.
pub fn combine_by(
    policy: &Policy,
    query: &Query,
    hits: impl IntoIterator<Item = (usize, Truth)>,
    kind: impl Fn(usize) -> RuleKind,
) -> Decision {
    let hits = hits.into_iter();
    // one allocation each, not one for each doubling
    let mut allows = Vec::with_capacity(hits.size_hint().0);
    let mut denies = Vec::with_capacity(hits.size_hint().0);
    let mut exemptions = Vec::new();
    let mut unknowns = Vec::new();
    for (index, truth) in hits {
        let RuleKind { effect, exemption } = kind(index);
        let exemption = policy.has_exemptions && exemption;
        // unknown never makes an allow or an exemption apply, and never
        // stops a deny
        let applies = truth == Truth::True || (effect == Effect::Deny && !exemption);
        if truth == Truth::Unknown {
            unknowns.push(Unknown {
                rule: index,
                missing: missing(policy, &policy.rules[index], query),
                applied: applies,
            });
        }
        match (applies, exemption, effect) {
            (false, _, _) => {}
            (true, true, _) => exemptions.push(index),
            (true, false, Effect::Allow) => allows.push(index),
            (true, false, Effect::Deny) => denies.push(index),
        }
    }
    let mut exempted = Vec::new();
    if !exemptions.is_empty() {
        denies.retain(|&deny| {
            let by = exemptions.iter().find(|&&e| {
                policy.rules[e]
                    .exempts
                    .as_ref()
                    .is_some_and(|d| d.contains(&deny))
            });
            if let Some(&e) = by {
                exempted.push((deny, e));
            }
            by.is_none()
        });
    }
    let (effect, rules, overridden) = combining(policy, query, allows, denies);
    Decision {
        effect,
        by_default: rules.is_empty(),
        rules,
        overridden,
        exempted,
        unknowns,
    }
}

/// The effect, the deciding rules and the rules that lost, from the allows
/// and the denies that apply (each in set order) as the set combines them.
fn combining(
    policy: &Policy,
    query: &Query,
    allows: Vec<usize>,
    denies: Vec<usize>,
) -> (Effect, Vec<usize>, Vec<usize>) {
    match policy.combining {
        _ if allows.is_empty() && denies.is_empty() => (policy.default, allows, denies),
        Combining::DenyOverrides if denies.is_empty() => (Effect::Allow, allows, denies),
        Combining::DenyOverrides => (Effect::Deny, denies, allows),
        Combining::AllowOverrides if allows.is_empty() => (Effect::Deny, denies, allows),
        Combining::AllowOverrides => (Effect::Allow, allows, denies),
        Combining::FirstApplicable => {
            let mut applied = merged(allows, denies);
            let first = applied.remove(0);
            (policy.rules[first].effect, vec![first], applied)
        }
        Combining::HighestPriority => {
            let priority = |i: &usize| policy.rules[*i].priority;
            let top = allows.iter().chain(&denies).map(priority).max();
            let (top_denies, lower_denies): (Vec<usize>, Vec<usize>) =
                denies.into_iter().partition(|i| Some(priority(i)) == top);
            let (top_allows, lower_allows): (Vec<usize>, Vec<usize>) =
                allows.into_iter().partition(|i| Some(priority(i)) == top);
            let lower = merged(lower_allows, lower_denies);
            if top_denies.is_empty() {
                (Effect::Allow, top_allows, lower)
            } else {
                (Effect::Deny, top_denies, merged(top_allows, lower))
            }
        }
        Combining::MostSpecific => most_specific(policy, query, allows, denies),
    }
}

/// `combine most specific`: the rules whose actors come nearest the
/// query's actor decide, a deny among them overriding an allow. Fail
/// closed: an allow is as near as the memberships that surely hold bring
/// it, a deny as near as those that may hold (unknown ones too).
fn most_specific(
    policy: &Policy,
    query: &Query,
    allows: Vec<usize>,
    denies: Vec<usize>,
) -> (Effect, Vec<usize>, Vec<usize>) {
    let [surely, maybe] = [false, true].map(|unknown| actor_distances(policy, query, unknown));
    let distance = |rule: usize, reached: &[(NameId, u32)]| match &policy.rules[rule].actors {
        None => u32::MAX,
        Some(names) => names
            .iter()
            .filter_map(|n| reached.iter().find(|(m, _)| m == n).map(|&(_, d)| d))
            .min()
            .unwrap_or(u32::MAX),
    };
    let nearest_allow = allows.iter().map(|&r| distance(r, &surely)).min();
    let nearest_deny = denies.iter().map(|&r| distance(r, &maybe)).min();
    let (effect, nearest, reached) = match (nearest_allow, nearest_deny) {
        (Some(a), Some(d)) if a < d => (Effect::Allow, a, &surely),
        (_, Some(d)) => (Effect::Deny, d, &maybe),
        (Some(a), None) => (Effect::Allow, a, &surely),
        (None, None) => return (policy.default, Vec::new(), Vec::new()),
    };
    let (winners, rest) = if effect == Effect::Allow {
        (allows, denies)
    } else {
        (denies, allows)
    };
    let (deciding, lost): (Vec<usize>, Vec<usize>) = winners
        .into_iter()
        .partition(|&r| distance(r, reached) == nearest);
    (effect, deciding, merged(lost, rest))
}

/// How far above the query's actor each name it falls under is: 0 for
/// the actor itself, 1 for a name it is directly in, and so on by the
/// shortest way; through conditional memberships that hold, and with
/// `unknown` those whose condition is unknown too.
fn actor_distances(policy: &Policy, query: &Query, unknown: bool) -> Vec<(NameId, u32)> {
    let names = policy.vocabulary.names(Kind::Actor);
    let Some(actor) = query.actor else {
        return Vec::new();
    };
    let mut reached = vec![(actor, 0u32)];
    let mut next = 0;
    while next < reached.len() {
        let (n, d) = reached[next];
        next += 1;
        let plain = names.parents[n as usize].iter().copied();
        let conditional = names.conditional[n as usize]
            .iter()
            .filter(|&&(_, m)| {
                let holds = membership(&policy.vocabulary.memberships[m], query);
                holds == Truth::True || (unknown && holds == Truth::Unknown)
            })
            .map(|&(p, _)| p);
        for p in plain.chain(conditional) {
            if !reached.iter().any(|&(r, _)| r == p) {
                reached.push((p, d + 1));
            }
        }
    }
    reached
}

/// Two lists of rules in set order, as one.
fn merged(a: Vec<usize>, b: Vec<usize>) -> Vec<usize> {
    let mut all = a;
    all.extend(b);
    all.sort_unstable();
    all
}

/// Whether a rule's scope (`None`: any) covers a query's name, given the
/// names at or above it (`None`: a name no rule knows).
pub fn in_scope(scope: &Option<Vec<NameId>>, above: &Option<Vec<Truth>>) -> Truth {
    match (scope, above) {
        (None, _) => Truth::True,
        (Some(ids), Some(above)) => ids
            .iter()
            .fold(Truth::False, |acc, &id| acc.or(above[id as usize])),
        (Some(_), None) => Truth::False,
    }
}

/// Whether one rule applies to the query, in three-valued logic.
pub fn applies(
    rule: &Rule,
    query: &Query,
    actions: &Option<Vec<Truth>>,
    actors: &Option<Vec<Truth>>,
    categories: Option<&Option<Vec<Truth>>>,
) -> Truth {
    let names = in_scope(&rule.actions, actions).and(in_scope(&rule.actors, actors));
    if names == Truth::False {
        return Truth::False;
    }
    if rule.from.is_some_and(|b| query.date < b.date)
        || rule.until.is_some_and(|b| query.date > b.date)
    {
        return Truth::False;
    }
    let category = match (categories, &rule.categories) {
        (_, None) => Truth::True,
        (None, Some(_)) => Truth::Unknown,
        (Some(above), scope) => in_scope(scope, above),
    };
    names.and(category).and(conditions(rule, query))
}

/// The truth of a rule's `where` and not its `unless` (true when it has
/// neither).
pub fn conditions(rule: &Rule, query: &Query) -> Truth {
    let condition = rule
        .where_
        .as_ref()
        .map_or(Truth::True, |e| truth(e, query));
    let exception = rule
        .unless
        .as_ref()
        .map_or(Truth::False, |e| truth(e, query));
    condition.and(exception.negate())
}

/// What a rule's unknown match came from.
fn missing(policy: &Policy, rule: &Rule, query: &Query) -> Vec<String> {
    let mut out = Vec::new();
    if query.category.is_none() && rule.categories.is_some() {
        out.push("category".to_string());
    }
    let mut attributes = Vec::new();
    for e in [&rule.where_, &rule.unless].into_iter().flatten() {
        e.attributes(&mut attributes);
    }
    // a scope unknown through a conditional membership: what its
    // memberships read
    let names = [
        (Kind::Action, &rule.actions, Some(query.action)),
        (Kind::Actor, &rule.actors, Some(query.actor)),
        (Kind::Category, &rule.categories, query.category),
    ];
    for (kind, scope, id) in names {
        let Some(id) = id else { continue };
        if !policy.vocabulary.names(kind).has_conditional()
            || in_scope(scope, &above(policy, kind, id, query)) != Truth::Unknown
        {
            continue;
        }
        for m in policy
            .vocabulary
            .memberships
            .iter()
            .filter(|m| m.kind == kind)
        {
            if let Some(c) = &m.condition {
                c.attributes(&mut attributes);
            }
        }
    }
    out.extend(
        attributes
            .into_iter()
            .filter(|&a| query.attributes[a].is_none())
            .map(|a| policy.vocabulary.attributes[a].name.clone()),
    );
    out
}

/// The truth of a condition.
pub fn truth(e: &Expr, query: &Query) -> Truth {
    match &e.kind {
        ExprKind::Not(inner) => truth(inner, query).negate(),
        ExprKind::And(parts) => {
            let mut acc = Truth::True;
            for p in parts {
                acc = acc.and(truth(p, query));
                if acc == Truth::False {
                    break;
                }
            }
            acc
        }
        ExprKind::Or(parts) => {
            let mut acc = Truth::False;
            for p in parts {
                acc = acc.or(truth(p, query));
                if acc == Truth::True {
                    break;
                }
            }
            acc
        }
        _ => match value(e, query).as_deref() {
            Some(Value::Bool(b)) => Truth::from(*b),
            _ => Truth::Unknown,
        },
    }
}

/// The value of an operand; `None` when it is unknown.
/// Borrowed where it can be: deciding allocates nothing.
fn value<'a>(e: &'a Expr, query: &'a Query) -> Option<Cow<'a, Value>> {
    match &e.kind {
        ExprKind::Attribute(a) => query.attributes[*a].as_ref().map(Cow::Borrowed),
        ExprKind::Literal(v) => Some(Cow::Borrowed(v)),
        ExprKind::QueryDate => Some(Cow::Owned(Value::Date(query.date))),
        ExprKind::Offset {
            amount,
            unit,
            before,
            base,
        } => match value(base, query)?.as_ref() {
            // past the calendar is unknown: it can make no allow apply
            Value::Date(d) => crate::calendar::shift(*d, *amount, *unit, *before)
                .map(|d| Cow::Owned(Value::Date(d))),
            _ => None,
        },
        ExprKind::Match {
            negated,
            item,
            pattern,
        } => {
            let found = pattern.matches(value(item, query)?.as_ref())?;
            Some(Cow::Owned(Value::Bool(found != *negated)))
        }
        ExprKind::Not(_) | ExprKind::And(_) | ExprKind::Or(_) => match truth(e, query) {
            Truth::Unknown => None,
            t => Some(Cow::Owned(Value::Bool(t == Truth::True))),
        },
        ExprKind::Compare(op, l, r) => {
            let (l, r) = (value(l, query)?, value(r, query)?);
            let result = match op {
                CompareOp::Eq => l == r,
                CompareOp::Ne => l != r,
                _ => {
                    let ord = l.compare(&r)?;
                    match op {
                        CompareOp::Lt => ord == Ordering::Less,
                        CompareOp::Le => ord != Ordering::Greater,
                        CompareOp::Gt => ord == Ordering::Greater,
                        _ => ord != Ordering::Less,
                    }
                }
            };
            Some(Cow::Owned(Value::Bool(result)))
        }
        ExprKind::In {
            negated,
            item,
            list,
        } => {
            let item = value(item, query)?;
            let mut unknown = false;
            let mut found = false;
            for el in list {
                match value(el, query) {
                    Some(v) if v == item => {
                        found = true;
                        break;
                    }
                    Some(_) => {}
                    None => unknown = true,
                }
            }
            if !found && unknown {
                return None;
            }
            Some(Cow::Owned(Value::Bool(found != *negated)))
        }
    }
}
