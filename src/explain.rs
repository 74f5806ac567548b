//! Why each rule did or did not apply to a query: the first clause that
//! failed, in plain words, and where it is.

use chrono::NaiveDate;

use crate::eval::{above, decide, in_scope, truth, Truth};
use crate::model::{Bound, Expr, NameId, Names, Policy, Query, Rule};
use crate::source::Span;
use crate::syntax::ast::{Combining, Effect, Kind, TimeOp};

/// One rule that shares the query's action, and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// Index of the rule in [`Policy::rules`].
    pub rule: usize,
    pub applied: bool,
    /// Whether the query's names are ones the rule is about (true or
    /// unknown); false for a rule about other actors or categories.
    pub in_scope: bool,
    /// Why it did not apply, or why it applied although something was
    /// unknown; `None` for a rule that simply applied.
    pub reason: Option<String>,
    /// The clause the reason is about.
    pub span: Option<Span>,
}

/// Explains every rule whose actions cover the query's action, in set order.
pub fn explain(policy: &Policy, query: &Query) -> Vec<Explanation> {
    let actions = above(policy, Kind::Action, query.action, query);
    let actors = above(policy, Kind::Actor, query.actor, query);
    let categories = query
        .category
        .map(|c| above(policy, Kind::Category, c, query));
    let mut out = Vec::new();
    for (index, rule) in policy.rules.iter().enumerate() {
        let action = in_scope(&rule.actions, &actions);
        if action == Truth::False {
            continue;
        }
        let failure = first_failure(policy, rule, query, (action, &actors), categories.as_ref());
        let in_scope = !matches!(failure, Failure::OutOfScope(..));
        let (applied, reason, span) = match failure {
            Failure::None => (true, None, None),
            Failure::False(reason, span) | Failure::OutOfScope(reason, span) => {
                (false, Some(reason), span)
            }
            Failure::Unknown(reason, span) => {
                let deny = rule.effect == Effect::Deny && !rule.is_exemption();
                let outcome = if deny {
                    "a deny applies when unknown"
                } else if rule.is_exemption() {
                    "an exemption needs a known match"
                } else {
                    "an allow needs a known match"
                };
                (deny, Some(format!("{reason} ({outcome})")), span)
            }
        };
        out.push(Explanation {
            rule: index,
            applied,
            in_scope,
            reason,
            span,
        });
    }
    what_beat_what(policy, query, &mut out);
    out
}

/// Says of each rule that applied but did not decide what beat it: an
/// exemption that lifted it, or the set's way of combining; and of each
/// exemption that applied, which denies it lifted.
fn what_beat_what(policy: &Policy, query: &Query, out: &mut [Explanation]) {
    let decision = decide(policy, query);
    for e in out.iter_mut().filter(|e| e.applied) {
        let rule = &policy.rules[e.rule];
        if let Some(&(_, by)) = decision.exempted.iter().find(|(d, _)| *d == e.rule) {
            let exemption = &policy.rules[by];
            let lifted = format!("it is lifted by the exemption {}", named(exemption));
            e.reason = Some(match e.reason.take() {
                Some(why) => format!("{why}, but {lifted}"),
                None => format!("but {lifted}"),
            });
            e.span = exemption.clauses.exempts;
        } else if e.reason.is_some() {
            // applied although something was unknown: that is said already
        } else if rule.is_exemption() {
            let lifted: Vec<String> = decision
                .exempted
                .iter()
                .filter(|(_, by)| *by == e.rule)
                .map(|&(d, _)| named(&policy.rules[d]))
                .collect();
            e.reason = Some(if lifted.is_empty() {
                "but no deny it names applies".to_string()
            } else {
                format!("it lifts {}", lifted.join(" and "))
            });
            e.span = rule.clauses.exempts;
        } else if policy.combining != Combining::DenyOverrides
            && decision.overridden.contains(&e.rule)
        {
            e.reason = Some(match policy.combining {
                Combining::MostSpecific => "but it does not decide: under most specific, the rules nearest the query's actor decide, a deny among them overriding".to_string(),
                other => format!("but it does not decide: the set combines by {}", other.as_str()),
            });
        }
    }
}

/// Of a condition whose truth is `t`, made of parts joined by the word
/// that lets one part decide (`and` for false, `or` for true), the first
/// part with that truth, followed down; `None` for a condition of one part.
fn deciding_part<'a>(expr: &'a Expr, query: &Query, t: Truth) -> Option<&'a Expr> {
    use crate::model::ExprKind;
    let parts = match (&expr.kind, t) {
        (ExprKind::And(parts), Truth::False) | (ExprKind::Or(parts), Truth::True) => parts,
        _ => return None,
    };
    let part = parts.iter().find(|p| truth(p, query) == t)?;
    Some(deciding_part(part, query, t).unwrap_or(part))
}

/// "`name`", or "at FILE:LINE" for a rule without one.
fn named(rule: &Rule) -> String {
    match &rule.name {
        Some(name) => format!("`{name}`"),
        None => format!("at {}:{}", rule.file, rule.line),
    }
}

enum Failure {
    None,
    /// The query's actor or category is not one the rule is about.
    OutOfScope(String, Option<Span>),
    False(String, Option<Span>),
    Unknown(String, Option<Span>),
}

/// "a `partner`", "an `admin` or a `vendor`".
fn one_of(names: &Names, ids: &[NameId]) -> String {
    ids.iter()
        .map(|&i| {
            let name = names.names[i as usize].as_str();
            format!("{} `{name}`", indefinite_article(name))
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

/// "a" or "an" before a name, by how it is most likely said: by its first
/// letter, but "a" before the vowels said as "you" or "w" (`eu_owned`,
/// `user`, `unit`, `one_off`).
fn indefinite_article(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    // `eu_owned`, `us_recipient`: letters said as "you"; `one`: said "won"
    let said_as_consonant = [
        "eu", "uni", "use", "usu", "uti", "ure", "one", "once", "us_", "uk_", "usa",
    ]
    .iter()
    .any(|p| lower.starts_with(p));
    if lower.starts_with(['a', 'e', 'i', 'o', 'u']) && !said_as_consonant {
        "an"
    } else {
        "a"
    }
}

/// Why a name is not under a scope it would be under if every conditional
/// membership held: the first such membership that does not hold for the
/// query, as written and where ("`actor alice in admin where ...`
/// (vocabulary.policy:15) does not hold for this query"); `None` where no
/// membership could lead there.
fn blocked_membership(
    policy: &Policy,
    kind: Kind,
    query: &Query,
    ids: &[NameId],
) -> Option<String> {
    let vocab = &policy.vocabulary;
    let names = vocab.names(kind);
    let id = match kind {
        Kind::Action => query.action,
        Kind::Actor => query.actor,
        Kind::Category => query.category.flatten(),
    }?;
    let maybe = names.ancestors_maybe(id);
    let leads = |from: NameId| {
        let above = names.ancestors_maybe(from);
        ids.iter().any(|&s| above[s as usize])
    };
    let m = vocab.memberships.iter().find(|m| {
        m.kind == kind
            && maybe[m.child as usize]
            && leads(m.parent)
            && crate::eval::membership(m, query) != Truth::True
    })?;
    let file = policy.sources.get(m.span.file);
    let text = file.text.get(m.span.range()).unwrap_or("").trim();
    let line = file.line_col(m.span.start()).line;
    Some(format!(
        "`{text}` ({}:{line}) does not hold for this query",
        file.name
    ))
}

fn first_failure(
    policy: &Policy,
    rule: &Rule,
    query: &Query,
    (action, actors): (Truth, &Option<Vec<Truth>>),
    categories: Option<&Option<Vec<Truth>>>,
) -> Failure {
    let vocab = &policy.vocabulary;
    let mut unknown = None;
    let unsure = |kind: Kind, ids: &[NameId], span: Option<Span>| {
        let reason = format!(
            "whether `{}` is {} rests on a membership whose condition is unknown",
            query.name(kind, vocab).unwrap_or_default(),
            one_of(vocab.names(kind), ids)
        );
        (reason, span)
    };
    if let (Truth::Unknown, Some(ids)) = (action, &rule.actions) {
        unknown = Some(unsure(Kind::Action, ids, None));
    }
    if let Some(ids) = &rule.actors {
        match in_scope(&rule.actors, actors) {
            Truth::False => {
                let mut reason = format!(
                    "`{}` is not {}",
                    query.name(Kind::Actor, vocab).unwrap_or_default(),
                    one_of(vocab.names(Kind::Actor), ids)
                );
                // kept out by a membership that does not hold: about the
                // query's name all the same, and the reason it matters
                if let Some(why) = blocked_membership(policy, Kind::Actor, query, ids) {
                    reason.push_str(&format!(" here: {why}"));
                    return Failure::False(reason, rule.clauses.actors);
                }
                return Failure::OutOfScope(reason, rule.clauses.actors);
            }
            Truth::Unknown if unknown.is_none() => {
                unknown = Some(unsure(Kind::Actor, ids, rule.clauses.actors));
            }
            _ => {}
        }
    }
    if let Some(ids) = &rule.categories {
        match (categories, query.name(Kind::Category, vocab)) {
            (Some(above), Some(name)) => match in_scope(&rule.categories, above) {
                Truth::False => {
                    let mut reason = format!(
                        "`{name}` is not {}",
                        one_of(vocab.names(Kind::Category), ids)
                    );
                    if let Some(why) = blocked_membership(policy, Kind::Category, query, ids) {
                        reason.push_str(&format!(" here: {why}"));
                        return Failure::False(reason, rule.clauses.categories);
                    }
                    return Failure::OutOfScope(reason, rule.clauses.categories);
                }
                Truth::Unknown if unknown.is_none() => {
                    unknown = Some(unsure(Kind::Category, ids, rule.clauses.categories));
                }
                _ => {}
            },
            _ if unknown.is_some() => {}
            _ => {
                unknown = Some((
                    "the query gives no category, so `to category` is unknown".to_string(),
                    rule.clauses.categories,
                ));
            }
        }
    }
    // the window after the scopes: a rule about other names is out of
    // scope, whatever its dates
    if let Some(b) = rule.from.filter(|b| query.date < b.date) {
        return Failure::False(lower_words(query.date, b), Some(b.span));
    }
    if let Some(b) = rule.until.filter(|b| query.date > b.date) {
        return Failure::False(upper_words(query.date, b), Some(b.span));
    }
    for (expr, span, word, wanted) in [
        (&rule.where_, rule.clauses.where_, "where", Truth::True),
        (&rule.unless, rule.clauses.unless, "unless", Truth::False),
    ] {
        let Some(expr) = expr else { continue };
        match truth(expr, query) {
            Truth::Unknown if unknown.is_none() => {
                let words = missing_words(policy, expr, query);
                unknown = Some((
                    format!("{words}, so the `{word}` condition is unknown"),
                    span,
                ));
            }
            Truth::Unknown => {}
            t if t != wanted => {
                let reason = if word == "where" {
                    "the `where` condition is false"
                } else {
                    "the `unless` condition is true"
                };
                // of `A and B` that is false, or `A or B` that is true: the
                // part that made it so
                return match deciding_part(expr, query, t) {
                    Some(part) => {
                        let file = policy.sources.get(part.span.file);
                        let text = file.text.get(part.span.range()).unwrap_or("");
                        let holds = if t == Truth::True {
                            "holds"
                        } else {
                            "does not hold"
                        };
                        Failure::False(format!("{reason}: `{text}` {holds}"), Some(part.span))
                    }
                    None => Failure::False(reason.to_string(), span),
                };
            }
            _ => {}
        }
    }
    match unknown {
        Some((reason, span)) => Failure::Unknown(reason, span),
        None => Failure::None,
    }
}

fn missing_words(policy: &Policy, expr: &Expr, query: &Query) -> String {
    let mut attributes = Vec::new();
    expr.attributes(&mut attributes);
    let missing: Vec<String> = attributes
        .into_iter()
        .filter(|&a| query.attributes[a].is_none())
        .map(|a| format!("`{}`", policy.vocabulary.attributes[a].name))
        .collect();
    match missing.len() {
        1 => format!("{} is missing", missing[0]),
        _ => format!("{} are missing", missing.join(" and ")),
    }
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn lower_words(date: NaiveDate, b: Bound) -> String {
    let (q, w) = (day(date), day(b.written));
    match b.op {
        TimeOp::After => format!("{q} is not after {w}"),
        TimeOp::On => format!("{q} is not {w}"),
        TimeOp::Between => format!("{q} is before {w}, the start of the window"),
        _ => format!("{q} is before {w}"),
    }
}

fn upper_words(date: NaiveDate, b: Bound) -> String {
    let (q, w) = (day(date), day(b.written));
    match b.op {
        TimeOp::Before => format!("{q} is not before {w}"),
        TimeOp::On => format!("{q} is not {w}"),
        TimeOp::Between => format!("{q} is after {w}, the end of the window"),
        _ => format!("{q} is after {w}"),
    }
}

#[cfg(test)]
mod tests {
    use super::indefinite_article;

    #[test]
    fn articles_follow_how_names_are_said() {
        for (name, article) in [
            ("admin", "an"),
            ("partner", "a"),
            ("eu_owned_subsidiary", "a"),
            ("user", "a"),
            ("individual", "an"),
            ("Operator", "an"),
            ("one_off", "a"),
            ("unknown_buyer", "an"),
            ("us_recipient", "a"),
            ("uk_entity", "a"),
            ("usage", "a"),
            ("under_review", "an"),
        ] {
            assert_eq!(indefinite_article(name), article, "{name}");
        }
    }
}
