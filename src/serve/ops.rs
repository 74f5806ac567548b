//! The routes for operating the service: liveness, readiness, the running
//! revision and its last failed reload, and the Prometheus metrics.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::body::json_response;
use super::state::App;

/// `GET /health`: the process answers.
pub async fn health() -> Response {
    json_response(StatusCode::OK, json!({"status": "ok"}).to_string())
}

/// `GET /ready`: a set is loaded, so decisions can be asked for.
pub async fn ready(State(app): State<Arc<App>>) -> Response {
    match app.current() {
        Some(revision) => json_response(
            StatusCode::OK,
            json!({"status": "ready", "revision": revision.hash}).to_string(),
        ),
        None => json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"status": "loading", "error": "no set is loaded yet"}).to_string(),
        ),
    }
}

/// `GET /v1/status`: the running revision, and why the last reload kept it
/// if it did.
pub async fn status(State(app): State<Arc<App>>) -> Response {
    let revision = app.current().map(|r| {
        json!({
            "hash": r.hash,
            "loaded_at": r.loaded_at,
            "files": r.files,
            "rules": r.set.policy().rules.len(),
        })
    });
    let failure = app
        .last_failure()
        .map(|f| json!({"at": f.at, "error": f.message, "diagnostics": f.diagnostics}));
    json_response(
        StatusCode::OK,
        json!({
            "revision": revision,
            "last_failed_reload": failure,
            "paths": app.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "version": env!("CARGO_PKG_VERSION"),
        })
        .to_string(),
    )
}

/// `GET /metrics`, in the Prometheus text format.
pub async fn metrics(State(app): State<Arc<App>>) -> Response {
    let revision = app.current();
    let text = app
        .metrics
        .render(revision.as_ref().map(|r| r.hash.as_str()));
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        text,
    )
        .into_response()
}
