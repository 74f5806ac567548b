//! `edict lsp`: the language server, on standard input and output (see
//! `edict::lsp`).

use std::process::ExitCode;

use clap::Args;

#[derive(Args)]
pub struct LspArgs {
    /// Accepted for clients that pass it (VS Code's does); stdio is the only transport
    #[arg(long)]
    stdio: bool,
}

/// Serves until the client says `exit`; a broken connection is an error.
pub fn run(args: LspArgs) -> Result<ExitCode, String> {
    let _ = args.stdio;
    edict::lsp::run_stdio().map_err(|e| format!("edict lsp: {e}"))?;
    Ok(ExitCode::SUCCESS)
}
