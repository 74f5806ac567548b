// The edict TextMate grammar, written as code so that its regular
// expressions share one spelling of a name, a keyword and a date.
// `node scripts/build-grammar.mjs` writes syntaxes/edict.tmLanguage.json
// from it; `--check` fails when the JSON is out of date.
//
// It follows grammar/edict.pest and docs/language.md. The word lists are
// checked against src/syntax/grammar.rs (`KEYWORDS`) and the pest grammar
// by test/grammar-source.test.mjs, so a new keyword cannot go unnoticed.

/** The reserved words: `keyword` in edict.pest, `KEYWORDS` in grammar.rs. */
export const KEYWORDS = [
  "action", "actor", "after", "allow", "and", "any", "attribute",
  "because", "before", "between", "by", "category", "default", "deny",
  "expect", "false", "from", "in", "not", "on", "or", "test", "to",
  "true", "unless", "until", "where", "with",
];

/** Words with a meaning in one place only (`cw_*` in edict.pest): names elsewhere. */
export const CONTEXTUAL = [
  "applicable", "combine", "constant", "exempt", "first", "highest", "like",
  "list", "matches", "most", "path", "overrides", "priority", "rule", "specific",
];

/** `type_name` in edict.pest. */
export const TYPES = ["text", "number", "bool", "date", "ip"];

/** `unit` in edict.pest: an offset's unit, contextual too. */
export const UNITS = ["days", "day", "weeks", "week", "months", "month", "years", "year"];

// ------------------------------------------------------------ building blocks

const alt = (words) => words.join("|");
/** No identifier character before or after: pest's `!ident_char`. */
const START = String.raw`(?<![A-Za-z0-9_])`;
const END = String.raw`(?![A-Za-z0-9_])`;
const word = (w) => `${START}(?:${w})${END}`;
const KW = `(?:${alt(KEYWORDS)})${END}`;
/** A bare name: `[a-z_][a-z0-9_]*`, not a keyword. */
const BARE = String.raw`${START}(?!${KW})[a-z_][a-z0-9_]*${END}`;
/** A name in backticks, which may be a keyword. */
const QUOTED = "`[a-z_][a-z0-9_]*`";
const NAME = `(?:${BARE}|${QUOTED})`;
const TYPE = `${START}(?:${alt(TYPES)})${END}`;
const NUMBER = String.raw`-?\d+(?:\.\d+)?`;
const UNIT = `(?:${alt(UNITS)})`;
/** What may follow on a line after the last token: spaces and a comment. */
const LINE_REST = String.raw`(?=\s*(?:#.*)?$)`;
/** Right after a name, a literal or a closing bracket, with nothing but a comment left on the line. */
const LINE_DONE = String.raw`(?<=[A-Za-z0-9_\x60"\]\)])${LINE_REST}`;
const KW_BUT_ANY = `(?:${alt(KEYWORDS.filter((k) => k !== "any"))})${END}`;
/** The words that end a declaration's names: its parents, window and condition. */
const MEMBERSHIP = ["in", "where", "from", "until", "after", "before", "on", "between"];

/** Patterns that scope a name (bare or in backticks) as `scope`. */
function names(scope) {
  return [
    {
      match: "(`)([a-z_][a-z0-9_]*)(`)",
      name: `${scope} meta.name.quoted.edict`,
      captures: {
        1: { name: "punctuation.definition.name.begin.edict" },
        3: { name: "punctuation.definition.name.end.edict" },
      },
    },
    { match: BARE, name: scope },
  ];
}

function stringRule(scope) {
  return {
    begin: '"',
    beginCaptures: { 0: { name: "punctuation.definition.string.begin.edict" } },
    // Text may not span lines: an unclosed quote ends with its line.
    end: '(")|$',
    endCaptures: { 1: { name: "punctuation.definition.string.end.edict" } },
    name: scope,
    patterns: [{ include: "#escape" }],
  };
}

function patternString(match, captures, scope) {
  return {
    begin: match,
    beginCaptures: captures,
    end: String.raw`(?<=")|(?=[^\s"])|$`,
    patterns: [stringRule(scope)],
  };
}

// ------------------------------------------------------------ the grammar

export function buildGrammar() {
  const repository = {
    comment: {
      match: "(#).*$",
      name: "comment.line.number-sign.edict",
      captures: { 1: { name: "punctuation.definition.comment.edict" } },
    },

    // Inside a declaration that may go on to the next line: the comment takes
    // the line's end too, so that the declaration ends only after a name
    // that ends the code of its line, not after a comment's last word.
    "comment-to-eol": {
      match: "(#).*\\n?",
      name: "comment.line.number-sign.edict",
      captures: { 1: { name: "punctuation.definition.comment.edict" } },
    },

    escape: {
      patterns: [
        { match: String.raw`\\["\\]`, name: "constant.character.escape.edict" },
        // any other escape is E005
        { match: String.raw`\\.?`, name: "invalid.illegal.unknown-escape.edict" },
      ],
    },

    string: stringRule("string.quoted.double.edict"),

    // `t like "/data1/*"`, `t not like "?Y"`, `t like path "/res/:id/*"`,
    // `t matches "^curl/[0-9]+"`: `like`, `path` and `matches` are keywords
    // only before their pattern; the pattern is scoped as one.
    "pattern-string": {
      patterns: [
        patternString(
          `${START}(like)\\s+(path)(?=\\s*")`,
          {
            1: { name: "keyword.operator.pattern.like.edict" },
            2: { name: "keyword.operator.pattern.path.edict" },
          },
          "string.regexp.path.edict",
        ),
        patternString(
          `${START}(like)(?=\\s*")`,
          { 1: { name: "keyword.operator.pattern.like.edict" } },
          "string.regexp.glob.edict",
        ),
        patternString(
          `${START}(matches)(?=\\s*")`,
          { 1: { name: "keyword.operator.pattern.matches.edict" } },
          "string.regexp.edict",
        ),
      ],
    },

    // ---------------------------------------------------------- literals

    literal: {
      patterns: [
        { include: "#offset" },
        { include: "#date" },
        { include: "#number" },
        { include: "#boolean" },
        { include: "#string" },
      ],
    },

    date: {
      patterns: [
        {
          match: String.raw`(?<![A-Za-z0-9_.\-])\d{4}-\d{2}-\d{2}${END}(?!-)`,
          name: "constant.numeric.date.edict",
        },
        // the grammar reads any digits and dashes as a date; the checker
        // wants YYYY-MM-DD
        {
          match: String.raw`(?<![A-Za-z0-9_.\-])\d+(?:-\d+)+${END}`,
          name: "invalid.illegal.date.edict",
        },
        {
          match: String.raw`(?<![A-Za-z0-9_.\-/])\d+(?:/\d+){2}${END}`,
          name: "invalid.illegal.date.edict",
        },
      ],
    },

    number: {
      match: String.raw`(?<![A-Za-z0-9_.\-])${NUMBER}(?![A-Za-z0-9_.\-])`,
      name: "constant.numeric.decimal.edict",
    },

    boolean: {
      patterns: [
        { match: word("true"), name: "constant.language.boolean.true.edict" },
        { match: word("false"), name: "constant.language.boolean.false.edict" },
      ],
    },

    // `90 days after signed`, `1 month before ban_start`
    offset: {
      match: String.raw`(?<![A-Za-z0-9_.\-])(${NUMBER})\s+(${UNIT})\s+(after|before)${END}`,
      captures: {
        1: { name: "constant.numeric.decimal.edict" },
        2: { name: "keyword.other.unit.edict" },
        3: { name: "keyword.operator.offset.edict" },
      },
    },

    // ---------------------------------------------------------- statements

    // `revoked: deny ...`, `subsidiaries: exempt ...`: a name and a colon at
    // the start of a line, before an effect.
    "rule-label": {
      match: String.raw`^\s*(${NAME})\s*(:)(?=\s*(?:allow|deny|exempt)${END})`,
      captures: {
        1: {
          name: "entity.name.function.rule.edict",
          patterns: [{ include: "#backticks" }],
        },
        2: { name: "punctuation.separator.label.edict" },
      },
    },

    backticks: {
      match: "(`)[a-z_][a-z0-9_]*(`)",
      name: "meta.name.quoted.edict",
      captures: {
        1: { name: "punctuation.definition.name.begin.edict" },
        2: { name: "punctuation.definition.name.end.edict" },
      },
    },

    effect: {
      patterns: [
        { match: word("allow"), name: "keyword.control.effect.allow.edict" },
        { match: word("deny"), name: "keyword.control.effect.deny.edict" },
        // `exempt` starts an exemption at the start of a line or after a
        // label, before its actions; elsewhere it is a name (`action exempt`).
        {
          match: String.raw`(?:^\s*|(?<=:)\s*)(exempt)${END}(?=\s+(?:any${END}|[a-z_\x60]))(?!\s+${KW_BUT_ANY})`,
          captures: { 1: { name: "keyword.control.effect.exempt.edict" } },
        },
      ],
    },

    // `action sale, license`, `actor reseller in partner`,
    // `category state_owned in [legal_entity, government]`: the declared
    // names, then their parents.
    "name-declaration": {
      patterns: ["action", "actor", "category"].map((kind) => ({
        begin: String.raw`^\s*(${kind})${END}`,
        beginCaptures: { 1: { name: `storage.type.${kind}.edict` } },
        end: `(?=${START}(?:${alt(MEMBERSHIP.filter((w) => w !== "in"))})${END})|${LINE_DONE}`,
        name: `meta.declaration.${kind}.edict`,
        patterns: [
          { include: "#comment-to-eol" },
          {
            begin: `${START}(in)${END}`,
            beginCaptures: { 1: { name: "keyword.operator.in.edict" } },
            end: `(?=${START}(?:${alt(MEMBERSHIP.filter((w) => w !== "in"))})${END})|${LINE_DONE}`,
            patterns: [
              { include: "#comment-to-eol" },
              {
                begin: String.raw`\[`,
                beginCaptures: { 0: { name: "punctuation.section.brackets.begin.edict" } },
                end: String.raw`\]`,
                endCaptures: { 0: { name: "punctuation.section.brackets.end.edict" } },
                patterns: [
                  { include: "#comment-to-eol" },
                  { include: "#comma" },
                  ...names(`entity.other.inherited-class.${kind}.edict`),
                ],
              },
              ...names(`entity.other.inherited-class.${kind}.edict`),
            ],
          },
          { include: "#comma" },
          ...names(`entity.name.type.${kind}.edict`),
        ],
      })),
    },

    // `attribute country: text, seats: number`
    "attribute-declaration": {
      begin: String.raw`^\s*(attribute)${END}`,
      beginCaptures: { 1: { name: "storage.type.attribute.edict" } },
      end: LINE_DONE,
      name: "meta.declaration.attribute.edict",
      patterns: [
        { include: "#comment-to-eol" },
        { include: "#attribute-definition" },
        { include: "#comma" },
      ],
    },

    "attribute-definition": {
      match: String.raw`(${NAME})\s*(:)\s*(${TYPE})?`,
      captures: {
        1: { name: "variable.other.attribute.edict", patterns: [{ include: "#backticks" }] },
        2: { name: "punctuation.separator.type.edict" },
        3: { patterns: [{ include: "#type" }] },
      },
    },

    type: {
      patterns: TYPES.map((t) => ({ match: word(t), name: `support.type.primitive.${t}.edict` })),
    },

    // `list exempt_purposes: text = [...]`, `constant ban_start: date = ...`:
    // `list` and `constant` declare only before a name and a colon.
    "value-declaration": {
      patterns: [
        ["list", "variable.other.list.edict"],
        ["constant", "variable.other.constant.edict"],
      ].map(([kw, scope]) => ({
        match: String.raw`^\s*(${kw})\s+(${NAME})\s*(:)\s*(${TYPE})?`,
        captures: {
          1: { name: `storage.type.${kw}.edict` },
          2: { name: scope, patterns: [{ include: "#backticks" }] },
          3: { name: "punctuation.separator.type.edict" },
          4: { patterns: [{ include: "#type" }] },
        },
      })),
    },

    // `combine deny overrides`, `combine first applicable`, ...
    "combine-declaration": {
      match: String.raw`^\s*(combine)\s+(?:(deny|allow)\s+(overrides)|(first)\s+(applicable)|(highest)\s+(priority)|(most)\s+(specific))${END}`,
      captures: {
        1: { name: "storage.type.combine.edict" },
        2: { patterns: [{ include: "#effect" }] },
        3: { name: "keyword.other.combining.overrides.edict" },
        4: { name: "keyword.other.combining.first.edict" },
        5: { name: "keyword.other.combining.applicable.edict" },
        6: { name: "keyword.other.combining.highest.edict" },
        7: { name: "keyword.other.combining.priority.edict" },
        8: { name: "keyword.other.combining.most.edict" },
        9: { name: "keyword.other.combining.specific.edict" },
      },
    },

    default: {
      match: word("default"),
      name: "storage.type.default.edict",
    },

    // `test "name" { expect allow QUERY ... }`
    "test-block": {
      begin: String.raw`^\s*(test)${END}\s*("(?:[^"\\]|\\.)*"?)?`,
      beginCaptures: {
        1: { name: "storage.type.test.edict" },
        2: { name: "entity.name.section.test.edict", patterns: [{ include: "#string" }] },
      },
      end: String.raw`\}`,
      endCaptures: { 0: { name: "punctuation.section.block.end.edict" } },
      name: "meta.block.test.edict",
      patterns: [
        { match: String.raw`\{`, name: "punctuation.section.block.begin.edict" },
        { match: word("expect"), name: "keyword.control.expect.edict" },
        { include: "#clauses" },
      ],
    },

    // ---------------------------------------------------------- clauses

    clauses: {
      patterns: [
        { include: "#comment" },
        { include: "#effect" },
        { include: "#exempted-rules" },
        { include: "#pattern-string" },
        { include: "#between" },
        { include: "#offset" },
        { include: "#time" },
        { include: "#to-category" },
        { match: word("by"), name: "keyword.other.by.edict" },
        { match: word("category"), name: "keyword.other.category.edict" },
        { match: word("where"), name: "keyword.control.conditional.where.edict" },
        { match: word("unless"), name: "keyword.control.conditional.unless.edict" },
        { match: word("because"), name: "keyword.other.because.edict" },
        {
          match: String.raw`${START}(priority)(?=\s+-?\d)`,
          captures: { 1: { name: "keyword.other.priority.edict" } },
        },
        { match: word("with"), name: "keyword.other.with.edict" },
        { match: word("expect"), name: "keyword.control.expect.edict" },
        { match: word("not"), name: "keyword.operator.logical.not.edict" },
        { match: word("and"), name: "keyword.operator.logical.and.edict" },
        { match: word("or"), name: "keyword.operator.logical.or.edict" },
        { match: word("in"), name: "keyword.operator.in.edict" },
        { match: word("any"), name: "constant.language.any.edict" },
        { include: "#default" },
        { include: "#literal" },
        // `date` in a condition is the query's date
        { match: word("date"), name: "variable.language.date.edict" },
        // a declaration's or a test's keyword in the middle of a line is
        // still that keyword (and a syntax error there)
        ...["action", "actor", "attribute", "test"].map((w) => ({
          match: word(w),
          name: `storage.type.${w}.edict`,
        })),
        ...names("variable.other.name.edict"),
        { include: "#operator" },
        { include: "#punctuation" },
      ],
    },

    // `from rule services_ban, it_ban`: the denies an exemption lifts.
    "exempted-rules": {
      begin: String.raw`${START}(from)\s+(rule)${END}`,
      beginCaptures: {
        1: { name: "keyword.other.from.edict" },
        2: { name: "keyword.other.rule.edict" },
      },
      end: String.raw`(?=${START}${KW})|(?=[^\s,A-Za-z0-9_\x60#])|$`,
      patterns: [
        { include: "#comment" },
        { include: "#comma" },
        ...names("entity.name.function.rule.edict"),
      ],
    },

    time: {
      patterns: ["after", "before", "from", "until", "on", "between"].map((w) => ({
        match: word(w),
        name: `keyword.other.time.${w}.edict`,
      })),
    },

    // `between D1 and D2`: the `and` belongs to the window.
    between: {
      match: String.raw`${START}(between)\s+((?:${NUMBER}\s+${UNIT}\s+(?:after|before)\s+)?(?:\d+(?:-\d+)+|${NAME}))\s+(and)${END}`,
      captures: {
        1: { name: "keyword.other.time.between.edict" },
        2: { patterns: [{ include: "#literal" }, ...names("variable.other.name.edict")] },
        3: { name: "keyword.other.time.between.edict" },
      },
    },

    // `to category x`, and `to` at the end of a line with `category` on the next.
    "to-category": {
      patterns: [
        {
          match: String.raw`${START}(to)\s+(category)${END}`,
          captures: {
            1: { name: "keyword.other.to.edict" },
            2: { name: "keyword.other.category.edict" },
          },
        },
        {
          begin: `${START}(to)${END}${LINE_REST}`,
          beginCaptures: { 1: { name: "keyword.other.to.edict" } },
          end: String.raw`${START}(category)${END}|(?=[^\s#])`,
          endCaptures: { 1: { name: "keyword.other.category.edict" } },
          patterns: [{ include: "#comment" }],
        },
        { match: word("to"), name: "keyword.other.to.edict" },
      ],
    },

    operator: {
      patterns: [
        { match: "==|!=|<=|>=|<|>", name: "keyword.operator.comparison.edict" },
        { match: "=", name: "keyword.operator.assignment.edict" },
      ],
    },

    comma: { match: ",", name: "punctuation.separator.comma.edict" },

    punctuation: {
      patterns: [
        { include: "#comma" },
        { match: String.raw`\[`, name: "punctuation.section.brackets.begin.edict" },
        { match: String.raw`\]`, name: "punctuation.section.brackets.end.edict" },
        { match: String.raw`\(`, name: "punctuation.section.parens.begin.edict" },
        { match: String.raw`\)`, name: "punctuation.section.parens.end.edict" },
        { match: String.raw`\{`, name: "punctuation.section.block.begin.edict" },
        { match: String.raw`\}`, name: "punctuation.section.block.end.edict" },
        { match: ":", name: "punctuation.separator.colon.edict" },
      ],
    },
  };

  return {
    $schema: "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
    name: "edict",
    scopeName: "source.edict",
    fileTypes: ["policy"],
    comment:
      "Generated by scripts/build-grammar.mjs from scripts/grammar.mjs: edit that, then run `npm run grammar`.",
    patterns: [
      { include: "#comment" },
      { include: "#test-block" },
      { include: "#rule-label" },
      { include: "#name-declaration" },
      { include: "#attribute-declaration" },
      { include: "#value-declaration" },
      { include: "#combine-declaration" },
      { include: "#clauses" },
    ],
    repository,
  };
}
