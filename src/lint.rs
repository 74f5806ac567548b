//! Lints: warnings about rules that cannot matter and declarations nobody
//! uses. Exact for rules without conditions, and silent where a condition
//! could make a difference, so they never raise a false alarm.

use crate::diagnostic::{Code, Diagnostic};
use crate::eval::{truth, Truth};
use crate::model::{Bound, Expr, ExprKind, NameId, Names, Policy, Query, QueryNames, Rule};
use crate::syntax::ast::{Combining, Effect, Kind};
use crate::value::Type;

/// Every lint of a checked set without errors.
pub fn lint(policy: &Policy) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    unused(policy, &mut out);
    unused_values(policy, &mut out);
    constant_conditions(policy, &mut out);
    redundant_rules(policy, &mut out);
    unreachable_exemptions(policy, &mut out);
    windows_past_the_calendar(policy, &mut out);
    lookalike_names(policy, &mut out);
    out
}

/// `W109`: where a kind is open (names come into being by use), a name
/// used once that is a slip away from another name of its kind
/// (`stateowned` beside `state_owned`) is most likely a misspelling, which
/// would otherwise decide silently as a name of its own. Names in test
/// queries that no rule mentions are held to the names the rules use.
fn lookalike_names(policy: &Policy, out: &mut Vec<Diagnostic>) {
    use crate::check::suggest::closest;
    for kind in Kind::ALL
        .into_iter()
        .filter(|&k| !policy.vocabulary.names(k).closed)
    {
        let names = policy.vocabulary.names(kind);
        let mut uses: Vec<(usize, Option<crate::source::Span>)> =
            vec![(0, None); names.names.len()];
        for rule in &policy.rules {
            for &id in rule_scope(rule, kind).iter().flatten() {
                let at = &mut uses[id as usize];
                at.0 += 1;
                at.1 = at.1.or(Some(rule.span));
            }
        }
        for (id, name) in names.names.iter().enumerate() {
            if uses[id].0 != 1 || names.declared_at[id].is_some() {
                continue;
            }
            // held to the names used more, or used once before it
            let others = names.names.iter().enumerate().filter(|&(o, _)| {
                o != id
                    && (uses[o].0 > 1
                        || (uses[o].0 == 1 && o < id)
                        || names.declared_at[o].is_some())
            });
            if let (Some(like), Some(span)) =
                (closest(name, others.map(|(_, n)| n.as_str())), uses[id].1)
            {
                out.push(lookalike(
                    kind,
                    name,
                    like,
                    span,
                    "appears in this rule alone",
                ));
            }
        }
        for e in policy.tests.iter().flat_map(|t| &t.expectations) {
            let stranger = match kind {
                Kind::Action => &e.query.strangers.action,
                Kind::Actor => &e.query.strangers.actor,
                Kind::Category => &e.query.strangers.category,
            };
            let known = names.names.iter().map(String::as_str);
            if let Some((name, like)) = stranger
                .as_deref()
                .and_then(|n| Some((n, closest(n, known)?)))
            {
                out.push(lookalike(
                    kind,
                    name,
                    like,
                    e.span,
                    "appears in no rule, only in this test,",
                ));
            }
        }
    }
}

/// A query's names that no rule mentions (of open kinds) and that are a
/// slip away from a name the set knows: (kind, the name, the one it is
/// like), for a note beside the decision.
pub fn query_lookalikes(policy: &Policy, query: &Query) -> Vec<(Kind, String, String)> {
    let strangers = [
        (Kind::Action, &query.strangers.action),
        (Kind::Actor, &query.strangers.actor),
        (Kind::Category, &query.strangers.category),
    ];
    strangers
        .into_iter()
        .filter_map(|(kind, name)| {
            let name = name.as_deref()?;
            let known = policy
                .vocabulary
                .names(kind)
                .names
                .iter()
                .map(String::as_str);
            let like = crate::check::suggest::closest(name, known)?;
            Some((kind, name.to_string(), like.to_string()))
        })
        .collect()
}

fn rule_scope(rule: &Rule, kind: Kind) -> &Option<Vec<NameId>> {
    match kind {
        Kind::Action => &rule.actions,
        Kind::Actor => &rule.actors,
        Kind::Category => &rule.categories,
    }
}

fn lookalike(
    kind: Kind,
    name: &str,
    like: &str,
    span: crate::source::Span,
    where_: &str,
) -> Diagnostic {
    Diagnostic::new(
        Code::Lookalike,
        format!("{} `{name}` {where_} and is a slip away from `{like}`", kind.as_str()),
    )
    .at(span, format!("`{name}` here"))
    .help(format!(
        "if you meant `{like}`, write it; if `{name}` is a name of its own, declare the {} (`{} {name}`) so that a misspelling is an error",
        kind.plural(),
        kind.as_str()
    ))
}

/// `W108`: a window that begins after 9999-12-31, the last date a query
/// can be written for, so the rule never applies.
fn windows_past_the_calendar(policy: &Policy, out: &mut Vec<Diagnostic>) {
    let last = chrono::NaiveDate::from_ymd_opt(9999, 12, 31).expect("a date");
    for rule in &policy.rules {
        let Some(from) = rule.from.filter(|b| b.date > last) else {
            continue;
        };
        out.push(
            Diagnostic::new(
                Code::PastTheCalendar,
                "this window begins after 9999-12-31, the last date a query can give: the rule never applies",
            )
            .at(from.span, format!("first day {}", from.date))
            .help("for a rule that is not in force yet, give the date it starts; to switch a rule off, remove it"),
        );
    }
}

/// `W106`: an exemption none of whose denies could ever apply where it
/// does (their scopes or windows never meet), so it lifts nothing.
fn unreachable_exemptions(policy: &Policy, out: &mut Vec<Diagnostic>) {
    for rule in &policy.rules {
        let Some(denies) = &rule.exempts else {
            continue;
        };
        if denies.is_empty()
            || denies
                .iter()
                .any(|&d| overlap(policy, rule, &policy.rules[d]))
        {
            continue;
        }
        let mut d = Diagnostic::new(
            Code::UnreachableExemption,
            "this exemption can never lift a deny: no deny it names applies where it does",
        )
        .at(rule.span, "lifts nothing");
        for &deny in denies {
            d = d.note(
                policy.rules[deny].span,
                "its actions, actors, categories or window never meet this deny's",
            );
        }
        out.push(d.help("make the exemption's names and window lie inside the deny's: an exemption narrows a deny, it cannot reach past it"));
    }
}

/// `W101` for constants and lists that nothing reads.
fn unused_values(policy: &Policy, out: &mut Vec<Diagnostic>) {
    let v = &policy.vocabulary;
    let unread = v
        .constants
        .iter()
        .filter(|c| !c.used)
        .map(|c| ("constant", &c.name, c.span))
        .chain(
            v.lists
                .iter()
                .filter(|l| !l.used)
                .map(|l| ("list", &l.name, l.span)),
        );
    for (what, name, span) in unread {
        out.push(
            Diagnostic::new(
                Code::Unused,
                format!("{what} `{name}` is declared but nothing reads it"),
            )
            .at(span, "never read")
            .help("remove it, or write the condition that needs it"),
        );
    }
}

/// Whether any exemption names the deny at `index`: then the deny does
/// not always win, and the lints that say it does stay silent.
fn exempted(policy: &Policy, index: usize) -> bool {
    policy
        .rules
        .iter()
        .any(|r| r.exempts.as_ref().is_some_and(|d| d.contains(&index)))
}

fn unconditional(rule: &Rule) -> bool {
    rule.where_.is_none() && rule.unless.is_none()
}

/// Whether every name `inner` covers is covered by `outer` (`None` is `any`).
fn scope_covers(names: &Names, outer: &Option<Vec<NameId>>, inner: &Option<Vec<NameId>>) -> bool {
    match (outer, inner) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(outer), Some(inner)) => inner.iter().all(|&i| {
            let above = names.ancestors_or_self(i);
            outer.iter().any(|&o| above[o as usize])
        }),
    }
}

fn window_covers(
    outer: (Option<Bound>, Option<Bound>),
    inner: (Option<Bound>, Option<Bound>),
) -> bool {
    let lower = match (outer.0, inner.0) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(o), Some(i)) => o.date <= i.date,
    };
    let upper = match (outer.1, inner.1) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(o), Some(i)) => o.date >= i.date,
    };
    lower && upper
}

/// Whether every query `inner` applies to, `outer` applies to as well,
/// looking at scope and time only.
fn covers(policy: &Policy, outer: &Rule, inner: &Rule) -> bool {
    let v = &policy.vocabulary;
    scope_covers(v.names(Kind::Action), &outer.actions, &inner.actions)
        && scope_covers(v.names(Kind::Actor), &outer.actors, &inner.actors)
        && scope_covers(
            v.names(Kind::Category),
            &outer.categories,
            &inner.categories,
        )
        && window_covers((outer.from, outer.until), (inner.from, inner.until))
}

/// Above this many rules the pair lints are skipped: they compare every
/// pair of rules, and a check must stay fast on any set.
pub const MAX_RULES_FOR_PAIR_LINTS: usize = 5_000;

/// Whether two scopes share a name: some name lies at or below a name of
/// each.
fn scopes_meet(names: &Names, a: &Option<Vec<NameId>>, b: &Option<Vec<NameId>>) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return true;
    };
    // a conditional membership may hold: for these lints, two scopes that
    // meet through one meet
    let under = |x: NameId, y: NameId| names.ancestors_maybe(x)[y as usize];
    if a.iter()
        .any(|&x| b.iter().any(|&y| under(x, y) || under(y, x)))
    {
        return true;
    }
    // In a forest, two names share a name below them only when one is
    // above the other; with several parents they may meet lower down.
    if names
        .parents
        .iter()
        .zip(&names.conditional)
        .all(|(p, c)| p.len() + c.len() <= 1)
    {
        return false;
    }
    let below_a = below(names, a);
    let below_b = below(names, b);
    below_a.iter().zip(&below_b).any(|(x, y)| *x && *y)
}

/// Every name at or below the given ones.
fn below(names: &Names, ids: &[NameId]) -> Vec<bool> {
    let mut children = vec![Vec::new(); names.names.len()];
    for (child, parents) in names.parents.iter().enumerate() {
        let maybe = names.conditional[child].iter().map(|&(p, _)| p);
        for p in parents.iter().copied().chain(maybe) {
            children[p as usize].push(child);
        }
    }
    let mut seen = vec![false; names.names.len()];
    let mut stack: Vec<usize> = ids.iter().map(|&i| i as usize).collect();
    while let Some(n) = stack.pop() {
        if !std::mem::replace(&mut seen[n], true) {
            stack.extend(&children[n]);
        }
    }
    seen
}

/// Whether some query falls under both rules, looking at scope and time only.
fn overlap(policy: &Policy, a: &Rule, b: &Rule) -> bool {
    let v = &policy.vocabulary;
    let starts = |r: &Rule| r.from.map(|x| x.date);
    let ends = |r: &Rule| r.until.map(|x| x.date);
    let start = starts(a).max(starts(b));
    let end = match (ends(a), ends(b)) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    scopes_meet(v.names(Kind::Action), &a.actions, &b.actions)
        && scopes_meet(v.names(Kind::Actor), &a.actors, &b.actors)
        && scopes_meet(v.names(Kind::Category), &a.categories, &b.categories)
        && !matches!((start, end), (Some(s), Some(e)) if s > e)
}

fn redundant_rules(policy: &Policy, out: &mut Vec<Diagnostic>) {
    let rules = &policy.rules;
    if rules.len() > MAX_RULES_FOR_PAIR_LINTS {
        return;
    }
    // a deny that always wins: no condition, no exemption, and a set where
    // a deny overrides
    let winning_denies: Vec<&Rule> = if policy.combining == Combining::DenyOverrides {
        rules
            .iter()
            .enumerate()
            .filter(|&(i, d)| {
                d.effect == Effect::Deny
                    && !d.is_exemption()
                    && unconditional(d)
                    && !exempted(policy, i)
            })
            .map(|(_, d)| d)
            .collect()
    } else {
        Vec::new()
    };
    for (i, rule) in rules.iter().enumerate() {
        if rule.is_exemption() {
            continue;
        }
        // an allow that an unconditional deny always overrides
        if rule.effect == Effect::Allow {
            if let Some(deny) = winning_denies.iter().find(|d| covers(policy, d, rule)) {
                out.push(
                    Diagnostic::new(Code::DeadAllow, "this allow can never apply: a deny without conditions covers every query it covers")
                        .at(rule.span, "never decides")
                        .note(deny.span, "this deny always wins over it")
                        .help(format!("narrow the deny at {}:{} (a `where`, a shorter window, fewer names) or remove this allow", deny.file, deny.line)),
                );
                continue;
            }
        }
        // an allow and a deny that overlap, neither inside the other: where
        // they meet, the deny wins, which may surprise the author
        if rule.effect == Effect::Allow && unconditional(rule) {
            for deny in &winning_denies {
                if overlap(policy, rule, deny)
                    && !covers(policy, rule, deny)
                    && !covers(policy, deny, rule)
                {
                    out.push(
                        Diagnostic::new(Code::Conflict, format!("this allow and the deny at {}:{} overlap, and the deny wins where they meet", deny.file, deny.line))
                            .at(rule.span, "allowed here")
                            .note(deny.span, "but denied here where they overlap")
                            .help("if the deny is an exception to the allow, narrow it to lie inside the allow; otherwise narrow one of them so they do not meet"),
                    );
                }
            }
        }
        // the same scope and window as an earlier rule of the same effect
        if unconditional(rule) {
            if let Some(first) = rules[..i].iter().find(|r| {
                r.effect == rule.effect
                    && !r.is_exemption()
                    && r.priority == rule.priority
                    && unconditional(r)
                    && covers(policy, r, rule)
                    && covers(policy, rule, r)
            }) {
                out.push(
                    Diagnostic::new(
                        Code::DuplicateRule,
                        format!(
                            "this rule repeats the {} at {}:{}",
                            first.effect.as_str(),
                            first.file,
                            first.line
                        ),
                    )
                    .at(rule.span, "the same scope and window")
                    .note(first.span, "first written here")
                    .help("remove one of the two; keep the one whose `because` says more"),
                );
            }
        }
    }
}

fn constant_conditions(policy: &Policy, out: &mut Vec<Diagnostic>) {
    let empty = Query {
        action: None,
        actor: None,
        category: None,
        date: chrono::NaiveDate::MIN,
        attributes: vec![None; policy.vocabulary.attributes.len()],
        strangers: QueryNames::default(),
    };
    for rule in &policy.rules {
        for (expr, word) in [(&rule.where_, "where"), (&rule.unless, "unless")] {
            if let Some(expr) = expr {
                constant_parts(expr, word, &empty, out);
            }
        }
    }
}

/// Reports the largest parts of a condition that read no attribute.
fn constant_parts(expr: &Expr, word: &str, empty: &Query, out: &mut Vec<Diagnostic>) {
    let mut attributes = Vec::new();
    expr.attributes(&mut attributes);
    let is_bool = !matches!(&expr.kind, ExprKind::Literal(v) if v.ty() != Type::Bool);
    if attributes.is_empty() && is_bool && !expr.reads_date() {
        let value = if truth(expr, empty) == Truth::True {
            "true"
        } else {
            "false"
        };
        out.push(
            Diagnostic::new(
                Code::ConstantCondition,
                format!(
                    "this part of the `{word}` condition reads no attribute: it is always {value}"
                ),
            )
            .at(expr.span, format!("always {value}"))
            .help(format!(
                "compare an attribute of the query here, or remove it from the `{word}` clause"
            )),
        );
        return;
    }
    if let ExprKind::In { negated, list, .. } = &expr.kind {
        if list.is_empty() {
            let value = if *negated { "true" } else { "false" };
            out.push(
                Diagnostic::new(
                    Code::ConstantCondition,
                    format!(
                        "an empty list holds no value: this part of the `{word}` condition is always {value} where the attribute is given"
                    ),
                )
                .at(expr.span, format!("always {value}"))
                .help("list the values it should hold, or remove this part"),
            );
        }
    }
    match &expr.kind {
        ExprKind::Not(e) => constant_parts(e, word, empty, out),
        ExprKind::And(parts) | ExprKind::Or(parts) => parts
            .iter()
            .for_each(|p| constant_parts(p, word, empty, out)),
        _ => {}
    }
}

fn unused(policy: &Policy, out: &mut Vec<Diagnostic>) {
    let v = &policy.vocabulary;
    for kind in Kind::ALL {
        let names = v.names(kind);
        if !names.closed {
            continue;
        }
        let mut used = vec![false; names.names.len()];
        for (id, parents) in names.parents.iter().enumerate() {
            let maybe = names.conditional[id].iter().map(|&(p, _)| p);
            for p in parents.iter().copied().chain(maybe) {
                used[id] = true;
                used[p as usize] = true;
            }
        }
        for rule in &policy.rules {
            let scope = match kind {
                Kind::Action => &rule.actions,
                Kind::Actor => &rule.actors,
                Kind::Category => &rule.categories,
            };
            scope
                .iter()
                .flatten()
                .for_each(|&id| used[id as usize] = true);
        }
        for e in policy.tests.iter().flat_map(|t| &t.expectations) {
            let id = match kind {
                Kind::Action => e.query.action,
                Kind::Actor => e.query.actor,
                Kind::Category => e.query.category.flatten(),
            };
            if let Some(id) = id {
                used[id as usize] = true;
            }
        }
        for (id, name) in names.names.iter().enumerate() {
            if let (false, Some(at)) = (used[id], names.declared_at[id]) {
                out.push(
                    Diagnostic::new(
                        Code::Unused,
                        format!("{} `{name}` is declared but never used", kind.as_str()),
                    )
                    .at(at, "no rule, test or hierarchy uses it")
                    .help("remove it, or write the rule or test that needs it"),
                );
            }
        }
    }
    let mut read = vec![false; v.attributes.len()];
    for m in &v.memberships {
        let mut attributes = Vec::new();
        if let Some(c) = &m.condition {
            c.attributes(&mut attributes);
        }
        attributes.into_iter().for_each(|a| read[a] = true);
    }
    for rule in &policy.rules {
        let mut attributes = Vec::new();
        for e in [&rule.where_, &rule.unless].into_iter().flatten() {
            e.attributes(&mut attributes);
        }
        attributes.into_iter().for_each(|a| read[a] = true);
    }
    for (a, attribute) in v.attributes.iter().enumerate() {
        if !read[a] {
            out.push(
                Diagnostic::new(
                    Code::Unused,
                    format!(
                        "attribute `{}` is declared but no condition reads it",
                        attribute.name
                    ),
                )
                .at(attribute.span, "never read")
                .help("remove it, or write the condition that needs it"),
            );
        }
    }
}
