// Keeps the highlighting grammar honest to the language: its word lists are
// the ones in src/syntax/grammar.rs and grammar/edict.pest, every keyword
// and word of one place is highlighted as such in a sample line and as a
// name in backticks, and the real policy sets of the repository highlight
// without an `invalid` scope and without a keyword taken for a name.
//
// Run with `node --test test/` (npm test runs it first).

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { CONTEXTUAL, KEYWORDS, TYPES, UNITS, buildGrammar } from "../scripts/grammar.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const extension = join(here, "..");
const repo = join(extension, "..", "..");
const require = createRequire(import.meta.url);
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const sorted = (words) => [...new Set(words)].sort();

function pestRule(pest, rule) {
  const match = new RegExp(`^${rule}\\s*=\\s*@?\\{([\\s\\S]*?)^\\}|^${rule}\\s*=\\s*@?\\{(.*)\\}`, "m").exec(pest);
  assert.ok(match, `rule \`${rule}\` in grammar/edict.pest`);
  return match[1] ?? match[2];
}

const quoted = (text) => [...text.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);

// ---------------------------------------------------------------- word lists

test("KEYWORDS are grammar.rs's and edict.pest's keywords", () => {
  const rust = readFileSync(join(repo, "src", "syntax", "grammar.rs"), "utf8");
  const block = /pub const KEYWORDS: &\[&str\] = &\[([\s\S]*?)\];/.exec(rust);
  assert.ok(block, "KEYWORDS in src/syntax/grammar.rs");
  assert.deepEqual(sorted(KEYWORDS), sorted(quoted(block[1])));

  const pest = readFileSync(join(repo, "grammar", "edict.pest"), "utf8");
  assert.deepEqual(sorted(KEYWORDS), sorted(quoted(pestRule(pest, "keyword"))));
  const kw = [...pest.matchAll(/^kw_[a-z]+\s*=\s*@\{\s*"([a-z]+)"/gm)].map((m) => m[1]);
  assert.deepEqual(
    sorted(kw),
    sorted(KEYWORDS.filter((k) => k !== "true" && k !== "false")),
    "every kw_ rule of edict.pest is a keyword (true and false are `boolean`)",
  );
});

test("CONTEXTUAL, TYPES and UNITS are edict.pest's", () => {
  const pest = readFileSync(join(repo, "grammar", "edict.pest"), "utf8");
  const cw = [...pest.matchAll(/^cw_[a-z]+\s*=\s*@\{\s*"([a-z]+)"/gm)].map((m) => m[1]);
  assert.deepEqual(sorted(CONTEXTUAL), sorted(cw));
  assert.deepEqual(sorted(TYPES), sorted(quoted(pestRule(pest, "type_name"))));
  assert.deepEqual(sorted(UNITS), sorted(quoted(pestRule(pest, "unit"))));
});

test("syntaxes/edict.tmLanguage.json is what scripts/grammar.mjs builds", () => {
  const file = readFileSync(join(extension, "syntaxes", "edict.tmLanguage.json"), "utf8");
  assert.equal(file, JSON.stringify(buildGrammar(), null, 2) + "\n", "run `npm run grammar`");
});

test("package.json contributes the grammar and language configuration", () => {
  const manifest = JSON.parse(readFileSync(join(extension, "package.json"), "utf8"));
  const [language] = manifest.contributes.languages;
  assert.equal(language.id, "edict");
  assert.deepEqual(language.extensions, [".policy"]);
  const [grammar] = manifest.contributes.grammars;
  assert.equal(grammar.scopeName, "source.edict");
  assert.ok(existsSync(join(extension, grammar.path)));
  const config = JSON.parse(readFileSync(join(extension, language.configuration), "utf8"));
  assert.equal(config.comments.lineComment, "#", "edict's only comment is `#` to the end of the line");
  assert.equal(config.comments.blockComment, undefined, "edict has no block comment");
});

// ---------------------------------------------------------------- tokens

let grammarPromise;
function grammar() {
  grammarPromise ??= (async () => {
    const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
    await oniguruma.loadWASM(wasm);
    const registry = new vsctm.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
        createOnigString: (text) => new oniguruma.OnigString(text),
      }),
      loadGrammar: async () =>
        vsctm.parseRawGrammar(
          readFileSync(join(extension, "syntaxes", "edict.tmLanguage.json"), "utf8"),
          "edict.tmLanguage.json",
        ),
    });
    return registry.loadGrammar("source.edict");
  })();
  return grammarPromise;
}

/** Every token of `text` with its text, line and scopes. */
async function tokens(text) {
  const g = await grammar();
  let state = vsctm.INITIAL;
  const out = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const result = g.tokenizeLine(line, state);
    state = result.ruleStack;
    for (const token of result.tokens) {
      out.push({
        text: line.slice(token.startIndex, token.endIndex),
        line: index + 1,
        column: token.startIndex + 1,
        scopes: token.scopes,
      });
    }
  });
  return out;
}

const NAME = "variable.other.name.edict";
const isName = (scopes) =>
  scopes.some((s) => s === NAME || s.startsWith("entity.name.type.") || s.startsWith("entity.other.inherited-class."));

/**
 * For each word, a line (after a small vocabulary) in which the word is used
 * as a keyword, and the scope it must get there. A keyword added to the
 * language without a line here fails the test below.
 */
const SAMPLES = {
  action: ["action sale", "storage.type.action.edict"],
  actor: ["actor partner", "storage.type.actor.edict"],
  after: ["deny sale after 2021-03-31", "keyword.other.time.after.edict"],
  allow: ["allow sale", "keyword.control.effect.allow.edict"],
  and: ["deny sale where a and b", "keyword.operator.logical.and.edict"],
  any: ["allow any", "constant.language.any.edict"],
  attribute: ["attribute a: bool", "storage.type.attribute.edict"],
  because: ['deny sale because "x"', "keyword.other.because.edict"],
  before: ["deny sale before 2021-03-31", "keyword.other.time.before.edict"],
  between: ["deny sale between 2021-01-01 and 2021-02-01", "keyword.other.time.between.edict"],
  by: ["deny sale by partner", "keyword.other.by.edict"],
  category: ["category state_owned", "storage.type.category.edict"],
  default: ["default allow", "storage.type.default.edict"],
  deny: ["deny sale", "keyword.control.effect.deny.edict"],
  expect: ['test "t" {\n  expect allow sale by partner\n}', "keyword.control.expect.edict"],
  false: ["deny sale where a == false", "constant.language.boolean.false.edict"],
  from: ["deny sale from 2021-03-31", "keyword.other.time.from.edict"],
  in: ["deny sale where a in [1]", "keyword.operator.in.edict"],
  not: ["deny sale where not a", "keyword.operator.logical.not.edict"],
  on: ["deny sale on 2021-03-31", "keyword.other.time.on.edict"],
  or: ["deny sale where a or b", "keyword.operator.logical.or.edict"],
  test: ['test "t" {\n}', "storage.type.test.edict"],
  to: ["deny sale to category x", "keyword.other.to.edict"],
  true: ["deny sale where a == true", "constant.language.boolean.true.edict"],
  unless: ["deny sale unless a", "keyword.control.conditional.unless.edict"],
  until: ["deny sale until 2021-03-31", "keyword.other.time.until.edict"],
  where: ["deny sale where a", "keyword.control.conditional.where.edict"],
  with: ['test "t" {\n  expect allow sale by partner with a = 1\n}', "keyword.other.with.edict"],
  // words of one place, in their place
  applicable: ["combine first applicable", "keyword.other.combining.applicable.edict"],
  combine: ["combine deny overrides", "storage.type.combine.edict"],
  constant: ["constant c: number = 1", "storage.type.constant.edict"],
  exempt: ["exempt sale from rule r", "keyword.control.effect.exempt.edict"],
  first: ["combine first applicable", "keyword.other.combining.first.edict"],
  highest: ["combine highest priority", "keyword.other.combining.highest.edict"],
  like: ['deny sale where a like "x*"', "keyword.operator.pattern.like.edict"],
  list: ['list l: text = ["x"]', "storage.type.list.edict"],
  matches: ['deny sale where a matches "^x"', "keyword.operator.pattern.matches.edict"],
  most: ["combine most specific", "keyword.other.combining.most.edict"],
  path: ['deny sale where a like path "/x/:id"', "keyword.operator.pattern.path.edict"],
  overrides: ["combine allow overrides", "keyword.other.combining.overrides.edict"],
  priority: ["allow sale priority 3", "keyword.other.priority.edict"],
  rule: ["exempt sale from rule r", "keyword.other.rule.edict"],
  specific: ["combine most specific", "keyword.other.combining.specific.edict"],
};
for (const unit of UNITS) {
  SAMPLES[unit] = [`deny sale until 2 ${unit} after 2021-03-31`, "keyword.other.unit.edict"];
}
for (const type of TYPES) {
  SAMPLES[type] = [`attribute a: ${type}`, `support.type.primitive.${type}.edict`];
}

test("every keyword, word of one place, unit and type is highlighted in its place", async () => {
  const words = [...KEYWORDS, ...CONTEXTUAL, ...UNITS, ...TYPES];
  assert.deepEqual(sorted(Object.keys(SAMPLES)), sorted(words), "a sample line for every word");
  for (const word of words) {
    const [line, scope] = SAMPLES[word];
    const found = (await tokens(line)).filter((t) => t.text === word);
    assert.ok(
      found.some((t) => t.scopes.includes(scope)),
      `\`${word}\` in ${JSON.stringify(line)} is ${scope}; got ${JSON.stringify(found.map((t) => t.scopes))}`,
    );
  }
});

test("a keyword is never a name, except in backticks", async () => {
  for (const word of KEYWORDS) {
    for (const line of [`allow sale by ${word}`, `deny ${word}, sale to category ${word}`, `action ${word}`]) {
      for (const t of (await tokens(line)).filter((t) => t.text === word)) {
        assert.ok(!isName(t.scopes), `\`${word}\` in ${JSON.stringify(line)} is a name: ${t.scopes}`);
      }
    }
    const line = `allow sale by \`${word}\``;
    const inner = (await tokens(line)).findLast((t) => t.text === word);
    assert.ok(inner.scopes.includes(NAME), `\`${word}\` in backticks is a name: ${inner.scopes}`);
  }
});

test("the words of one place are names everywhere else", async () => {
  for (const word of [...CONTEXTUAL, ...UNITS]) {
    for (const line of [`allow ${word} by ${word}`, `deny sale, ${word} to category ${word}`]) {
      const found = (await tokens(line)).filter((t) => t.text === word);
      assert.equal(found.length, 2, line);
      for (const t of found) {
        assert.ok(t.scopes.includes(NAME), `\`${word}\` in ${JSON.stringify(line)}: ${t.scopes}`);
      }
    }
    const declared = (await tokens(`action ${word}`)).find((t) => t.text === word);
    assert.ok(declared.scopes.includes("entity.name.type.action.edict"), `action ${word}: ${declared.scopes}`);
  }
});

// ---------------------------------------------------------------- real sets

function policyFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((entry) => {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) return policyFiles(full);
    return entry.endsWith(".policy") ? [full] : [];
  });
}

test("the repository's policy sets highlight with no invalid scope and no keyword as a name", async () => {
  const files = [...policyFiles(join(repo, "policies")), ...policyFiles(join(repo, "..", "shared", "examples"))];
  assert.ok(files.length > 0, "policies/ has .policy files");
  const keywords = new Set(KEYWORDS);
  for (const file of files) {
    const where = relative(repo, file);
    for (const t of await tokens(readFileSync(file, "utf8"))) {
      const at = `${where}:${t.line}:${t.column} ${JSON.stringify(t.text)}`;
      assert.ok(!t.scopes.some((s) => s.startsWith("invalid.")), `${at}: ${t.scopes}`);
      const quotedName = t.scopes.includes("meta.name.quoted.edict");
      if (keywords.has(t.text.trim()) && !quotedName) {
        assert.ok(!isName(t.scopes), `${at} is a keyword taken for a name: ${t.scopes}`);
      }
      // no word of code is left without a scope: every word is a keyword,
      // a name, a literal or in a comment or text
      if (/^\s*[A-Za-z0-9_]+\s*$/.test(t.text)) {
        assert.ok(t.scopes.length > 1, `${at} has no scope`);
      }
    }
  }
});
