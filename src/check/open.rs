//! Checking a query with holes, which `edict who-may` answers: the names
//! and values it gives are checked as a query's are; a hole is checked
//! for nothing.

use std::borrow::Cow;

use super::query::{check_bindings, check_date, check_name, Field};
use crate::diagnostic::Diagnostic;
use crate::model::{OpenQuery, Vocabulary};
use crate::syntax::ast::{self, Kind, Slot};

/// Checks an open query. Every problem is reported, not just the first.
pub fn check_open_query(
    vocab: &Vocabulary,
    q: &ast::OpenQuery,
) -> Result<OpenQuery, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut name = |kind: Kind, slot: &Slot<ast::Name>| match slot {
        Slot::Hole(_) => None,
        Slot::Given(n) => {
            check_name(vocab, kind, &n.text, Some(n.span), &mut errors);
            Some(n.text.clone())
        }
    };
    let action = name(Kind::Action, &q.action);
    let actor = name(Kind::Actor, &q.actor);
    let category = match &q.category {
        None => Some(None),
        Some(slot) => name(Kind::Category, slot).map(Some),
    };
    let date = match &q.date {
        None | Some(Slot::Hole(_)) => None,
        Some(Slot::Given(d)) => {
            let field = Field {
                text: Cow::Borrowed(d.text.as_str()),
                span: Some(d.span),
            };
            check_date(&field, &mut errors)
        }
    };
    let bindings = q
        .attributes
        .iter()
        .map(|b| {
            let field = Field {
                text: Cow::Borrowed(b.name.text.as_str()),
                span: Some(b.name.span),
            };
            (field, b.value.clone(), Some(b.value_span))
        })
        .collect();
    let attributes = check_bindings(vocab, bindings, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(OpenQuery {
        action,
        actor,
        category,
        date,
        attributes: vocab
            .attributes
            .iter()
            .zip(attributes)
            .filter_map(|(a, v)| Some((a.name.clone(), v?)))
            .collect(),
    })
}
