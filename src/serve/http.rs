//! Accepting connections: the listener, the bound on connections served at
//! once, the header timeout, the signals, and a shutdown that lets requests
//! in flight finish.

use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{mpsc, Semaphore};

use super::log::DecisionLog;
use super::reload::{load_revision, reload_on_changes, watch};
use super::state::App;
use super::{routes, Options};

/// Starts the service: binds, loads the set (a set with errors stops it
/// here, with its diagnostics), then answers until a signal says stop.
pub async fn serve(options: Options) -> Result<(), String> {
    let token = options.token_file.as_deref().map(read_token).transpose()?;
    let log = options
        .decision_log
        .as_deref()
        .map(DecisionLog::open)
        .transpose()?;
    let app = Arc::new(App::new(&options, log, token));
    let listener = TcpListener::bind(options.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", options.addr))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {}: {e}", options.addr))?;
    eprintln!("edict serve: listening on http://{local}");
    if options.public_url.is_none() && !local.ip().is_loopback() {
        eprintln!(
            "edict serve: note: without --public-url, AuthZEN discovery names the endpoints by the Host each client sends, over http"
        );
    }
    let accepting = tokio::spawn(accept(listener, Arc::clone(&app)));
    // from here a SIGHUP reloads (before, it would end the process)
    let (changes, changed) = mpsc::channel(1);
    tokio::spawn(on_hangup(Arc::clone(&app), changes.clone()));
    // watched before the first load, so that a change during it is not missed
    let _watcher = if options.watch {
        Some(watch(
            &options.paths,
            options.directory.as_deref(),
            changes.clone(),
        )?)
    } else {
        None
    };
    let (paths, directory) = (options.paths.clone(), options.directory.clone());
    let first = tokio::task::spawn_blocking(move || load_revision(&paths, directory.as_deref()))
        .await
        .map_err(|e| format!("loading the set stopped: {e}"))?;
    match first {
        Ok(revision) => {
            eprintln!(
                "edict serve: loaded revision {} ({} file(s), {} rule(s))",
                &revision.hash[..12],
                revision.files,
                revision.set.policy().rules.len()
            );
            app.install(revision);
        }
        Err(failure) => {
            eprint!("{}", failure.shown);
            accepting.abort();
            return Err(failure.message);
        }
    }
    tokio::spawn(reload_on_changes(Arc::clone(&app), changed));
    let result = accepting
        .await
        .map_err(|e| format!("the service stopped: {e}"))?;
    if let Some(log) = &app.log {
        log.close();
    }
    eprintln!("edict serve: stopped");
    result
}

/// Accepts connections until `SIGTERM` or `SIGINT`, then waits for the
/// requests in flight (at most the shutdown grace).
async fn accept(listener: TcpListener, app: Arc<App>) -> Result<(), String> {
    let limits = app.limits;
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let router = routes::router(Arc::clone(&app));
    let stop = stop_signal();
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&connections).acquire_owned() => permit,
            _ = &mut stop => break,
        };
        let Ok(permit) = permit else { break };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // out of file descriptors, say: wait rather than spin
                    eprintln!("edict serve: cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            // a connection that never sends a byte is closed at the header
            // timeout (hyper's own starts with the first byte)
            let mut first = [0u8; 1];
            let waited = tokio::time::timeout(limits.header_timeout, stream.peek(&mut first)).await;
            if matches!(waited, Ok(Ok(n)) if n > 0) {
                // a client that leaves answers unread for the body timeout
                // is cut off, rather than holding the connection for good
                let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
                stream.set_write_timeout(Some(limits.body_timeout));
                let connection = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(limits.header_timeout)
                    .serve_connection(TokioIo::new(Box::pin(stream)), service);
                let _ = watcher.watch(connection).await;
            }
            drop(permit);
        });
    }
    drop(listener);
    eprintln!("edict serve: stopping; answering the requests in flight");
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(limits.shutdown_grace) => {
            eprintln!("edict serve: requests still open after {} s; closing them", limits.shutdown_grace.as_secs());
        }
    }
    Ok(())
}

/// Resolves on `SIGTERM` or `SIGINT`.
async fn stop_signal() {
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        // without signal handlers the service runs until it is killed
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}

/// On `SIGHUP`: reload the set and reopen the decision log.
async fn on_hangup(app: Arc<App>, changes: mpsc::Sender<()>) {
    let Ok(mut hangup) = signal(SignalKind::hangup()) else {
        return;
    };
    while hangup.recv().await.is_some() {
        if let Some(log) = &app.log {
            log.reopen();
        }
        let _ = changes.try_send(());
    }
}

fn read_token(path: &std::path::Path) -> Result<Vec<u8>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read the token file `{}`: {}",
            path.display(),
            crate::load::reason(&e)
        )
    })?;
    let token = text.trim();
    if token.is_empty() {
        return Err(format!("the token file `{}` is empty", path.display()));
    }
    Ok(token.as_bytes().to_vec())
}
