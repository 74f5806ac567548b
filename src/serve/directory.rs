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
//! `action.name`; the actor is the directory's for the subject id, else the
//! value at `actor` (default `subject.id`); the category is the value at
//! `category` (default `resource.type`; `null` for none); the date is
//! `context.date`, or the date part of `context.time`, else today. Each
//! attribute the set declares is read from its path under `attributes` if
//! one is given, else from the first of `subject.properties`,
//! `resource.properties`, `action.properties` and `context` that has it,
//! else from the directory's subject, then resource. Anything the set does
//! not declare is ignored.

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
    actor: Vec<String>,
    category: Option<Vec<String>>,
}

impl Default for Directory {
    fn default() -> Directory {
        Directory {
            subjects: HashMap::new(),
            resources: HashMap::new(),
            paths: Vec::new(),
            actor: path("subject.id"),
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
        let actor = match &file.actor {
            Some(at) => checked_path(at, "`actor`")?,
            None => path("subject.id"),
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
        let actor = match subject.and_then(|s| s.actor.as_deref()) {
            Some(actor) => actor.to_string(),
            None => match at(request, &self.actor) {
                Some(Json::String(actor)) => actor.clone(),
                _ => {
                    return Err(format!(
                    "subject `{subject_id}` is not in the directory and the request has no `{}`",
                    self.actor.join(".")
                ))
                }
            },
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
            let mapped = self.paths.iter().find(|(n, _)| n == name);
            let value = match mapped {
                Some((_, path)) => at(request, path),
                None => [
                    &["subject", "properties", name][..],
                    &["resource", "properties", name],
                    &["action", "properties", name],
                    &["context", name],
                ]
                .into_iter()
                .find_map(|p| at_parts(request, p).filter(|v| !v.is_null()))
                .or_else(|| subject.and_then(|s| s.attributes.get(name)))
                .or_else(|| resource.and_then(|r| r.attributes.get(name))),
            };
            if let Some(value) = value.filter(|v| !v.is_null()) {
                attributes.insert(name.to_string(), value.clone());
            }
        }
        if !attributes.is_empty() {
            query.insert("attributes".into(), Json::Object(attributes));
        }
        Ok(Json::Object(query).to_string())
    }
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
