// Writes syntaxes/edict.tmLanguage.json from scripts/grammar.mjs, or with
// `--check` fails (exit 1) when the file is not what it would write.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildGrammar } from "./grammar.mjs";

const file = join(dirname(fileURLToPath(import.meta.url)), "..", "syntaxes", "edict.tmLanguage.json");
const text = JSON.stringify(buildGrammar(), null, 2) + "\n";

if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(file, "utf8");
  } catch {
    // missing: out of date
  }
  if (current !== text) {
    console.error("syntaxes/edict.tmLanguage.json is out of date: run `npm run grammar`");
    process.exit(1);
  }
  console.log("syntaxes/edict.tmLanguage.json is up to date");
} else {
  writeFileSync(file, text);
  console.log("wrote syntaxes/edict.tmLanguage.json");
}
