//! cedar-policy as the benchmark runs it: the set written as Cedar policies
//! (one `permit` or `forbid` a rule), a schema and an entity store of the
//! three hierarchies; loaded by parsing the policies, validating them
//! strictly against the schema and building the entities; a query asked as a
//! request with its attributes in the context.
//!
//! Actors and categories are entities of the types `Actor` and `Category`,
//! each a member of the names directly above it; actions are `Action`
//! entities whose groups mirror the action hierarchy. Dates are Cedar
//! `datetime` values.

use std::collections::HashSet;
use std::fmt::Write;
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid,
    PolicySet, Request, RestrictedExpression, Schema, ValidationMode, Validator,
};

use crate::spec::{Atom, Names, Query, Spec};

/// The set loaded into cedar-policy, with everything a request needs.
pub struct Cedar {
    authorizer: Authorizer,
    policies: PolicySet,
    entities: Entities,
    /// The entity of every name, by kind, in the order of the spec's names.
    actions: Vec<EntityUid>,
    actors: Vec<EntityUid>,
    categories: Vec<EntityUid>,
}

/// The set as Cedar text: (schema in the Cedar schema format, policies).
pub fn texts(spec: &Spec) -> (String, String) {
    (schema(spec), policies(spec))
}

/// The schema: the two entity types, every action with its groups, and the
/// principals, resources and context of every concrete action (one that is
/// no action's group).
pub fn schema(spec: &Spec) -> String {
    let mut out = String::from(
        "entity Actor in [Actor];\n\
         entity Category in [Category];\n\
         type Attributes = {\n  \
           date: __cedar::datetime,\n  \
           country: String,\n  \
           amount: Long,\n  \
           verified: Bool,\n\
         };\n",
    );
    // an action that is some action's parent is a group: requests name the
    // concrete actions below it, so only those take requests (`appliesTo`).
    // The validator typechecks every policy once for every action that
    // applies to something, so groups with `appliesTo` would only add work.
    let mut group = vec![false; spec.actions.names.len()];
    for &p in spec.actions.parents.iter().flatten() {
        group[p] = true;
    }
    for (i, name) in spec.actions.names.iter().enumerate() {
        let _ = write!(out, "action \"{name}\"");
        let parents = &spec.actions.parents[i];
        if !parents.is_empty() {
            let list: Vec<String> = parents
                .iter()
                .map(|&p| format!("\"{}\"", spec.actions.names[p]))
                .collect();
            let _ = write!(out, " in [{}]", list.join(", "));
        }
        out.push_str(if group[i] {
            ";\n"
        } else {
            " appliesTo { principal: [Actor], resource: [Category], context: Attributes };\n"
        });
    }
    out
}

/// The policies: one a rule, in the order of the rules.
pub fn policies(spec: &Spec) -> String {
    let mut out = String::new();
    for rule in &spec.rules {
        // conditions that cannot sit in the scope go into `when`
        let mut when: Vec<String> = Vec::new();
        out.push_str(if rule.allow {
            "permit (\n"
        } else {
            "forbid (\n"
        });
        out.push_str("  principal");
        head_scope(
            &mut out,
            &mut when,
            "principal",
            "Actor",
            &rule.actors,
            &spec.actors,
        );
        out.push_str(",\n  action");
        if let Some(scope) = &rule.actions {
            out.push_str(" in [");
            out.push_str(&uid_list("Action", scope, &spec.actions));
            out.push(']');
        }
        out.push_str(",\n  resource");
        head_scope(
            &mut out,
            &mut when,
            "resource",
            "Category",
            &rule.categories,
            &spec.categories,
        );
        out.push_str("\n)");
        if let Some(from) = rule.from {
            when.push(format!("context.date >= datetime(\"{from}\")"));
        }
        if let Some(until) = rule.until {
            when.push(format!("context.date <= datetime(\"{until}\")"));
        }
        when.extend(rule.where_.iter().map(atom));
        if !when.is_empty() {
            let _ = write!(out, "\nwhen {{ {} }}", when.join(" && "));
        }
        if !rule.unless.is_empty() {
            let unless: Vec<String> = rule.unless.iter().map(atom).collect();
            let _ = write!(out, "\nunless {{ {} }}", unless.join(" && "));
        }
        out.push_str(";\n\n");
    }
    out
}

/// A principal or resource scope: one name in the head, several (which the
/// head cannot hold) as `in [..]` in the condition, none (any) as nothing.
fn head_scope(
    out: &mut String,
    when: &mut Vec<String>,
    var: &str,
    kind: &str,
    scope: &Option<Vec<usize>>,
    names: &Names,
) {
    match scope.as_deref() {
        None | Some([]) => {}
        Some([one]) => {
            let _ = write!(out, " in {kind}::\"{}\"", names.names[*one]);
        }
        Some(several) => when.push(format!("{var} in [{}]", uid_list(kind, several, names))),
    }
}

fn uid_list(kind: &str, scope: &[usize], names: &Names) -> String {
    scope
        .iter()
        .map(|&n| format!("{kind}::\"{}\"", names.names[n]))
        .collect::<Vec<_>>()
        .join(", ")
}

fn atom(a: &Atom) -> String {
    match a {
        Atom::CountryIs(c) => format!("context.country == \"{c}\""),
        Atom::CountryIn(cs) => {
            let list: Vec<String> = cs.iter().map(|c| format!("\"{c}\"")).collect();
            format!("[{}].contains(context.country)", list.join(", "))
        }
        Atom::AmountOver(n) => format!("context.amount > {n}"),
        Atom::AmountAtMost(n) => format!("context.amount <= {n}"),
        Atom::Verified => "context.verified".to_string(),
        Atom::NotVerified => "!context.verified".to_string(),
    }
}

fn uids(kind: &str, names: &Names) -> Vec<EntityUid> {
    let kind = EntityTypeName::from_str(kind).expect("a valid entity type name");
    names
        .names
        .iter()
        .map(|n| {
            EntityUid::from_type_name_and_id(
                kind.clone(),
                EntityId::from_str(n).expect("any text is an entity id"),
            )
        })
        .collect()
}

/// The entities of one kind, each with the names directly above it.
fn entities_of<'a>(uids: &'a [EntityUid], names: &'a Names) -> impl Iterator<Item = Entity> + 'a {
    uids.iter().zip(&names.parents).map(|(uid, parents)| {
        let parents: HashSet<EntityUid> = parents.iter().map(|&p| uids[p].clone()).collect();
        Entity::new_no_attrs(uid.clone(), parents)
    })
}

impl Cedar {
    /// Translates the set, parses the policies, validates them strictly
    /// against the schema (panicking on any error) and builds the entities.
    pub fn load(spec: &Spec) -> Cedar {
        let (schema_text, policy_text) = texts(spec);
        Cedar::from_texts(spec, &schema_text, &policy_text)
    }

    /// The engine step of [`Cedar::load`]: from the texts of [`texts`].
    pub fn from_texts(spec: &Spec, schema_text: &str, policy_text: &str) -> Cedar {
        let (schema, warnings) = Schema::from_cedarschema_str(schema_text)
            .unwrap_or_else(|e| panic!("the Cedar schema does not parse: {e:?}"));
        // the warnings (shadowed names and the like) do not matter here
        warnings.for_each(drop);
        let policies = PolicySet::from_str(policy_text)
            .unwrap_or_else(|e| panic!("the Cedar policies do not parse: {e:?}"));
        let validator = Validator::new(schema);
        let result = validator.validate(&policies, ValidationMode::Strict);
        if !result.validation_passed() {
            let errors: Vec<String> = result
                .validation_errors()
                .map(|e| format!("{e:?}"))
                .collect();
            panic!("the Cedar policies do not validate:\n{}", errors.join("\n"));
        }
        let schema = validator.schema();

        let actions = uids("Action", &spec.actions);
        let actors = uids("Actor", &spec.actors);
        let categories = uids("Category", &spec.categories);
        // the action entities come from the schema
        let entities = Entities::from_entities(
            entities_of(&actors, &spec.actors).chain(entities_of(&categories, &spec.categories)),
            Some(schema),
        )
        .unwrap_or_else(|e| panic!("the Cedar entities are not valid: {e:?}"));

        Cedar {
            authorizer: Authorizer::new(),
            policies,
            entities,
            actions,
            actors,
            categories,
        }
    }

    /// Asks the query as a request: the actor, action and category as
    /// entities, the other attributes in the context. True is allow.
    pub fn decide(&self, q: &Query) -> bool {
        let context = Context::from_pairs([
            (
                "date".to_string(),
                RestrictedExpression::new_datetime(q.date.to_string()),
            ),
            (
                "country".to_string(),
                RestrictedExpression::new_string(q.country.clone()),
            ),
            (
                "amount".to_string(),
                RestrictedExpression::new_long(q.amount),
            ),
            (
                "verified".to_string(),
                RestrictedExpression::new_bool(q.verified),
            ),
        ])
        .expect("a valid context");
        // The request is not checked against the schema again: the policies
        // were validated strictly and the context always has the same shape.
        let request = Request::new(
            self.actors[q.actor].clone(),
            self.actions[q.action].clone(),
            self.categories[q.category].clone(),
            context,
            None,
        )
        .expect("a valid request");
        self.authorizer
            .is_authorized(&request, &self.policies, &self.entities)
            .decision()
            == Decision::Allow
    }
}
