//! The HTTP API: which handler answers which route, and what every request
//! goes through first (the bearer token, the request id it echoes, the
//! counters).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use super::body::ApiError;
use super::metrics::Route;
use super::state::App;
use super::{authzen, batch, decide, ops};

/// Routes a load balancer or a client discovering the API reads without a
/// token.
const OPEN: [&str; 3] = ["/health", "/ready", "/.well-known/authzen-configuration"];

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/v1/decide", post(decide::decide))
        .route("/v1/decide/batch", post(batch::batch))
        .route("/v1/explain", post(decide::explain))
        .route("/access/v1/evaluation", post(authzen::evaluation))
        .route("/access/v1/evaluations", post(authzen::evaluations))
        .route(
            "/.well-known/authzen-configuration",
            get(authzen::configuration),
        )
        .route("/health", get(ops::health))
        .route("/ready", get(ops::ready))
        .route("/v1/status", get(ops::status))
        .route("/metrics", get(ops::metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(Arc::clone(&app), around))
        .with_state(app)
}

async fn not_found(request: Request) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!(
            "there is no `{}`; the routes are listed in docs/serve.md",
            request.uri().path()
        ),
    )
}

async fn method_not_allowed(request: Request) -> ApiError {
    let wanted = match Route::of(request.uri().path()) {
        Route::Operations => "GET",
        _ => "POST",
    };
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "`{}` takes {wanted}, not {}",
            request.uri().path(),
            request.method()
        ),
    )
}

/// Checks the token, answers, echoes `X-Request-ID` and counts.
async fn around(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = Route::of(request.uri().path());
    let request_id = request.headers().get("x-request-id").cloned();
    let mut response = if authorized(&app, &request) {
        next.run(request).await
    } else {
        let mut refused = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "this service wants `Authorization: Bearer TOKEN`, with the token of its --token-file",
        )
        .into_response();
        refused.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"edict\""),
        );
        refused
    };
    if let Some(id) = request_id {
        response.headers_mut().insert("x-request-id", id);
    }
    app.metrics.request(
        route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// Whether the request may pass: no token is set, the route is open, or it
/// carries the token (compared in constant time).
fn authorized(app: &App, request: &Request) -> bool {
    use subtle::ConstantTimeEq;
    let Some(token) = &app.token else {
        return true;
    };
    if OPEN.contains(&request.uri().path()) {
        return true;
    }
    // the scheme's name is case-insensitive (RFC 9110)
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes())
        .filter(|v| v.len() > 7 && v[..7].eq_ignore_ascii_case(b"bearer "))
        .map_or(&b""[..], |v| &v[7..]);
    bool::from(given.ct_eq(token))
}
