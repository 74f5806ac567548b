//! `edict lsp`: a language server for `.policy` files, on stdin and stdout.
//!
//! Built on `lsp-server` and `lsp-types`, the synchronous pair that
//! rust-analyzer and ruff use: a policy set checks in milliseconds, so one
//! thread that answers each message in turn is fast enough and has no
//! state shared between threads. [`Server`] reads messages and hands each
//! request to one handler, a function of the workspace and the request's
//! parameters, in the module of its feature; a handler that panics is
//! answered with an error and the server goes on. Diagnostics are sent
//! when no message is waiting, so a burst of keystrokes is checked once.

// `lsp_types::Uri` caches its parts in cells, which clippy takes for a
// mutable key; its hash and equality read only the text, which never changes.
#![allow(clippy::mutable_key_type)]

mod actions;
mod complete;
mod diagnostics;
mod hover;
mod keywords;
mod lens;
mod navigate;
mod outline;
mod symbols;
pub mod text;
mod workspace;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{notification, request, InitializeParams, Uri};
use serde_json::Value;

use text::{uri_to_path, Encoding};
use workspace::Workspace;

/// A request's failure, answered as a JSON-RPC error.
#[derive(Debug)]
pub struct Failure {
    pub code: ErrorCode,
    pub message: String,
}

impl Failure {
    pub fn invalid(message: impl Into<String>) -> Failure {
        Failure {
            code: ErrorCode::InvalidParams,
            message: message.into(),
        }
    }

    /// A request the server cannot answer as asked (a rename to a keyword).
    pub fn refused(message: impl Into<String>) -> Failure {
        Failure {
            code: ErrorCode::RequestFailed,
            message: message.into(),
        }
    }
}

type Answer = Result<Value, Failure>;

/// Runs the server on stdin and stdout until the client says `exit`.
pub fn run_stdio() -> Result<(), String> {
    let (connection, threads) = Connection::stdio();
    run(connection)?;
    threads.join().map_err(|e| e.to_string())
}

/// Runs the server on a connection: the initialize handshake, then every
/// message until `shutdown` and `exit`.
pub fn run(connection: Connection) -> Result<(), String> {
    let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let params: InitializeParams = serde_json::from_value(params).map_err(|e| e.to_string())?;
    let encoding = negotiate_encoding(&params);
    let result = serde_json::json!({
        "capabilities": capabilities(encoding),
        "serverInfo": {"name": "edict", "version": env!("CARGO_PKG_VERSION")},
    });
    connection
        .initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    let options = params.initialization_options.clone().unwrap_or(Value::Null);
    let today = options
        .get("today")
        .and_then(Value::as_str)
        .and_then(|t| crate::value::parse_date(t).ok());
    let docs = match options.get("docsUrl").and_then(Value::as_str) {
        Some(url) => Some(url.to_string()),
        None => diagnostics::default_docs(),
    };
    let lens_refresh = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.code_lens.as_ref())
        .and_then(|c| c.refresh_support)
        .unwrap_or(false);
    let watch = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files.as_ref())
        .and_then(|c| c.dynamic_registration)
        .unwrap_or(false);
    let mut server = Server {
        connection,
        workspace: Workspace::new(encoding, roots(&params), today),
        docs,
        tests: lens::TestRuns::default(),
        lens_refresh,
        next_id: 0,
        dirty: false,
    };
    if watch {
        // files made, changed or removed outside the editor reach the sets
        server.ask_client(
            request::RegisterCapability::METHOD,
            serde_json::json!({"registrations": [{
                "id": "edict-policy-files",
                "method": notification::DidChangeWatchedFiles::METHOD,
                "registerOptions": {"watchers": [{"globPattern": "**/*.policy"}]},
            }]}),
        );
    }
    server.serve()
}

/// UTF-8 when the client offers it (no counting of UTF-16 units), else
/// the protocol's default, UTF-16.
fn negotiate_encoding(params: &InitializeParams) -> Encoding {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    match offered {
        Some(list) if list.contains(&lsp_types::PositionEncodingKind::UTF8) => Encoding::Utf8,
        _ => Encoding::Utf16,
    }
}

/// The workspace folders, or the root the client gave.
#[allow(deprecated)] // `root_uri` is what older clients send
fn roots(params: &InitializeParams) -> Vec<PathBuf> {
    match &params.workspace_folders {
        Some(folders) if !folders.is_empty() => {
            folders.iter().filter_map(|f| uri_to_path(&f.uri)).collect()
        }
        _ => params.root_uri.iter().filter_map(uri_to_path).collect(),
    }
}

fn capabilities(encoding: Encoding) -> Value {
    serde_json::json!({
        "positionEncoding": match encoding { Encoding::Utf8 => "utf-8", Encoding::Utf16 => "utf-16" },
        "textDocumentSync": {"openClose": true, "change": 2, "save": {"includeText": false}},
        "hoverProvider": true,
        "definitionProvider": true,
        "referencesProvider": true,
        "renameProvider": {"prepareProvider": true},
        "completionProvider": {"triggerCharacters": [" ", "["], "resolveProvider": false},
        "documentFormattingProvider": true,
        "documentSymbolProvider": true,
        "foldingRangeProvider": true,
        "semanticTokensProvider": {"legend": outline::legend(), "full": true, "range": false},
        "codeActionProvider": {"codeActionKinds": ["quickfix"]},
        "codeLensProvider": {"resolveProvider": false},
        "executeCommandProvider": {"commands": [lens::RUN_TEST]},
    })
}

/// The server's state, passed to every handler; nothing else is shared.
pub struct Server {
    connection: Connection,
    workspace: Workspace,
    /// Where the codes' docs are, for the links in diagnostics.
    docs: Option<String>,
    tests: lens::TestRuns,
    lens_refresh: bool,
    next_id: i32,
    /// Whether diagnostics are owed: an edit came since they were sent.
    dirty: bool,
}

impl Server {
    fn serve(&mut self) -> Result<(), String> {
        while let Ok(message) = self.connection.receiver.recv() {
            match message {
                Message::Request(request) => {
                    if self
                        .connection
                        .handle_shutdown(&request)
                        .map_err(|e| e.to_string())?
                    {
                        return Ok(());
                    }
                    let response = self.answer(request);
                    self.send(Message::Response(response));
                }
                Message::Notification(n) => self.notice(n),
                Message::Response(_) => {}
            }
            if self.dirty && self.connection.receiver.is_empty() {
                self.dirty = false;
                self.guard("publishing diagnostics", |s| s.publish());
            }
        }
        Ok(())
    }

    fn send(&self, message: Message) {
        // the client went away: the read loop ends on its own
        let _ = self.connection.sender.send(message);
    }

    /// Runs `f`, logging a panic rather than dying of it.
    fn guard<T>(&mut self, what: &str, f: impl FnOnce(&mut Server) -> T) -> Option<T> {
        match catch_unwind(AssertUnwindSafe(|| f(self))) {
            Ok(value) => Some(value),
            Err(panic) => {
                let text = panic_text(&panic);
                eprintln!("edict lsp: internal error while {what}: {text}");
                // the state may be half made: check everything again
                self.workspace.stale_all();
                None
            }
        }
    }

    fn answer(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        let method = request.method.clone();
        match self.guard(&format!("answering {method}"), |s| s.route(request)) {
            Some(Ok(value)) => Response::new_ok(id, value),
            Some(Err(f)) => Response::new_err(id, f.code as i32, f.message),
            None => Response::new_err(
                id,
                ErrorCode::InternalError as i32,
                format!("edict could not answer {method}: an internal error (logged)"),
            ),
        }
    }

    fn route(&mut self, request: Request) -> Answer {
        let ws = &mut self.workspace;
        let params = request.params;
        match request.method.as_str() {
            request::HoverRequest::METHOD => reply(params, |p| hover::hover(ws, p)),
            request::GotoDefinition::METHOD => reply(params, |p| navigate::definition(ws, p)),
            request::References::METHOD => reply(params, |p| navigate::references(ws, p)),
            request::PrepareRenameRequest::METHOD => {
                reply(params, |p| navigate::prepare_rename(ws, p))
            }
            request::Rename::METHOD => reply(params, |p| navigate::rename(ws, p)),
            request::Completion::METHOD => reply(params, |p| complete::completion(ws, p)),
            request::Formatting::METHOD => reply(params, |p| outline::formatting(ws, p)),
            request::DocumentSymbolRequest::METHOD => reply(params, |p| outline::symbols(ws, p)),
            request::FoldingRangeRequest::METHOD => reply(params, |p| outline::folding(ws, p)),
            request::SemanticTokensFullRequest::METHOD => {
                reply(params, |p| outline::semantic_tokens(ws, p))
            }
            request::CodeActionRequest::METHOD => reply(params, |p| actions::code_actions(ws, p)),
            request::CodeLensRequest::METHOD => {
                let tests = &self.tests;
                reply(params, |p| lens::code_lenses(ws, tests, p))
            }
            request::ExecuteCommand::METHOD => {
                let tests = &mut self.tests;
                let answer = reply(params, |p| lens::execute(ws, tests, p));
                if answer.is_ok() && self.lens_refresh {
                    self.ask_client(request::CodeLensRefresh::METHOD, Value::Null);
                }
                answer
            }
            // lets a test see a panicking handler answered, and the server go on
            "edict/testPanic" if std::env::var_os("EDICT_LSP_TEST_PANIC").is_some() => {
                panic!("a panic that a test asked for")
            }
            method => Err(Failure {
                code: ErrorCode::MethodNotFound,
                message: format!("edict lsp does not answer {method}"),
            }),
        }
    }

    /// Sends the client a request without parameters whose answer does not
    /// matter (a refresh).
    fn ask_client(&mut self, method: &str, params: Value) {
        self.next_id += 1;
        let id = RequestId::from(format!("edict-{}", self.next_id));
        self.send(Message::Request(Request::new(
            id,
            method.to_string(),
            params,
        )));
    }

    fn notice(&mut self, n: Notification) {
        let method = n.method.clone();
        self.guard(&format!("handling {method}"), |s| s.on_notification(n));
    }

    fn on_notification(&mut self, n: Notification) {
        let ws = &mut self.workspace;
        match n.method.as_str() {
            notification::DidOpenTextDocument::METHOD => {
                if let Some(p) = params::<lsp_types::DidOpenTextDocumentParams>(n.params) {
                    if let Some(path) = uri_to_path(&p.text_document.uri) {
                        ws.open(path, p.text_document.text, p.text_document.version);
                    }
                }
            }
            notification::DidChangeTextDocument::METHOD => {
                if let Some(p) = params::<lsp_types::DidChangeTextDocumentParams>(n.params) {
                    if let Some(path) = uri_to_path(&p.text_document.uri) {
                        ws.change(&path, p.text_document.version, p.content_changes);
                    }
                }
            }
            notification::DidCloseTextDocument::METHOD => {
                if let Some(p) = params::<lsp_types::DidCloseTextDocumentParams>(n.params) {
                    if let Some(path) = uri_to_path(&p.text_document.uri) {
                        ws.close(&path);
                    }
                }
            }
            // a file saved, made or removed on disk: read the sets again
            notification::DidSaveTextDocument::METHOD
            | notification::DidChangeWatchedFiles::METHOD => ws.stale_all(),
            _ => return,
        }
        self.dirty = true;
    }

    /// Sends the diagnostics of every set with an open buffer.
    fn publish(&mut self) {
        // the sets with a buffer open, and those whose diagnostics were sent
        // (the last buffer of a set closed: its files are as on disk again)
        let mut roots = self.workspace.open_roots();
        roots.extend(self.workspace.published_roots());
        roots.sort();
        roots.dedup();
        for root in roots {
            let analysis = self.workspace.analysis(&root);
            let before = self.workspace.published.remove(&root).unwrap_or_default();
            let ws = &self.workspace;
            let (notes, now) = diagnostics::publish(
                &analysis,
                &before,
                |p| ws.open_version(p),
                self.docs.as_deref(),
            );
            if !now.is_empty() {
                self.workspace.published.insert(root, now);
            }
            for params in notes {
                let n =
                    Notification::new(notification::PublishDiagnostics::METHOD.to_string(), params);
                self.send(Message::Notification(n));
            }
        }
    }
}

/// Reads a request's parameters, runs its handler, and writes its answer.
fn reply<P: serde::de::DeserializeOwned, R: serde::Serialize>(
    params: Value,
    handler: impl FnOnce(P) -> Result<R, Failure>,
) -> Answer {
    let params: P = serde_json::from_value(params)
        .map_err(|e| Failure::invalid(format!("the request's parameters: {e}")))?;
    let result = handler(params)?;
    serde_json::to_value(result).map_err(|e| Failure {
        code: ErrorCode::InternalError,
        message: e.to_string(),
    })
}

fn params<P: serde::de::DeserializeOwned>(value: Value) -> Option<P> {
    match serde_json::from_value(value) {
        Ok(p) => Some(p),
        Err(e) => {
            eprintln!("edict lsp: a notification's parameters do not read: {e}");
            None
        }
    }
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string())
}

/// The path of a document, and the analysis of its set, for a handler.
fn document(
    ws: &mut Workspace,
    uri: &Uri,
) -> Result<(std::sync::Arc<workspace::Analysis>, crate::source::FileId), Failure> {
    let path = uri_to_path(uri)
        .ok_or_else(|| Failure::invalid(format!("`{}` is not a file", uri.as_str())))?;
    let analysis = ws.analysis_of(&path);
    let file = analysis.file(&path).ok_or_else(|| {
        Failure::invalid(format!(
            "`{}` is not a `.policy` file of the set at {}",
            path.display(),
            analysis.root.display()
        ))
    })?;
    Ok((analysis, file))
}
