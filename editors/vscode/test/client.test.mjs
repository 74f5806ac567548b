// The compiled client (out/extension.js, so `npm run compile` first) loads
// with vscode-languageclient, finds the edict binary as edict.path says, and
// says clearly when it is not there. Run with `node --test`.

import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { install } = require("./fake-vscode.cjs");
const client = join(dirname(fileURLToPath(import.meta.url)), "..", "out", "extension.js");

function load(settings) {
  const record = install(settings);
  delete require.cache[client];
  const extension = require(client);
  return { extension, record };
}

test("a missing binary gets one clear error naming edict.path and how to install", async () => {
  const { extension, record } = load({ path: "/nonexistent/bin/edict" });
  try {
    await extension.activate({ subscriptions: [] });
    assert.equal(record.errors.length, 1, JSON.stringify(record.errors));
    const [message] = record.errors;
    assert.match(message, /edict binary was not found/);
    assert.match(message, /\/nonexistent\/bin\/edict/);
    assert.match(message, /cargo install --path \./);
    assert.match(message, /edict\.path/);
    assert.deepEqual(record.commands.sort(), ["edict.restartServer", "edict.showOutput"]);
    await extension.deactivate();
  } finally {
    record.uninstall();
  }
});

test("edict.path: a name is looked up on PATH, a path is taken as it is", () => {
  const dir = mkdtempSync(join(tmpdir(), "edict-client-"));
  const binary = join(dir, "edict");
  writeFileSync(binary, "#!/bin/sh\n");
  chmodSync(binary, 0o755);
  const notExecutable = join(dir, "plain");
  writeFileSync(notExecutable, "");
  const savedPath = process.env.PATH;
  const { extension, record } = load({ folder: dir });
  try {
    process.env.PATH = [dir, savedPath].join(":");
    assert.equal(extension.resolveCommand("edict"), binary);
    assert.equal(extension.resolveCommand(""), binary, "an empty setting means `edict`");
    assert.equal(extension.resolveCommand(binary), binary);
    assert.equal(extension.resolveCommand("./edict"), join(dir, "edict"), "relative to the workspace folder");
    assert.equal(extension.resolveCommand("${workspaceFolder}/edict"), binary);
    assert.equal(extension.resolveCommand(notExecutable), undefined, "not executable");
    assert.equal(extension.resolveCommand(join(dir, "missing")), undefined);
    process.env.PATH = "/nonexistent";
    assert.equal(extension.resolveCommand("edict-surely-not-installed"), undefined);
  } finally {
    process.env.PATH = savedPath;
    record.uninstall();
    rmSync(dir, { recursive: true, force: true });
  }
});
