//! The JSON form of a query: one object a line in batch mode.

use serde_json::{Map, Value as Json};

use crate::check::{Field, RawQuery};
use crate::syntax::ast::Literal;
use crate::value::Number;

/// Reads one JSON query; the error is one plain sentence.
pub fn parse_query(line: &str) -> Result<RawQuery, String> {
    let json: Json = serde_json::from_str(line)
        .map_err(|e| format!("invalid JSON: {}", lower_first(&e.to_string())))?;
    let Json::Object(object) = json else {
        return Err(
            "a query must be a JSON object, like {\"action\": \"sale\", \"actor\": \"partner\"}"
                .to_string(),
        );
    };
    for key in object.keys() {
        if !matches!(
            key.as_str(),
            "action" | "actor" | "category" | "date" | "attributes"
        ) {
            return Err(format!(
                "unknown field `{key}`: a query has `action`, `actor`, `category`, `date` and `attributes`"
            ));
        }
    }
    let text = |key: &str, required: bool| -> Result<Option<Field>, String> {
        match object.get(key) {
            None | Some(Json::Null) if !required => Ok(None),
            None | Some(Json::Null) => Err(format!("the query has no `{key}`")),
            Some(Json::String(s)) => Ok(Some(Field {
                text: s.clone(),
                span: None,
            })),
            Some(other) => Err(format!("`{key}` must be text, not {}", kind(other))),
        }
    };
    let action = text("action", true)?.expect("required");
    let actor = text("actor", true)?.expect("required");
    let category = text("category", false)?;
    let date = text("date", false)?;
    let attributes = match object.get("attributes") {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::Object(map)) => attributes(map)?,
        Some(other) => {
            return Err(format!(
                "`attributes` must be an object, not {}",
                kind(other)
            ))
        }
    };
    Ok(RawQuery {
        action,
        actor,
        category,
        date,
        attributes,
    })
}

fn attributes(
    map: &Map<String, Json>,
) -> Result<Vec<(Field, Literal, Option<crate::source::Span>)>, String> {
    let mut out = Vec::new();
    for (name, value) in map {
        let literal = match value {
            // null means unknown: the same as leaving the attribute out
            Json::Null => continue,
            Json::String(s) => Literal::Text(s.clone()),
            Json::Bool(b) => Literal::Bool(*b),
            Json::Number(n) => Literal::Number(
                Number::parse(&n.to_string())
                    .ok_or_else(|| format!("attribute `{name}`: the number {n} is out of range"))?,
            ),
            other => {
                return Err(format!(
                    "attribute `{name}` must be text, a number or a bool, not {}",
                    kind(other)
                ))
            }
        };
        out.push((
            Field {
                text: name.clone(),
                span: None,
            },
            literal,
            None,
        ));
    }
    Ok(out)
}

fn kind(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a bool",
        Json::Number(_) => "a number",
        Json::String(_) => "text",
        Json::Array(_) => "a list",
        Json::Object(_) => "an object",
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_lowercase().chain(chars).collect())
}
