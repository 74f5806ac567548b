// The edict extension's client: starts `edict lsp` over stdio for `edict`
// documents (`.policy` files) and restarts it when `edict.path` changes.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;
let watcher: vscode.FileSystemWatcher | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("edict");
  // Every `.policy` file under the workspace is one set: the server hears of
  // files created, changed or deleted outside the editor too.
  watcher = vscode.workspace.createFileSystemWatcher("**/*.policy");
  context.subscriptions.push(output, watcher);

  context.subscriptions.push(
    vscode.commands.registerCommand("edict.restartServer", () => restart()),
    vscode.commands.registerCommand("edict.showOutput", () => output?.show(true)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("edict.path")) {
        void restart();
      }
    }),
  );

  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}

async function restart(): Promise<void> {
  await stop();
  await start();
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    try {
      await running.stop();
    } catch (error) {
      output?.appendLine(`edict: stopping the language server failed: ${String(error)}`);
    }
  }
}

async function start(): Promise<void> {
  const configured = vscode.workspace.getConfiguration("edict").get<string>("path", "edict");
  const command = resolveCommand(configured);
  if (command === undefined) {
    notFound(configured);
    return;
  }

  const serverOptions: ServerOptions = {
    run: { command, args: ["lsp"], transport: TransportKind.stdio },
    debug: { command, args: ["lsp"], transport: TransportKind.stdio },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "edict" },
    ],
    synchronize: watcher ? { fileEvents: watcher } : undefined,
    outputChannel: output,
    // `edict.trace.server` is read by the client itself (its id is `edict`).
  };

  const created = new LanguageClient("edict", "edict", serverOptions, clientOptions);
  try {
    await created.start();
    client = created;
  } catch (error) {
    output?.appendLine(`edict: the language server did not start: ${String(error)}`);
    // not awaited: activation must not wait for the user to answer
    void vscode.window
      .showErrorMessage(
        `edict: \`${command} lsp\` did not start: ${String(error)}. ` +
          "An edict without the `lsp` command is too old: install a newer one " +
          "(`cargo install --path .` in the edict repository).",
        "Open Settings",
        "Show Output",
      )
      .then(async (choice) => {
        if (choice === "Open Settings") {
          await vscode.commands.executeCommand("workbench.action.openSettings", "edict.path");
        } else if (choice === "Show Output") {
          output?.show(true);
        }
      });
    try {
      await created.dispose();
    } catch {
      // already stopped
    }
  }
}

function notFound(configured: string): void {
  const message =
    `edict: the edict binary was not found (edict.path is "${configured}"). ` +
    "Install it with `cargo install --path .` in the edict repository, so that " +
    "`edict` is on your PATH, or set edict.path to the binary. " +
    "Highlighting works without it; diagnostics, hover and completion need it.";
  output?.appendLine(message);
  // not awaited: activation must not wait for the user to answer
  void vscode.window.showErrorMessage(message, "Open Settings").then(async (choice) => {
    if (choice === "Open Settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "edict.path");
    }
  });
}

/**
 * The program to run for `configured`: a path (absolute, relative to the
 * first workspace folder, `~/...`, or with `${workspaceFolder}`) when it
 * holds a separator, else a name looked up on PATH. `undefined` when no
 * such executable file exists, so that the user gets one clear message
 * rather than the client's generic spawn error.
 */
export function resolveCommand(configured: string): string | undefined {
  let value = configured.trim() || "edict";
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (folder !== undefined) {
    value = value.replace(/\$\{workspaceFolder\}/g, folder);
  }
  if (value === "~" || value.startsWith("~/") || value.startsWith("~\\")) {
    value = path.join(os.homedir(), value.slice(1));
  }
  if (value.includes("/") || value.includes("\\")) {
    const full = path.isAbsolute(value) || folder === undefined ? value : path.join(folder, value);
    return isExecutable(full) ? full : undefined;
  }
  return findOnPath(value);
}

function findOnPath(name: string): string | undefined {
  const dirs = (process.env.PATH ?? "").split(path.delimiter).filter((dir) => dir !== "");
  const exts =
    process.platform === "win32"
      ? ["", ...(process.env.PATHEXT ?? ".EXE;.CMD;.BAT;.COM").split(";")]
      : [""];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  // `cargo install` puts binaries in ~/.cargo/bin, which a desktop session's
  // PATH often lacks.
  const cargo = path.join(os.homedir(), ".cargo", "bin", name + (process.platform === "win32" ? ".exe" : ""));
  return isExecutable(cargo) ? cargo : undefined;
}

function isExecutable(file: string): boolean {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) {
      return false;
    }
    if (process.platform !== "win32") {
      fs.accessSync(file, fs.constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}
