//! `edict serve`: the decision service (see `edict::serve`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use edict::serve::{Limits, Options};

#[derive(Args)]
pub struct ServeArgs {
    /// Policy files, or folders searched for `.policy` files
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The address to listen on (port 0 takes a free one)
    #[arg(long, default_value = "127.0.0.1:8181")]
    addr: SocketAddr,
    /// The AuthZEN subject directory and mapping (JSON; see docs/serve.md)
    #[arg(long)]
    directory: Option<PathBuf>,
    /// Write one JSON line a decision to this file (`-`: standard output)
    #[arg(long)]
    decision_log: Option<PathBuf>,
    /// Require `Authorization: Bearer TOKEN`, with the token in this file
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// The address clients reach the service at, for AuthZEN discovery
    #[arg(long)]
    public_url: Option<String>,
    /// The largest body of a single request, in bytes
    #[arg(long, default_value_t = Limits::default().max_body)]
    max_body: usize,
    /// Connections served at once
    #[arg(long, default_value_t = Limits::default().max_connections)]
    max_connections: usize,
    /// Seconds a client may leave a body, or a batch's answers, waiting
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// Seconds a client may take to send headers, or leave a kept-alive connection idle
    #[arg(long, default_value_t = 75.0)]
    header_timeout: f64,
    /// Do not watch the files; reload only on SIGHUP
    #[arg(long)]
    no_watch: bool,
}

pub fn run(args: ServeArgs) -> Result<ExitCode, String> {
    let seconds = |value: f64, flag: &str| {
        if value.is_finite() && value > 0.0 && value < 1e9 {
            Ok(Duration::from_secs_f64(value))
        } else {
            Err(format!("`{flag}` takes a number of seconds above 0"))
        }
    };
    let timeout = seconds(args.timeout, "--timeout")?;
    let header_timeout = seconds(args.header_timeout, "--header-timeout")?;
    let options = Options {
        paths: args.paths,
        addr: args.addr,
        directory: args.directory,
        decision_log: args.decision_log,
        token_file: args.token_file,
        public_url: args.public_url,
        limits: Limits {
            max_body: args.max_body,
            max_connections: args.max_connections.max(1),
            header_timeout,
            body_timeout: timeout,
            ..Limits::default()
        },
        watch: !args.no_watch,
    };
    match edict::serve::run(options) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(message) => {
            eprintln!("edict serve: {message}");
            Ok(ExitCode::from(1))
        }
    }
}
