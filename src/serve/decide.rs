//! `POST /v1/decide` and `POST /v1/explain`: one query in the JSON form
//! `eval --input` reads, answered as `eval --input` answers it, with the
//! decision's id.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::body::{self, json_response, ApiError};
use super::log::{entry, Sent};
use super::metrics::Outcome;
use super::state::{now, App, Revision};
use crate::render;

pub async fn decide(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    one(&app, &headers, body, false).await
}

pub async fn explain(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    one(&app, &headers, body, true).await
}

async fn one(
    app: &App,
    headers: &HeaderMap,
    body: Body,
    explain: bool,
) -> Result<Response, ApiError> {
    body::form(headers, false)?;
    let bytes = body::read(body, headers, &app.limits).await?;
    let text = body::text(&bytes)?;
    let revision = ready(app)?;
    // an explanation reads every rule of the action: off the async workers'
    // duty while it does, so that other requests go on being answered
    let asked = Asked::new(app, &revision, headers);
    let answer = if explain {
        tokio::task::block_in_place(|| answer(&asked, text.trim(), true))?
    } else {
        answer(&asked, text.trim(), false)?
    };
    Ok(with_revision(
        json_response(StatusCode::OK, answer),
        &revision,
    ))
}

/// The running revision, or 503 before the first one is loaded.
pub fn ready(app: &App) -> Result<Arc<Revision>, ApiError> {
    app.current().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no set is loaded yet; /ready says when one is",
        )
    })
}

/// Marks an answer with the revision that made it.
pub fn with_revision(mut response: Response, revision: &Revision) -> Response {
    response
        .headers_mut()
        .insert("x-edict-revision", revision.header.clone());
    response
}

/// Decides one query's text: the answer's JSON, or 400 saying what is wrong
/// with the query. Logged either way.
fn answer(asked: &Asked<'_>, text: &str, explain: bool) -> Result<String, ApiError> {
    let (app, revision) = (asked.app, asked.revision);
    let set = &revision.set;
    let n = app.reserve_ids(1);
    let id = app.id_of(n);
    let checked =
        crate::json::parse_query(text).and_then(|raw| set.check_owned_on(raw, crate::today()));
    let query = match checked {
        Ok(query) => query,
        Err(message) => {
            app.metrics.decisions(Outcome::Error, 1);
            if app.log.is_some() {
                // raw line breaks cannot be inside JSON strings, so this
                // keeps JSON as JSON, on one line
                let one_line = text.replace(['\n', '\r'], " ");
                let sent = if serde_json::from_str::<serde::de::IgnoredAny>(&one_line).is_ok() {
                    Sent::Json(&one_line)
                } else {
                    Sent::Text(&one_line)
                };
                let error = serde_json::json!({"error": &message}).to_string();
                asked.log(&id, sent, error.as_bytes());
            }
            return Err(ApiError::bad_request(message));
        }
    };
    let decision = set.decide(&query);
    app.metrics.decision(decision.effect);
    let mut answer = Vec::with_capacity(256);
    if explain {
        let mut json = render::decision_json(set.policy(), &decision);
        json["explain"] =
            render::explanation_json(set.policy(), &crate::explain::explain(set.policy(), &query));
        answer = json.to_string().into_bytes();
    } else {
        set.write_decision_json(&decision, &mut answer);
    }
    if app.log.is_some() {
        // the query as decided, with its date: `eval --input` decides it again
        let decided = crate::json::query_json(&query, &set.policy().vocabulary).to_string();
        asked.log(&id, Sent::Json(&decided), &answer);
    }
    app.close_with_id(&mut answer, n);
    Ok(String::from_utf8(answer).unwrap_or_default())
}

/// What a decision is logged with: the service, the revision deciding, and
/// the request's `X-Request-ID`.
pub struct Asked<'a> {
    pub app: &'a App,
    pub revision: &'a Revision,
    pub request_id: Option<&'a str>,
}

impl<'a> Asked<'a> {
    pub fn new(app: &'a App, revision: &'a Revision, headers: &'a HeaderMap) -> Asked<'a> {
        Asked {
            app,
            revision,
            request_id: headers.get("x-request-id").and_then(|v| v.to_str().ok()),
        }
    }

    /// Logs one decision (or refusal), if the service keeps a log.
    pub fn log(&self, id: &str, sent: Sent<'_>, answer: &[u8]) {
        let Some(log) = &self.app.log else { return };
        let mut line = Vec::with_capacity(answer.len() + 256);
        let revision = &self.revision.hash;
        entry(
            &mut line,
            id,
            &now(),
            revision,
            self.request_id,
            sent,
            answer,
        );
        log.write(line);
    }
}
