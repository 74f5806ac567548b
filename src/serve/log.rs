//! The decision log: one JSON line a decision, written by a thread of its
//! own so that a request never waits on the disk.
//!
//! Requests hand over whole lines (a batch, a chunk of lines at a time)
//! through a bounded channel: when the disk falls behind, requests slow down
//! rather than lines being lost or memory growing. Shutting down drains the
//! channel and flushes; `SIGHUP` reopens the file, for log rotation.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Mutex;

/// Messages waiting for the writer at most.
const WAITING: usize = 1024;

enum Message {
    Lines(Vec<u8>),
    Reopen,
}

/// The sending side; [`DecisionLog::close`] waits for every line to be
/// written.
#[derive(Debug)]
pub struct DecisionLog {
    sender: Mutex<Option<SyncSender<Message>>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl DecisionLog {
    /// Opens `path` for appending (`-` is standard output) and starts the
    /// writer.
    pub fn open(path: &Path) -> Result<DecisionLog, String> {
        let path = path.to_path_buf();
        let mut out = open(&path)?;
        let (sender, receiver) = sync_channel::<Message>(WAITING);
        let writer = std::thread::Builder::new()
            .name("decision-log".into())
            .spawn(move || {
                // write what came, then flush whenever nothing more waits,
                // so that the file is current when the service is idle
                while let Ok(first) = receiver.recv() {
                    let mut next = Some(first);
                    while let Some(message) = next {
                        out = handle(out, message, &path);
                        next = receiver.try_recv().ok();
                    }
                    if let Err(e) = out.flush() {
                        eprintln!("edict serve: cannot write the decision log: {e}");
                    }
                }
            })
            .map_err(|e| format!("cannot start the decision log: {e}"))?;
        Ok(DecisionLog {
            sender: Mutex::new(Some(sender)),
            writer: Mutex::new(Some(writer)),
        })
    }

    /// Hands lines (each ending in a line break) to the writer; waits while
    /// the writer is far behind (off the async workers' duty, so that other
    /// requests, `/health` among them, go on being answered).
    pub fn write(&self, lines: Vec<u8>) {
        use std::sync::mpsc::TrySendError;
        let sender = self.sender.lock().ok().and_then(|s| s.clone());
        let Some(sender) = sender else { return };
        if let Err(TrySendError::Full(message)) = sender.try_send(Message::Lines(lines)) {
            let wait = || {
                let _ = sender.send(message);
            };
            match tokio::runtime::Handle::try_current() {
                Ok(_) => tokio::task::block_in_place(wait),
                Err(_) => wait(),
            }
        }
    }

    pub fn reopen(&self) {
        let sender = self.sender.lock().ok().and_then(|s| s.clone());
        if let Some(sender) = sender {
            let _ = sender.send(Message::Reopen);
        }
    }

    /// Writes every line handed over and flushes; lines handed over later
    /// are dropped.
    pub fn close(&self) {
        if let Ok(mut sender) = self.sender.lock() {
            sender.take();
        }
        let writer = self.writer.lock().ok().and_then(|mut w| w.take());
        if let Some(writer) = writer {
            let _ = writer.join();
        }
    }
}

/// Writes lines, or reopens the file; the writer to go on with.
fn handle(
    mut out: Box<dyn Write + Send>,
    message: Message,
    path: &PathBuf,
) -> Box<dyn Write + Send> {
    match message {
        Message::Lines(lines) => {
            if let Err(e) = out.write_all(&lines) {
                eprintln!("edict serve: cannot write the decision log: {e}");
            }
            out
        }
        Message::Reopen => {
            let _ = out.flush();
            match open(path) {
                Ok(reopened) => reopened,
                Err(e) => {
                    eprintln!("edict serve: {e}; writing on to the old file");
                    out
                }
            }
        }
    }
}

fn open(path: &PathBuf) -> Result<Box<dyn Write + Send>, String> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::BufWriter::new(std::io::stdout())));
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| {
            format!(
                "cannot open the decision log `{}`: {}",
                path.display(),
                crate::load::reason(&e)
            )
        })?;
    Ok(Box::new(std::io::BufWriter::with_capacity(1 << 16, file)))
}

/// Writes one decision's log line onto `out`: the id, the time, the
/// revision, the request's `X-Request-ID` if it sent one, the query and the
/// answer (a JSON object, as the decision routes give it, without its id).
pub fn entry(
    out: &mut Vec<u8>,
    id: &str,
    time: &str,
    revision: &str,
    request: Option<&str>,
    query: Sent<'_>,
    answer: &[u8],
) {
    out.extend_from_slice(b"{\"decision_id\":\"");
    out.extend_from_slice(id.as_bytes());
    out.extend_from_slice(b"\",\"time\":\"");
    out.extend_from_slice(time.as_bytes());
    out.extend_from_slice(b"\",\"revision\":\"");
    out.extend_from_slice(revision.as_bytes());
    out.push(b'"');
    if let Some(request) = request {
        out.extend_from_slice(b",\"request_id\":");
        let _ = serde_json::to_writer(&mut *out, request);
    }
    out.extend_from_slice(b",\"query\":");
    match query {
        Sent::Json(json) => out.extend_from_slice(json.as_bytes()),
        Sent::Text(text) => {
            let _ = serde_json::to_writer(&mut *out, text);
        }
    }
    match answer.strip_prefix(b"{") {
        Some(rest) if rest != b"}" => {
            out.push(b',');
            out.extend_from_slice(rest);
        }
        _ => out.push(b'}'),
    }
    out.push(b'\n');
}

/// A query as it came.
#[derive(Debug, Clone, Copy)]
pub enum Sent<'a> {
    /// JSON on one line.
    Json(&'a str),
    /// Anything else (a line that is not JSON), logged as a JSON string.
    Text(&'a str),
}
