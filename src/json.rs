//! The JSON form of a query: one object a line in batch mode.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value as Json;

use crate::check::{Field, RawQuery};
use crate::syntax::ast::Literal;
use crate::value::Number;

/// A query line of the usual shape, read without building JSON values:
/// text borrowed from the line where it has no escapes. Anything this does
/// not take (a missing or mistyped field, an unknown or repeated key) goes
/// the slow way, which says what is wrong.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Usual<'a> {
    #[serde(borrow)]
    action: Cow<'a, str>,
    #[serde(borrow)]
    actor: Cow<'a, str>,
    #[serde(borrow, default)]
    category: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    date: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    attributes: Option<Attributes<'a>>,
}

/// An attributes object with its names borrowed from the line; a name given
/// twice is left to the slow way, which says so.
struct Attributes<'a>(Vec<(Cow<'a, str>, Json)>);

/// A text borrowed from the line when it has no escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("text")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(Visit)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Attributes<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Attributes<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Attributes<'de>, M::Error> {
                let mut out: Vec<(Cow<'de, str>, Json)> = Vec::new();
                while let Some(Text(name)) = map.next_key::<Text<'de>>()? {
                    if out.iter().any(|(n, _)| *n == name) {
                        return Err(serde::de::Error::custom("an attribute given twice"));
                    }
                    out.push((name, map.next_value()?));
                }
                Ok(Attributes(out))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// Any JSON value whose objects give no key twice; reading one refuses the
/// first key repeated in an object at any depth.
struct Unrepeated;

impl<'de> Deserialize<'de> for Unrepeated {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Unrepeated;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E>(self, _: bool) -> Result<Unrepeated, E> {
                Ok(Unrepeated)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Unrepeated, E> {
                Ok(Unrepeated)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Unrepeated, E> {
                Ok(Unrepeated)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Unrepeated, E> {
                Ok(Unrepeated)
            }
            fn visit_str<E>(self, _: &str) -> Result<Unrepeated, E> {
                Ok(Unrepeated)
            }
            fn visit_unit<E>(self) -> Result<Unrepeated, E> {
                Ok(Unrepeated)
            }
            fn visit_none<E>(self) -> Result<Unrepeated, E> {
                Ok(Unrepeated)
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Unrepeated, D::Error> {
                Unrepeated::deserialize(d)
            }
            fn visit_seq<S: serde::de::SeqAccess<'de>>(
                self,
                mut seq: S,
            ) -> Result<Unrepeated, S::Error> {
                while seq.next_element::<Unrepeated>()?.is_some() {}
                Ok(Unrepeated)
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Unrepeated, M::Error> {
                let mut keys: Vec<String> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if keys.contains(&key) {
                        return Err(serde::de::Error::custom(format!(
                            "the key `{key}` is given twice in one object"
                        )));
                    }
                    map.next_value::<Unrepeated>()?;
                    keys.push(key);
                }
                Ok(Unrepeated)
            }
        }
        d.deserialize_any(Visit)
    }
}

/// Reads one JSON query; the error is one plain sentence.
pub fn parse_query(line: &str) -> Result<RawQuery<'_>, String> {
    if let Ok(usual) = serde_json::from_str::<Usual>(line) {
        let field = |text| Field { text, span: None };
        return Ok(RawQuery {
            action: field(usual.action),
            actor: field(usual.actor),
            category: usual.category.map(field),
            date: usual.date.map(field),
            attributes: match usual.attributes.map(|Attributes(list)| attributes(list)) {
                Some(Ok(list)) => list,
                // the slow way says what is wrong first, as it reads
                Some(Err(_)) => return parse_slowly(line),
                None => Vec::new(),
            },
        });
    }
    parse_slowly(line)
}

/// [`parse_query`] through a JSON value, for any line at all: the reference
/// the quick reading is held to (by tests and the fuzz target).
pub fn parse_slowly(line: &str) -> Result<RawQuery<'static>, String> {
    let json: Json = serde_json::from_str(line)
        .map_err(|e| format!("invalid JSON: {}", lower_first(&e.to_string())))?;
    // a JSON value keeps the last of a repeated key: refuse it instead,
    // since which one the writer meant is not known
    if let Err(e) = serde_json::from_str::<Unrepeated>(line) {
        return Err(e
            .to_string()
            .split(" at line")
            .next()
            .unwrap_or("")
            .to_string());
    }
    let Json::Object(mut object) = json else {
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
                text: Cow::Owned(s.clone()),
                span: None,
            })),
            Some(other) => Err(format!("`{key}` must be text, not {}", kind(other))),
        }
    };
    let action = text("action", true)?.expect("required");
    let actor = text("actor", true)?.expect("required");
    let category = text("category", false)?;
    let date = text("date", false)?;
    let attributes = match object.remove("attributes") {
        None | Some(Json::Null) => Vec::new(),
        Some(Json::Object(map)) => attributes(map.into_iter().map(|(k, v)| (Cow::Owned(k), v)))?,
        Some(other) => {
            return Err(format!(
                "`attributes` must be an object, not {}",
                kind(&other)
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

/// An attributes object's entries, in order, as literals; nulls dropped.
fn attributes<'a>(
    entries: impl IntoIterator<Item = (Cow<'a, str>, Json)>,
) -> Result<Vec<(Field<'a>, Literal, Option<crate::source::Span>)>, String> {
    let mut out = Vec::new();
    for (name, value) in entries {
        let literal = match value {
            // null means unknown: the same as leaving the attribute out
            Json::Null => continue,
            Json::String(s) => Literal::Text(s),
            Json::Bool(b) => Literal::Bool(b),
            Json::Number(n) => Literal::Number(
                Number::parse(n.as_str())
                    .ok_or_else(|| format!("attribute `{name}`: the number {n} is out of range"))?,
            ),
            other => {
                return Err(format!(
                    "attribute `{name}` must be text, a number or a bool, not {}",
                    kind(&other)
                ))
            }
        };
        out.push((
            Field {
                text: name,
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

/// A checked query in its JSON form: what `eval --input` reads to decide it
/// again (a name no rule mentions is written as it was given).
pub fn query_json(query: &crate::model::Query, vocabulary: &crate::model::Vocabulary) -> Json {
    use crate::syntax::ast::Kind;
    use crate::value::Value;
    let mut object = serde_json::Map::new();
    for (key, kind) in [
        ("action", Kind::Action),
        ("actor", Kind::Actor),
        ("category", Kind::Category),
    ] {
        if let Some(name) = query.name(kind, vocabulary) {
            object.insert(key.to_string(), Json::String(name.to_string()));
        }
    }
    object.insert("date".to_string(), Json::String(query.date.to_string()));
    let mut attributes = serde_json::Map::new();
    for (attribute, value) in vocabulary.attributes.iter().zip(&query.attributes) {
        let json = match value {
            None => continue,
            Some(Value::Text(t)) => Json::String(t.clone()),
            Some(Value::Number(n)) => n
                .to_string()
                .parse::<serde_json::Number>()
                .map_or_else(|_| Json::String(n.to_string()), Json::Number),
            Some(Value::Bool(b)) => Json::Bool(*b),
            Some(Value::Date(d)) => Json::String(d.to_string()),
            Some(Value::Ip(ip)) => Json::String(ip.to_string()),
        };
        attributes.insert(attribute.name.clone(), json);
    }
    if !attributes.is_empty() {
        object.insert("attributes".to_string(), Json::Object(attributes));
    }
    Json::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick reading and the slow one agree on every line, well formed
    /// or not: the same query, or the same sentence.
    #[test]
    fn quick_and_slow_readings_agree() {
        let lines = [
            r#"{"action": "sale", "actor": "partner"}"#,
            r#"{"actor": "partner", "action": "sale", "category": "state_owned", "date": "2021-04-02"}"#,
            r#"{"action": "sale", "actor": "partner", "category": null, "date": null, "attributes": null}"#,
            r#"{"action": "s\u0061le", "actor": "p\"artner\\"}"#,
            r#"{"action": "sale", "actor": "partner", "attributes": {"country": "RU", "seats": 12.50, "vip": true, "x": null}}"#,
            r#"{"action": "sale", "actor": "partner", "attributes": {"seats": 1e400}}"#,
            r#"{"action": "sale", "actor": "partner", "attributes": {"seats": [1]}}"#,
            r#"{"action": "sale", "actor": "partner", "attributes": []}"#,
            r#"{"action": "sale", "action": "license", "actor": "partner"}"#,
            r#"{"action": "sale", "actor": "partner", "colour": "red"}"#,
            r#"{"action": null, "actor": "partner"}"#,
            r#"{"action": 1, "actor": "partner"}"#,
            r#"{"actor": "partner"}"#,
            r#"{"action": "sale", "actor": "partner", "date": 20210402}"#,
            r#"{"action": "sale", "actor": "partner"} trailing"#,
            r#"{"action": "\ud800", "actor": "partner"}"#,
            r#"[{"action": "sale", "actor": "partner"}]"#,
            r#""sale""#,
            r#"{"action": "sale", "actor": "partner", "attributes": {"a": 1, "a": 2}}"#,
            r#"{"action": "sale", "actor": "partner", "attributes": {"a": 1, "b": {"c": 1, "c": 2}}}"#,
            "",
            "{",
        ];
        for line in lines {
            assert_eq!(
                format!("{:?}", parse_query(line)),
                format!("{:?}", parse_slowly(line)),
                "{line}"
            );
        }
    }

    /// A key given twice is refused, not read as its last value.
    #[test]
    fn repeated_keys_are_refused() {
        for (line, key) in [
            (
                r#"{"action": "sale", "action": "license", "actor": "partner"}"#,
                "action",
            ),
            (
                r#"{"action": "sale", "actor": "partner", "attributes": {"a": 1, "a": 2}}"#,
                "a",
            ),
        ] {
            let error = parse_query(line).expect_err(line);
            assert_eq!(
                error,
                format!("the key `{key}` is given twice in one object"),
                "{line}"
            );
        }
    }
}
