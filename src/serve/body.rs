//! Reading request bodies within bounds, and the JSON error every refusal
//! answers with.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use super::Limits;

/// A refusal: its status, and one sentence saying why, answered as
/// `{"error": "..."}`.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(
            self.status,
            serde_json::json!({"error": self.message}).to_string(),
        )
    }
}

/// A JSON answer with its status.
pub fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// How a body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// One JSON value (a query, or an array of them).
    Json,
    /// JSON lines.
    Lines,
}

/// The body's form from its `Content-Type`: JSON when none is given; JSON
/// lines only where `lines` allows them; anything else is 415.
pub fn form(headers: &HeaderMap, lines: bool) -> Result<Form, ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(Form::Json);
    };
    let media = value
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "application/json" => Ok(Form::Json),
        "application/x-ndjson" | "application/jsonl" | "application/jsonlines" if lines => {
            Ok(Form::Lines)
        }
        _ => {
            let wanted = if lines {
                "`Content-Type: application/json` (an array of queries) or `application/x-ndjson` (one query a line)"
            } else {
                "`Content-Type: application/json`"
            };
            Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("the body is `{media}`; send JSON with {wanted}"),
            ))
        }
    }
}

/// The whole body, at most `limits.max_body` bytes (413 beyond), each part
/// arriving within `limits.body_timeout` (408 otherwise).
pub async fn read(body: Body, headers: &HeaderMap, limits: &Limits) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the body is larger than the {} bytes a request may have; send many queries to /v1/decide/batch",
                limits.max_body
            ),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_body as u64) {
        return Err(too_large());
    }
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0) as usize);
    loop {
        match tokio::time::timeout(limits.body_timeout, stream.next()).await {
            Err(_) => return Err(slow(limits)),
            Ok(None) => break,
            Ok(Some(Err(e))) => return Err(broken(&e)),
            Ok(Some(Ok(part))) => {
                if bytes.len() + part.len() > limits.max_body {
                    return Err(too_large());
                }
                bytes.extend_from_slice(&part);
            }
        }
    }
    Ok(Bytes::from(bytes))
}

/// 408: the client stopped sending.
pub fn slow(limits: &Limits) -> ApiError {
    ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        format!(
            "the body stopped arriving for {} s",
            limits.body_timeout.as_secs_f64()
        ),
    )
}

/// 400: the body ended early or was malformed on the wire.
pub fn broken(e: &dyn std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("the body could not be read: {e}"))
}

/// The body as UTF-8 text.
pub fn text(bytes: &Bytes) -> Result<&str, ApiError> {
    std::str::from_utf8(bytes).map_err(|e| {
        ApiError::bad_request(format!(
            "the body is not valid UTF-8 (byte {})",
            e.valid_up_to()
        ))
    })
}
