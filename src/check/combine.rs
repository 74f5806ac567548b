//! How rules combine: the set's `combine` declaration, rules' priorities,
//! and the denies that exemptions name.

use super::{did_you_mean, suggest, Checker};
use crate::diagnostic::{Code, Diagnostic};
use crate::model;
use crate::syntax::ast::{self, Clause, Combining, Effect, Statement};
use crate::value::Number;

impl Checker {
    /// The set's way of combining rules: deny overrides unless it says
    /// otherwise, at most once.
    pub(super) fn combining(&mut self, statements: &[&Statement]) -> Combining {
        let mut first: Option<&ast::CombineDecl> = None;
        for s in statements {
            let Statement::Combine(c) = s else { continue };
            match first {
                Some(first) => self.error(
                    Diagnostic::new(Code::DuplicateCombine, "the set has a second `combine`")
                        .at(c.span, "second combine")
                        .note(first.span, "first combine")
                        .help("a policy set combines its rules one way: keep one `combine`"),
                ),
                None => first = Some(c),
            }
        }
        first.map_or(Combining::default(), |c| c.combining)
    }

    /// A rule's priority: a whole number, on a rule (not an exemption) of a
    /// set that combines by highest priority.
    pub(super) fn priority(&mut self, rule: &ast::Rule, c: &Clause<Number>) -> Option<i64> {
        let problem = if rule.is_exemption() {
            Some((
                "an exemption has no priority".to_string(),
                "an exemption lifts the denies it names whatever their priority: remove `priority`",
            ))
        } else if self.combining != Combining::HighestPriority {
            Some((
                format!(
                    "this priority is never read: the set combines by {}",
                    self.combining.as_str()
                ),
                "declare `combine highest priority` once in the set, or remove `priority`",
            ))
        } else if c.value.to_i64().is_none() {
            Some((
                "a priority is a whole number".to_string(),
                "write a whole number, like `priority 10`; higher wins",
            ))
        } else {
            None
        };
        match problem {
            Some((message, help)) => {
                self.error(
                    Diagnostic::new(Code::BadPriority, message)
                        .at(c.span, "here")
                        .help(help),
                );
                None
            }
            None => c.value.to_i64(),
        }
    }

    /// Points each exemption at the denies it names.
    pub(super) fn resolve_exemptions(
        &mut self,
        rules: &mut [model::Rule],
        exemptions: Vec<(usize, Vec<ast::Name>)>,
    ) {
        for (index, names) in exemptions {
            let mut targets = Vec::with_capacity(names.len());
            for name in &names {
                match self.rule_index.get(&name.text).copied() {
                    Some(t) if rules[t].effect == Effect::Deny && !rules[t].is_exemption() => {
                        if !targets.contains(&t) {
                            targets.push(t);
                        }
                    }
                    Some(t) => {
                        let what = if rules[t].is_exemption() {
                            "an exemption"
                        } else {
                            "an allow"
                        };
                        self.error(
                            Diagnostic::new(
                                Code::BadExemption,
                                format!("`{}` is {what}, not a deny", name.text),
                            )
                            .at(name.span, "not a deny")
                            .note(rules[t].span, "this is the rule")
                            .help(
                                "an exemption lifts denies: name the deny rules it carves out of",
                            ),
                        );
                    }
                    None => {
                        let mut denies: Vec<&str> = self
                            .rule_index
                            .iter()
                            .filter(|(_, &i)| {
                                rules[i].effect == Effect::Deny && !rules[i].is_exemption()
                            })
                            .map(|(n, _)| n.as_str())
                            .collect();
                        denies.sort_unstable();
                        let closest = suggest::closest(&name.text, denies.iter().copied());
                        let hint = closest.map(did_you_mean).unwrap_or_else(|| {
                            format!(
                                "name the deny first, like `{}: deny ...`, then exempt from it",
                                name.text
                            )
                        });
                        self.error(
                            Diagnostic::new(
                                Code::BadExemption,
                                format!("no rule is named `{}`", name.text),
                            )
                            .at(name.span, "not a rule of the set")
                            .help(hint)
                            .replace_with(closest),
                        );
                    }
                }
            }
            rules[index].exempts = Some(targets);
        }
    }
}
