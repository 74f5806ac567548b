#!/usr/bin/env bash
# CI for the VS Code extension: install from the lockfile, compile the client,
# run the grammar and client tests, build the .vsix and check what is in it.
# Needs node 20+ and npm, and the npm registry (for `npm ci`) and nothing else.
# Run from anywhere: bash editors/vscode/ci.sh
set -euo pipefail
cd "$(dirname "$0")"
start=$SECONDS

echo "== editors/vscode: node $(node --version), npm $(npm --version)"
npm ci --no-audit --no-fund

echo "== compile (tsc)"
npm run --silent compile

echo "== grammar up to date with scripts/grammar.mjs"
node scripts/build-grammar.mjs --check

echo "== npm test (word lists, client, grammar fixtures, snapshots)"
npm test

echo "== npm run package"
rm -f edict-*.vsix
npm run package

echo "== check the .vsix"
node scripts/check-vsix.mjs

echo "== editors/vscode: done in $((SECONDS - start)) s"
