//! How an AuthZEN request becomes an edict query, and the directory that
//! says who a subject is.
//!
//! AuthZEN names a subject by an id (an email, an opaque token subject)
//! that is rarely an edict name, and sends facts as free-form properties.
//! The directory file (`--directory`, JSON, reloaded with the set) maps
//! subject ids to an actor and attributes, resource ids to attributes, and
//! may say where in the request an attribute's value is read:
//!
//! ```json
//! {"subjects": {"CiRmZDA2": {"actor": "rick", "attributes": {"email": "rick@the-citadel.com"}}},
//!  "resources": {"record-2": {"attributes": {"status": "archived"}}},
//!  "attributes": {"owner": "resource.properties.ownerID"},
//!  "actor": "subject.id", "category": "resource.type"}
//! ```
//!
//! The mapping, written down in `docs/serve.md`: the action is
//! `action.name`; the actor is the directory's for the subject id (a subject
//! it does not list is refused, unless the directory names a path under
//! `actor`; without a directory the actor is `subject.id`); the category is
//! the value at `category` (default `resource.type`; `null` for none); the
//! date is `context.date`, or the date part of `context.time`, else today.
//! Each attribute the set declares is read from its path under `attributes`
//! if one is given; else the directory's subject, then resource, gives it;
//! else the request, from `subject.properties`, `resource.properties`,
//! `action.properties` or `context`, and two of them giving it differently
//! is an error. Anything the set does not declare is ignored.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Map, Value as Json};

use crate::model::Policy;

/// Where to find what: the directory file, read.
#[derive(Debug, Clone)]
pub struct Directory {
    subjects: HashMap<String, Entry>,
    resources: HashMap<String, Entry>,
    /// Attribute name to a dotted path in the request.
    paths: Vec<(String, Vec<String>)>,
    /// Where the actor of a subject the directory does not list is read;
    /// `None`: such a subject is refused.
    actor: Option<Vec<String>>,
    category: Option<Vec<String>>,
}

impl Default for Directory {
    fn default() -> Directory {
        Directory {
            subjects: HashMap::new(),
            resources: HashMap::new(),
            paths: Vec::new(),
            actor: Some(path("subject.id")),
            category: Some(path("resource.type")),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    #[serde(default)]
    actor: Option<String>,
    #[serde(default)]
    attributes: Map<String, Json>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    subjects: HashMap<String, Entry>,
    #[serde(default)]
    resources: HashMap<String, Entry>,
    #[serde(default)]
    attributes: Map<String, Json>,
    #[serde(default)]
    actor: Option<String>,
    /// Absent: the default; `null`: no category.
    #[serde(default = "default_category")]
    category: Option<String>,
}

fn default_category() -> Option<String> {
    Some("resource.type".to_string())
}

fn path(dotted: &str) -> Vec<String> {
    dotted.split('.').map(str::to_string).collect()
}

const ROOTS: [&str; 4] = ["subject", "action", "resource", "context"];

fn checked_path(dotted: &str, what: &str) -> Result<Vec<String>, String> {
    let parts = path(dotted);
    if parts.iter().any(String::is_empty) || !ROOTS.contains(&parts[0].as_str()) {
        return Err(format!(
            "{what} reads `{dotted}`, which is not a path like `resource.properties.owner` under one of {}",
            ROOTS.join(", ")
        ));
    }
    Ok(parts)
}

impl Directory {
    /// Reads a directory file, checking it against the set: the attributes
    /// it maps must be declared.
    pub fn parse(text: &str, policy: &Policy) -> Result<Directory, String> {
        let file: File = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let mut paths = Vec::new();
        for (name, at) in &file.attributes {
            if policy.vocabulary.attribute(name).is_none() {
                return Err(format!(
                    "`attributes` maps `{name}`, which the set does not declare"
                ));
            }
            let Json::String(at) = at else {
                return Err(format!("`attributes.{name}` should be a path in quotes"));
            };
            paths.push((
                name.clone(),
                checked_path(at, &format!("`attributes.{name}`"))?,
            ));
        }
        // with a directory, only the subjects it lists are known, unless it
        // says where else an actor is read
        let actor = match &file.actor {
            Some(at) => Some(checked_path(at, "`actor`")?),
            None => None,
        };
        let category = match &file.category {
            Some(at) => Some(checked_path(at, "`category`")?),
            None => None,
        };
        Ok(Directory {
            subjects: file.subjects,
            resources: file.resources,
            paths,
            actor,
            category,
        })
    }

    /// The edict query (its JSON form) for an AuthZEN request whose
    /// subject, action and resource are there; the error says what is
    /// missing or wrong.
    pub fn query(&self, request: &Map<String, Json>, policy: &Policy) -> Result<String, String> {
        let subject_id = text_at(request, &["subject", "id"]).unwrap_or_default();
        let subject = self.subjects.get(subject_id);
        let resource = text_at(request, &["resource", "id"]).and_then(|id| self.resources.get(id));
        let action =
            text_at(request, &["action", "name"]).ok_or("the request has no `action.name`")?;
        let actor = match (subject.and_then(|s| s.actor.as_deref()), &self.actor) {
            (Some(actor), _) => actor.to_string(),
            (None, Some(path)) => match at(request, path) {
                Some(Json::String(actor)) => actor.clone(),
                _ => {
                    return Err(format!(
                    "subject `{subject_id}` is not in the directory and the request has no `{}`",
                    path.join(".")
                ))
                }
            },
            (None, None) => {
                return Err(format!(
                    "subject `{subject_id}` is not in the directory (or has no actor there)"
                ))
            }
        };
        let mut query = Map::new();
        query.insert("action".into(), Json::String(action.to_string()));
        query.insert("actor".into(), Json::String(actor));
        if let Some(Json::String(category)) = self.category.as_ref().and_then(|c| at(request, c)) {
            query.insert("category".into(), Json::String(category.clone()));
        }
        if let Some(date) = date(request) {
            query.insert("date".into(), Json::String(date));
        }
        let mut attributes = Map::new();
        for attribute in &policy.vocabulary.attributes {
            let name = attribute.name.as_str();
            let known = subject
                .and_then(|s| s.attributes.get(name))
                .or_else(|| resource.and_then(|r| r.attributes.get(name)))
                .filter(|v| !v.is_null());
            let value = match self.paths.iter().find(|(n, _)| n == name) {
                Some((_, path)) => at(request, path).filter(|v| !v.is_null()).or(known),
                None => match known {
                    Some(value) => Some(value),
                    None => given(request, name)?,
                },
            };
            if let Some(value) = value {
                attributes.insert(name.to_string(), value.clone());
            }
        }
        if !attributes.is_empty() {
            query.insert("attributes".into(), Json::Object(attributes));
        }
        Ok(Json::Object(query).to_string())
    }
}

/// An attribute's value as the request gives it, in the properties of the
/// subject, the resource or the action, or in the context; two of them
/// giving it differently is an error (the caller must say which one counts,
/// with a path in the directory).
fn given<'a>(request: &'a Map<String, Json>, name: &str) -> Result<Option<&'a Json>, String> {
    let places = [
        &["subject", "properties", name][..],
        &["resource", "properties", name],
        &["action", "properties", name],
        &["context", name],
    ];
    let mut found: Option<(&[&str], &Json)> = None;
    for place in places {
        let Some(value) = at_parts(request, place).filter(|v| !v.is_null()) else {
            continue;
        };
        match found {
            Some((first, seen)) if seen != value => {
                return Err(format!(
                    "`{}` and `{}` give `{name}` differently; say which one is meant in the directory's `attributes`",
                    first.join("."),
                    place.join(".")
                ))
            }
            Some(_) => {}
            None => found = Some((place, value)),
        }
    }
    Ok(found.map(|(_, value)| value))
}

/// The query's date: `context.date`, or the date part of `context.time`
/// (the date as written, in the time's own offset).
fn date(request: &Map<String, Json>) -> Option<String> {
    if let Some(date) = text_at(request, &["context", "date"]) {
        return Some(date.to_string());
    }
    let time = text_at(request, &["context", "time"])?;
    Some(time.get(..10).unwrap_or(time).to_string())
}

fn at<'a>(request: &'a Map<String, Json>, path: &[String]) -> Option<&'a Json> {
    let parts: Vec<&str> = path.iter().map(String::as_str).collect();
    at_parts(request, &parts)
}

fn at_parts<'a>(request: &'a Map<String, Json>, path: &[&str]) -> Option<&'a Json> {
    let (first, rest) = path.split_first()?;
    let mut value = request.get(*first)?;
    for part in rest {
        value = value.as_object()?.get(*part)?;
    }
    Some(value)
}

fn text_at<'a>(request: &'a Map<String, Json>, path: &[&str]) -> Option<&'a str> {
    at_parts(request, path).and_then(Json::as_str)
}
