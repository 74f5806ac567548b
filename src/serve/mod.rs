//! `edict serve`: decisions over HTTP, for applications that ask a service
//! rather than embed the library.
//!
//! The service holds one [`state::Revision`] at a time (a checked set, its
//! subject directory and the hash of their files) and swaps it whole when a
//! file changes; each request takes the revision current when it starts and
//! keeps it to its end. Around it: [`routes`] wires the HTTP API onto one
//! handler a request ([`decide`], [`batch`], [`authzen`], [`ops`]), [`http`]
//! accepts connections with the limits a service on a network needs,
//! [`reload`] watches the files, [`log`] writes the decision log off the
//! request path and [`metrics`] counts for Prometheus.
//!
//! Built only with the `serve` feature (on by default for the binary), so a
//! program that embeds the library pulls in none of the HTTP stack.

pub mod authzen;
pub mod batch;
pub mod body;
pub mod decide;
pub mod directory;
pub mod http;
pub mod log;
pub mod metrics;
pub mod ops;
pub mod reload;
pub mod routes;
pub mod state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How the service is started: what `edict serve` takes on its command line.
#[derive(Debug, Clone)]
pub struct Options {
    /// The set's files and folders.
    pub paths: Vec<PathBuf>,
    pub addr: SocketAddr,
    /// The AuthZEN subject directory and mapping (JSON), if any.
    pub directory: Option<PathBuf>,
    /// Where the decision log goes: a file, or `-` for standard output.
    pub decision_log: Option<PathBuf>,
    /// A file holding the bearer token that requests must carry.
    pub token_file: Option<PathBuf>,
    pub limits: Limits,
    /// The address clients reach the service at (`https://pdp.example.com`),
    /// for the AuthZEN discovery document; without it, the request's host.
    pub public_url: Option<String>,
    /// Whether to watch the files for changes (`SIGHUP` reloads always).
    pub watch: bool,
}

/// The bounds that keep a hostile or broken client from holding the
/// service: every one has a default a deployment rarely needs to change.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest body of a single request (a batch streams and has no
    /// bound but its lines').
    pub max_body: usize,
    /// Connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers, and how long
    /// a kept-alive connection may wait idle for its next request.
    pub header_timeout: Duration,
    /// How long a client may leave a body without sending more of it.
    pub body_timeout: Duration,
    /// How long a shutdown waits for requests in flight.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body: 1024 * 1024,
            max_connections: 4096,
            // above the usual load balancers' idle timeout (60 s), so that
            // they, not the service, close idle connections
            header_timeout: Duration::from_secs(75),
            body_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// Runs the service until `SIGTERM` or `SIGINT`; the error is one sentence
/// for the person who started it (diagnostics of a set that does not load
/// are printed first).
pub fn run(options: Options) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the service: {e}"))?;
    runtime.block_on(http::serve(options))
}
