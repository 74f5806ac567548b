//! `POST /v1/decide/batch`: many queries in one request, answered in order
//! as they stream in, in flat memory however many there are.
//!
//! The body is either JSON lines (`Content-Type: application/x-ndjson`,
//! answered as JSON lines) or one JSON array of queries (answered as an
//! array). Both go through the same streaming batch the CLI uses
//! ([`crate::batch`]): the array is turned into lines on the way in (one
//! element a line) and the answers back into an array on the way out. One
//! bad query answers its own error; the rest are decided.

use std::io::{BufRead, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::body::{self, ApiError, Form};
use super::decide::{ready, with_revision};
use super::log::{entry, Sent};
use super::metrics::Outcome;
use super::state::{now, App, Revision};
use super::Limits;
use crate::batch::{BatchError, Line};

/// Parts of the body, or answers, waiting between the network and the
/// deciding threads.
const WAITING: usize = 16;

/// Pieces of answers ([`SEND_AT`] bytes each) waiting for the network: a
/// client that sends its whole body before it reads (as many do) is
/// answered up to this much before the batch waits on it.
const ANSWERS_WAITING: usize = 256;

/// Decision ids a chunk takes at once.
const IDS_AT_ONCE: u64 = 1024;

/// Bytes of answers gathered before they are sent on.
const SEND_AT: usize = 64 * 1024;

pub async fn batch(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let form = body::form(&headers, true)?;
    let revision = ready(&app)?;
    let mut stream = body.into_data_stream();
    let mut first = Vec::new();
    if form == Form::Json {
        opens_array(&mut stream, &mut first, &app.limits).await?;
    }
    // batches decide on every core; more at once would only share them
    let Ok(permit) = Arc::clone(&app.batches).acquire_owned().await else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the service is stopping",
        ));
    };
    let (parts, parts_rx) = mpsc::channel(WAITING);
    let (answers_tx, answers) = mpsc::channel::<std::io::Result<Bytes>>(ANSWERS_WAITING);
    tokio::spawn(pump(stream, Bytes::from(first), parts, app.limits));
    let decided = Arc::clone(&revision);
    let handle = tokio::runtime::Handle::current();
    let finished = Arc::new(AtomicBool::new(false));
    let done = Arc::clone(&finished);
    let request_id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    tokio::task::spawn_blocking(move || {
        let asked = (&*app, &*decided, request_id.as_deref());
        answer_all(asked, form, parts_rx, answers_tx, handle, &done);
        drop(permit);
    });
    let whole = finished;
    // answers as they come; a batch that stopped before its end (a stalled
    // client, a failure) ends the body in an error, never as if whole
    let stream = futures_util::stream::unfold(Some(answers), move |answers| {
        let whole = Arc::clone(&whole);
        async move {
            let mut answers = answers?;
            match answers.recv().await {
                Some(next) => Some((next, Some(answers))),
                None if whole.load(Ordering::Acquire) => None,
                None => Some((
                    Err(std::io::Error::other("the batch stopped before its end")),
                    None,
                )),
            }
        }
    });
    let kind = match form {
        Form::Json => "application/json",
        Form::Lines => "application/x-ndjson",
    };
    let response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, kind)],
        Body::from_stream(stream),
    )
        .into_response();
    Ok(with_revision(response, &revision))
}

/// Reads until the body's first character, which must open an array: a
/// body that is not an array is refused before any answer is sent.
async fn opens_array(
    stream: &mut axum::body::BodyDataStream,
    first: &mut Vec<u8>,
    limits: &Limits,
) -> Result<(), ApiError> {
    loop {
        match first.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'[') => return Ok(()),
            Some(_) => {
                return Err(ApiError::bad_request(
                    "a JSON batch is an array of queries; to send one query a line, say `Content-Type: application/x-ndjson`",
                ))
            }
            None => {}
        }
        match tokio::time::timeout(limits.body_timeout, stream.next()).await {
            Err(_) => return Err(body::slow(limits)),
            Ok(None) => {
                return Err(ApiError::bad_request(
                    "the body is empty; send an array of queries",
                ))
            }
            Ok(Some(Err(e))) => return Err(body::broken(&e)),
            Ok(Some(Ok(part))) => first.extend_from_slice(&part),
        }
    }
}

/// Hands the body's parts to the deciding threads, each within the body
/// timeout; a failure is handed on as the last part.
async fn pump(
    mut stream: axum::body::BodyDataStream,
    first: Bytes,
    parts: mpsc::Sender<std::io::Result<Bytes>>,
    limits: Limits,
) {
    if !first.is_empty() && parts.send(Ok(first)).await.is_err() {
        return;
    }
    loop {
        let part = match tokio::time::timeout(limits.body_timeout, stream.next()).await {
            Err(_) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                body::slow(&limits).message,
            )),
            Ok(None) => return,
            Ok(Some(Err(e))) => Err(std::io::Error::other(body::broken(&e).message)),
            Ok(Some(Ok(part))) => Ok(part),
        };
        let failed = part.is_err();
        if parts.send(part).await.is_err() || failed {
            return;
        }
    }
}

/// What a chunk of lines leaves to hand over once it is answered.
#[derive(Default)]
struct Kept {
    /// Decision ids taken for the chunk and not yet given: next, end.
    ids: (u64, u64),
    log: Vec<u8>,
    time: Option<String>,
    /// The day a query without a date is decided for, read once a chunk.
    today: Option<chrono::NaiveDate>,
    counts: [u64; 3],
}

/// Decides every line of the body, on the blocking pool.
fn answer_all(
    (app, revision, request_id): (&App, &Revision, Option<&str>),
    form: Form,
    parts: mpsc::Receiver<std::io::Result<Bytes>>,
    answers: mpsc::Sender<std::io::Result<Bytes>>,
    handle: tokio::runtime::Handle,
    finished: &AtomicBool,
) {
    let reader = BodyReader {
        parts,
        part: Bytes::new(),
        at: 0,
        array: (form == Form::Json).then(Array::default),
    };
    let mut writer = AnswerWriter {
        answers,
        handle,
        stall: app.limits.body_timeout,
        pending: Vec::with_capacity(SEND_AT),
        array: form == Form::Json,
        started: false,
        comma: false,
        finished: false,
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let answered = crate::batch::run_chunked(
        reader,
        &mut writer,
        threads,
        |line, out, kept: &mut Kept| {
            answer_line((app, revision, request_id), form, line, out, kept)
        },
        |kept| {
            for (outcome, n) in [Outcome::Allow, Outcome::Deny, Outcome::Error]
                .into_iter()
                .zip(kept.counts)
            {
                app.metrics.decisions(outcome, n);
            }
            if let (Some(log), false) = (&app.log, kept.log.is_empty()) {
                log.write(kept.log);
            }
        },
        |_, _| {},
    );
    match answered {
        // the client went away: nobody to tell
        Err(BatchError::Write(_)) => {}
        Err(BatchError::Read(e)) => {
            let error = serde_json::json!({ "error": e.to_string() }).to_string();
            let _ = writer.write_all(error.as_bytes());
            let _ = writer.write_all(b"\n");
            let _ = writer.finish();
        }
        Ok(_) => {
            let _ = writer.finish();
        }
    }
    if writer.finished {
        finished.store(true, Ordering::Release);
    }
}

/// Writes one line's answer; false when it was an error.
fn answer_line(
    (app, revision, request_id): (&App, &Revision, Option<&str>),
    form: Form,
    line: Line<'_>,
    out: &mut Vec<u8>,
    kept: &mut Kept,
) -> bool {
    let number = line.number;
    let today = *kept.today.get_or_insert_with(crate::today);
    let Some((text, answer)) = revision.set.decide_line_on(line, today) else {
        return true;
    };
    let start = out.len();
    let ok = match &answer {
        Ok((_, decision)) => {
            revision.set.write_decision_json(decision, out);
            kept.counts[if decision.effect == crate::Effect::Allow {
                0
            } else {
                1
            }] += 1;
            true
        }
        Err(message) => {
            let error = match form {
                Form::Lines => serde_json::json!({"error": message, "line": number}),
                Form::Json => serde_json::json!({"error": message, "index": number - 1}),
            };
            let _ = serde_json::to_writer(&mut *out, &error);
            kept.counts[2] += 1;
            false
        }
    };
    if kept.ids.0 == kept.ids.1 {
        // ids a chunk at a time, not one shared counter a line
        let first = app.reserve_ids(IDS_AT_ONCE);
        kept.ids = (first, first + IDS_AT_ONCE);
    }
    let id = kept.ids.0;
    kept.ids.0 += 1;
    if app.log.is_some() {
        let time = kept.time.get_or_insert_with(now);
        let id = app.id_of(id);
        let answered = &out[start..];
        match &answer {
            // the query as decided, with its date: `eval --input` decides it again
            Ok((query, _)) => {
                let decided = crate::json::query_json(query, &revision.set.policy().vocabulary);
                let decided = decided.to_string();
                let sent = Sent::Json(&decided);
                entry(
                    &mut kept.log,
                    &id,
                    time,
                    &revision.hash,
                    request_id,
                    sent,
                    answered,
                );
            }
            Err(_) => entry(
                &mut kept.log,
                &id,
                time,
                &revision.hash,
                request_id,
                Sent::Text(&text),
                answered,
            ),
        }
    }
    app.close_with_id(out, id);
    out.push(b'\n');
    ok
}

/// The body as lines, read from the parts the network hands over; an array
/// is turned into one element a line on the way.
struct BodyReader {
    parts: mpsc::Receiver<std::io::Result<Bytes>>,
    part: Bytes,
    at: usize,
    array: Option<Array>,
}

impl Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for BodyReader {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        while self.at == self.part.len() {
            let next = self.parts.blocking_recv();
            let bytes = match next {
                None => match &self.array {
                    Some(array) => {
                        array.end()?;
                        return Ok(&[]);
                    }
                    None => return Ok(&[]),
                },
                Some(part) => part?,
            };
            self.part = match &mut self.array {
                Some(array) => Bytes::from(array.lines(&bytes)?),
                None => bytes,
            };
            self.at = 0;
        }
        Ok(&self.part[self.at..])
    }

    fn consume(&mut self, amount: usize) {
        self.at = (self.at + amount).min(self.part.len());
    }
}

/// Where an array's text is, as it is turned into lines.
#[derive(Default)]
struct Array {
    opened: bool,
    closed: bool,
    depth: usize,
    in_text: bool,
    escaped: bool,
}

impl Array {
    /// The elements of the array's next part, one a line: commas between
    /// elements become line breaks, line breaks within them spaces (within
    /// a JSON text a raw line break is an error, and stays one).
    fn lines(&mut self, part: &[u8]) -> std::io::Result<Vec<u8>> {
        let invalid = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_string());
        let mut out = Vec::with_capacity(part.len() + 1);
        for &b in part {
            if self.closed || !self.opened {
                match b {
                    _ if b.is_ascii_whitespace() => {}
                    b'[' if !self.opened => self.opened = true,
                    _ if self.closed => return Err(invalid("there is more after the array's `]`")),
                    _ => return Err(invalid("a JSON batch is an array of queries")),
                }
                continue;
            }
            if self.in_text {
                match b {
                    _ if self.escaped => self.escaped = false,
                    b'\\' => self.escaped = true,
                    b'"' => self.in_text = false,
                    b'\n' | b'\r' => {
                        out.push(0x01);
                        continue;
                    }
                    _ => {}
                }
                out.push(b);
                continue;
            }
            match b {
                b'"' => self.in_text = true,
                b'{' | b'[' => self.depth += 1,
                b']' if self.depth == 0 => {
                    self.closed = true;
                    out.push(b'\n');
                    continue;
                }
                b'}' | b']' => self.depth = self.depth.saturating_sub(1),
                b',' if self.depth == 0 => {
                    out.push(b'\n');
                    continue;
                }
                b'\n' | b'\r' => {
                    out.push(b' ');
                    continue;
                }
                _ => {}
            }
            out.push(b);
        }
        Ok(out)
    }

    fn end(&self) -> std::io::Result<()> {
        if self.closed {
            Ok(())
        } else {
            Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the body ended before the array's `]`",
            ))
        }
    }
}

/// Sends answers on to the network in pieces of [`SEND_AT`] bytes; for an
/// array, the answer lines are written as the elements of one.
struct AnswerWriter {
    answers: mpsc::Sender<std::io::Result<Bytes>>,
    handle: tokio::runtime::Handle,
    /// How long the client may leave answers unread before the batch stops.
    stall: std::time::Duration,
    pending: Vec<u8>,
    array: bool,
    started: bool,
    /// An answer line ended: a comma goes before the next one.
    comma: bool,
    /// The answers were all written; if not, the response ends in an
    /// error, so that the client cannot take a cut answer for a whole one.
    finished: bool,
}

impl AnswerWriter {
    /// Sends what is pending in pieces of at most [`SEND_AT`] bytes (a
    /// chunk's answers may be megabytes), so that the answers waiting are
    /// bounded by [`ANSWERS_WAITING`] pieces.
    fn send(&mut self) -> std::io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let bytes = Bytes::from(std::mem::replace(
            &mut self.pending,
            Vec::with_capacity(SEND_AT),
        ));
        let mut at = 0;
        while at < bytes.len() {
            let piece = bytes.slice(at..bytes.len().min(at + SEND_AT));
            at += piece.len();
            let sent = self.handle.block_on(tokio::time::timeout(
                self.stall,
                self.answers.send(Ok(piece)),
            ));
            match sent {
                Ok(Ok(())) => {}
                Ok(Err(_)) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::BrokenPipe,
                        "the client went away",
                    ))
                }
                Err(_) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the client left the answers unread",
                    ))
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        if self.array {
            if !self.started {
                self.pending.push(b'[');
            }
            self.pending.extend_from_slice(b"]\n");
        }
        self.send()?;
        self.finished = true;
        Ok(())
    }
}

impl Write for AnswerWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.array {
            self.pending.extend_from_slice(buf);
        } else {
            if !self.started {
                self.pending.push(b'[');
                self.started = true;
            }
            for piece in buf.split_inclusive(|&b| b == b'\n') {
                if piece.is_empty() {
                    continue;
                }
                if std::mem::take(&mut self.comma) {
                    self.pending.push(b',');
                }
                match piece.strip_suffix(b"\n") {
                    Some(answer) => {
                        self.pending.extend_from_slice(answer);
                        self.comma = true;
                    }
                    None => self.pending.extend_from_slice(piece),
                }
            }
        }
        if self.pending.len() >= SEND_AT {
            self.send()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}
