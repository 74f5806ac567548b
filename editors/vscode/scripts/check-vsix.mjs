// Checks the packaged extension: exactly one edict-*.vsix here, holding the
// manifest, the language configuration, the grammar, the compiled client and
// the client's runtime dependencies, and none of the sources or tests. Then
// it unpacks the .vsix into a temporary folder, away from this folder's
// node_modules, and loads and activates the client from there with a
// stand-in for the `vscode` module, so a dependency missing from the .vsix
// fails here rather than in VS Code.
//
// usage: node scripts/check-vsix.mjs

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const yauzl = require("yauzl");
const { install } = require("../test/fake-vscode.cjs");

const extension = join(dirname(fileURLToPath(import.meta.url)), "..");
const packages = readdirSync(extension).filter((f) => /^edict-.*\.vsix$/.test(f));
assert.equal(packages.length, 1, `one edict-*.vsix in editors/vscode, found: ${packages.join(", ") || "none"}`);
const vsix = join(extension, packages[0]);

/** Every entry of the zip file: name to content. */
function entries(file) {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const out = new Map();
      zip.on("error", reject);
      zip.on("end", () => resolve(out));
      zip.on("entry", (entry) => {
        if (entry.fileName.endsWith("/")) return zip.readEntry();
        zip.openReadStream(entry, (err, stream) => {
          if (err) return reject(err);
          const chunks = [];
          stream.on("data", (chunk) => chunks.push(chunk));
          stream.on("error", reject);
          stream.on("end", () => {
            out.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

const files = await entries(vsix);
const names = [...files.keys()];
for (const required of [
  "extension.vsixmanifest",
  "extension/package.json",
  "extension/language-configuration.json",
  "extension/syntaxes/edict.tmLanguage.json",
  "extension/out/extension.js",
  "extension/node_modules/vscode-languageclient/package.json",
  "extension/node_modules/vscode-languageclient/node.js",
  "extension/LICENSE.txt",
  "extension/readme.md",
]) {
  assert.ok(files.has(required), `${packages[0]} holds ${required}`);
}
for (const forbidden of ["extension/src/", "extension/test/", "extension/scripts/", "extension/node_modules/typescript/", "extension/node_modules/@vscode/vsce/"]) {
  const found = names.filter((n) => n.startsWith(forbidden));
  assert.equal(found.length, 0, `${packages[0]} leaves out ${forbidden}: ${found.slice(0, 3).join(", ")}`);
}

const manifest = JSON.parse(files.get("extension/package.json").toString("utf8"));
assert.equal(manifest.name, "edict");
assert.equal(manifest.contributes.grammars[0].scopeName, "source.edict");
assert.equal(manifest.contributes.languages[0].id, "edict");
const grammar = JSON.parse(files.get("extension/syntaxes/edict.tmLanguage.json").toString("utf8"));
assert.equal(grammar.scopeName, "source.edict");

// Unpack and load the client from the unpacked copy alone.
const root = mkdtempSync(join(tmpdir(), "edict-vsix-"));
try {
  for (const [name, content] of files) {
    const target = join(root, name);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  const record = install({ path: join(root, "no-such-edict") });
  try {
    const client = require(join(root, "extension", "out", "extension.js"));
    assert.equal(typeof client.activate, "function");
    assert.equal(typeof client.deactivate, "function");
    // vscode-languageclient/node is loaded from the .vsix's own node_modules
    const resolved = require.resolve("vscode-languageclient/node", { paths: [join(root, "extension", "out")] });
    assert.ok(resolved.startsWith(root), `vscode-languageclient comes from the .vsix: ${resolved}`);
    await client.activate({ subscriptions: [] });
    assert.equal(record.errors.length, 1);
    assert.match(record.errors[0], /edict binary was not found/);
  } finally {
    record.uninstall();
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

const size = [...files.values()].reduce((n, b) => n + b.length, 0) / 1024;
console.log(`${packages[0]}: ${files.size} files (${size.toFixed(0)} KiB unpacked); grammar, client and vscode-languageclient inside; the client loads and activates from it`);
