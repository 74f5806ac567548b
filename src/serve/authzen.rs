//! The OpenID AuthZEN 1.0 Authorization API: `POST /access/v1/evaluation`,
//! `POST /access/v1/evaluations` and the discovery document.
//!
//! A request becomes an edict query through the [`Directory`](super::directory::Directory); the answer
//! is `{"decision": true}` only when edict decides `allow`. A request that
//! lacks what AuthZEN requires (a subject's type and id, an action's name, a
//! resource's type and id) is 400; one that has it but cannot be made into
//! a query the set accepts (an unknown subject, a value of the wrong type)
//! is `{"decision": false}` with the reason in its `context`, as AuthZEN
//! asks: an error never permits.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value as Json};

use super::body::{self, json_response, ApiError};
use super::decide::{ready, with_revision, Asked};
use super::log::Sent;
use super::metrics::Outcome;
use super::state::App;

const EVALUATION: &str = "/access/v1/evaluation";
const EVALUATIONS: &str = "/access/v1/evaluations";

pub async fn evaluation(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let request = read_object(&app, &headers, body).await?;
    required(&request).map_err(ApiError::bad_request)?;
    let revision = ready(&app)?;
    let answer = evaluate(&Asked::new(&app, &revision, &headers), &request);
    Ok(with_revision(
        json_response(StatusCode::OK, answer.to_string()),
        &revision,
    ))
}

/// How a batch of evaluations stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Semantic {
    ExecuteAll,
    DenyOnFirstDeny,
    PermitOnFirstPermit,
}

pub async fn evaluations(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let request = read_object(&app, &headers, body).await?;
    let semantic = semantic(&request).map_err(ApiError::bad_request)?;
    let items = match request.get("evaluations") {
        None => None,
        Some(Json::Array(items)) if items.is_empty() => None,
        Some(Json::Array(items)) => Some(items),
        Some(_) => return Err(ApiError::bad_request("`evaluations` should be an array")),
    };
    let revision = ready(&app)?;
    let asked = Asked::new(&app, &revision, &headers);
    // without items, the request is one evaluation (AuthZEN's rule)
    let Some(items) = items else {
        required(&request).map_err(ApiError::bad_request)?;
        let answer = evaluate(&asked, &request);
        return Ok(with_revision(
            json_response(StatusCode::OK, answer.to_string()),
            &revision,
        ));
    };
    // many items take a while: off the async workers' duty meanwhile
    let answers = tokio::task::block_in_place(|| {
        let mut answers = Vec::with_capacity(items.len());
        for item in items {
            let answer = match item {
                Json::Object(item) => {
                    let merged = merged(&request, item);
                    match required(&merged) {
                        Ok(()) => evaluate(&asked, &merged),
                        Err(message) => refused(&asked, &merged, &message),
                    }
                }
                _ => refused(&asked, &Map::new(), "an evaluation should be an object"),
            };
            let permitted = answer["decision"] == Json::Bool(true);
            answers.push(answer);
            let stop = match semantic {
                Semantic::ExecuteAll => false,
                Semantic::DenyOnFirstDeny => !permitted,
                Semantic::PermitOnFirstPermit => permitted,
            };
            if stop {
                break;
            }
        }
        answers
    });
    Ok(with_revision(
        json_response(
            StatusCode::OK,
            json!({ "evaluations": answers }).to_string(),
        ),
        &revision,
    ))
}

/// `GET /.well-known/authzen-configuration`: where the endpoints are, under
/// `--public-url` or, without one, the address the client used.
pub async fn configuration(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let base = match &app.public_url {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => {
            // a host as a client may send it, and nothing else
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .filter(|h| {
                    !h.is_empty()
                        && h.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
                })
                .unwrap_or("127.0.0.1");
            format!("http://{host}")
        }
    };
    json_response(
        StatusCode::OK,
        json!({
            "policy_decision_point": base,
            "access_evaluation_endpoint": format!("{base}{EVALUATION}"),
            "access_evaluations_endpoint": format!("{base}{EVALUATIONS}"),
        })
        .to_string(),
    )
}

/// The body as a JSON object, or 400: for a body that says it is not JSON
/// too, as the AuthZEN certification asks (the other routes answer 415).
async fn read_object(
    app: &App,
    headers: &HeaderMap,
    body: Body,
) -> Result<Map<String, Json>, ApiError> {
    body::form(headers, false).map_err(|e| ApiError::bad_request(e.message))?;
    let bytes = body::read(body, headers, &app.limits).await?;
    let text = body::text(&bytes)?;
    if text.trim().is_empty() {
        return Err(ApiError::bad_request(
            "the body is empty; send a JSON object",
        ));
    }
    match serde_json::from_str::<Json>(text) {
        Ok(Json::Object(object)) => Ok(object),
        Ok(_) => Err(ApiError::bad_request("the body should be a JSON object")),
        Err(e) => Err(ApiError::bad_request(format!("the body is not JSON: {e}"))),
    }
}

fn semantic(request: &Map<String, Json>) -> Result<Semantic, String> {
    let Some(options) = request.get("options") else {
        return Ok(Semantic::ExecuteAll);
    };
    let Json::Object(options) = options else {
        return Err("`options` should be an object".into());
    };
    match options.get("evaluations_semantic") {
        None => Ok(Semantic::ExecuteAll),
        Some(Json::String(s)) if s == "execute_all" => Ok(Semantic::ExecuteAll),
        Some(Json::String(s)) if s == "deny_on_first_deny" => Ok(Semantic::DenyOnFirstDeny),
        Some(Json::String(s)) if s == "permit_on_first_permit" => Ok(Semantic::PermitOnFirstPermit),
        Some(other) => Err(format!(
            "`options.evaluations_semantic` is {other}; it is one of `execute_all`, `deny_on_first_deny`, `permit_on_first_permit`"
        )),
    }
}

/// An item with the request's subject, action, resource and context where
/// it gives none of its own; an item's own replaces the default whole.
fn merged(request: &Map<String, Json>, item: &Map<String, Json>) -> Map<String, Json> {
    let mut merged = item.clone();
    for key in ["subject", "action", "resource", "context"] {
        if !merged.contains_key(key) {
            if let Some(default) = request.get(key) {
                merged.insert(key.to_string(), default.clone());
            }
        }
    }
    merged
}

/// What AuthZEN requires of an evaluation.
fn required(request: &Map<String, Json>) -> Result<(), String> {
    for (entity, fields) in [
        ("subject", &["type", "id"][..]),
        ("action", &["name"]),
        ("resource", &["type", "id"]),
    ] {
        let Some(value) = request.get(entity) else {
            return Err(format!("the request has no `{entity}`"));
        };
        let Json::Object(object) = value else {
            return Err(format!("`{entity}` should be an object"));
        };
        for field in fields {
            match object.get(*field) {
                Some(Json::String(_)) => {}
                None => return Err(format!("`{entity}` has no `{field}`")),
                Some(_) => return Err(format!("`{entity}.{field}` should be a string")),
            }
        }
        if let Some(properties) = object.get("properties") {
            if !properties.is_object() && !properties.is_null() {
                return Err(format!("`{entity}.properties` should be an object"));
            }
        }
    }
    match request.get("context") {
        None | Some(Json::Object(_)) | Some(Json::Null) => Ok(()),
        Some(_) => Err("`context` should be an object".into()),
    }
}

/// Decides one complete evaluation: `{"decision": bool}`, with the reason
/// in `context` when the request could not be decided.
fn evaluate(asked: &Asked<'_>, request: &Map<String, Json>) -> Json {
    let (app, revision) = (asked.app, asked.revision);
    let set = &revision.set;
    let query = match revision.directory.query(request, set.policy()) {
        Ok(query) => query,
        Err(message) => return refused(asked, request, &message),
    };
    let checked =
        crate::json::parse_query(&query).and_then(|raw| set.check_owned_on(raw, crate::today()));
    let (checked, decision) = match checked {
        Ok(checked) => {
            let decision = set.decide(&checked);
            (checked, decision)
        }
        Err(message) => return refused(asked, request, &message),
    };
    app.metrics.decision(decision.effect);
    if app.log.is_some() {
        let mut answer = Vec::new();
        set.write_decision_json(&decision, &mut answer);
        // the query as decided, with its date: `eval --input` decides it again
        let decided = crate::json::query_json(&checked, &set.policy().vocabulary).to_string();
        asked.log(&app.decision_id(), Sent::Json(&decided), &answer);
    }
    json!({ "decision": decision.effect == crate::Effect::Allow })
}

/// `{"decision": false}` for a request that could not be decided.
fn refused(asked: &Asked<'_>, request: &Map<String, Json>, message: &str) -> Json {
    let app = asked.app;
    app.metrics.decisions(Outcome::Error, 1);
    if app.log.is_some() {
        let sent = Json::Object(request.clone()).to_string();
        let answer = json!({ "error": message }).to_string();
        asked.log(&app.decision_id(), Sent::Json(&sent), answer.as_bytes());
    }
    json!({ "decision": false, "context": { "error": { "status": 400, "message": message } } })
}
