//! A language client over the server's pipes: JSON-RPC messages framed by
//! `Content-Length`, read on a thread of their own so that every wait has a
//! time limit, and a silent server fails the test rather than hanging it.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long any answer may take.
const PATIENCE: Duration = Duration::from_secs(20);

/// A running `edict lsp`, initialised, shut down when dropped.
pub struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    pub root: PathBuf,
    /// Notifications read while waiting for something else, oldest first.
    pending: Vec<Value>,
}

impl Client {
    /// Starts the server for a workspace folder, saying the client speaks
    /// UTF-16 (the protocol's default) unless `utf8`.
    pub fn start(root: &Path) -> Client {
        Client::start_with(root, false)
    }

    pub fn start_with(root: &Path, utf8: bool) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_edict"))
            .arg("lsp")
            .env("EDICT_LSP_TEST_PANIC", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("edict lsp starts");
        let stdin = child.stdin.take().expect("a stdin pipe");
        let stdout = child.stdout.take().expect("a stdout pipe");
        let (send, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if send.send(message).is_err() {
                    break;
                }
            }
        });
        let root = root.canonicalize().expect("the root exists");
        let mut client = Client {
            child,
            stdin,
            messages,
            next_id: 0,
            root: root.clone(),
            pending: Vec::new(),
        };
        let encodings = if utf8 {
            json!(["utf-8", "utf-16"])
        } else {
            json!(["utf-16"])
        };
        let answer = client.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": client.uri(""),
                "workspaceFolders": [{"uri": client.uri(""), "name": "set"}],
                "capabilities": {
                    "general": {"positionEncodings": encodings},
                    "workspace": {"codeLens": {"refreshSupport": true}},
                },
                "initializationOptions": {"today": "2026-06-01", "docsUrl": "https://edict.example/docs/errors.md"},
            }),
        );
        assert!(
            answer.get("result").is_some(),
            "initialize failed: {answer}"
        );
        client.notify("initialized", json!({}));
        client
    }

    /// The URI of a path under the root.
    pub fn uri(&self, relative: &str) -> String {
        let path = if relative.is_empty() {
            self.root.clone()
        } else {
            self.root.join(relative)
        };
        format!("file://{}", path.display()).replace(' ', "%20")
    }

    pub fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len())
            .expect("the server reads");
        self.stdin.flush().expect("the server reads");
    }

    /// Sends a request and waits for its answer (the whole response, with
    /// `result` or `error`), answering the server's own requests on the way.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait(&format!("the answer to {method}"), |m| {
            m.get("id") == Some(&json!(id)) && m.get("method").is_none()
        })
    }

    /// A request's `result`; fails the test on an error.
    pub fn result(&mut self, method: &str, params: Value) -> Value {
        let answer = self.request(method, params.clone());
        match answer.get("result") {
            Some(r) => r.clone(),
            None => panic!("{method} {params} failed: {answer}"),
        }
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Opens a file under the root with the given text.
    pub fn open(&mut self, relative: &str, text: &str) {
        let uri = self.uri(relative);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "edict", "version": 1, "text": text}}),
        );
    }

    /// The next diagnostics sent for a file.
    pub fn diagnostics(&mut self, relative: &str) -> Vec<Value> {
        let note = self.publication(relative);
        note["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The next `publishDiagnostics` notification for a file, whole.
    pub fn publication(&mut self, relative: &str) -> Value {
        let uri = self.uri(relative);
        self.wait(&format!("diagnostics for {relative}"), |m| {
            m.get("method") == Some(&json!("textDocument/publishDiagnostics"))
                && m["params"]["uri"] == json!(uri)
        })
    }

    /// Waits for a message that `wanted` picks; keeps the others.
    fn wait(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.pending.iter().position(&wanted) {
            return self.pending.remove(i);
        }
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(m) if wanted(&m) => return m,
                Ok(m) if m.get("id").is_some() && m.get("method").is_some() => {
                    // the server asks (a lens refresh): answer it
                    let id = m["id"].clone();
                    self.send(json!({"jsonrpc": "2.0", "id": id, "result": null}));
                    self.pending.push(m);
                }
                Ok(m) => self.pending.push(m),
                Err(RecvTimeoutError::Timeout) => panic!("no {what} within {PATIENCE:?}"),
                Err(RecvTimeoutError::Disconnected) => panic!("the server ended before {what}"),
            }
        }
    }

    /// Messages that came and were not waited for, taken.
    pub fn take_pending(&mut self) -> Vec<Value> {
        std::mem::take(&mut self.pending)
    }

    /// `shutdown` then `exit`; the exit status.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let answer = self.request("shutdown", Value::Null);
        assert_eq!(answer["result"], Value::Null, "shutdown: {answer}");
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}
