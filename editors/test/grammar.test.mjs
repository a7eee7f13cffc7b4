// Tokenizes every shipped policy with the real VS Code tokenizer (vscode-textmate with the
// Oniguruma WebAssembly build) and checks the scopes of keywords, strings, comments, numbers,
// routes and placeholders. Run by .ci/run: `npm ci` here, then `node --test`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const oniguruma = require("vscode-oniguruma");
const textmate = require("vscode-textmate");

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const grammarText = readFileSync(join(root, "editors", "handoff.tmLanguage.json"), "utf8");

const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
const registry = new textmate.Registry({
  onigLib: Promise.resolve({
    createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
    createOnigString: (s) => new oniguruma.OnigString(s),
  }),
  loadGrammar: async (scope) =>
    scope === "source.handoff" ? textmate.parseRawGrammar(grammarText, "handoff.tmLanguage.json") : null,
});
const grammar = await registry.loadGrammar("source.handoff");

/** Every token of a text: { line, text, scopes }. */
function tokenize(text) {
  const out = [];
  let state = textmate.INITIAL;
  text.split("\n").forEach((line, n) => {
    const r = grammar.tokenizeLine(line, state);
    for (const t of r.tokens) {
      out.push({ line: n + 1, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    }
    state = r.ruleStack;
  });
  return out;
}

const has = (token, scope) => token.scopes.some((s) => s === scope || s.startsWith(scope + "."));
const policiesDir = join(root, "policies");
const policies = readdirSync(policiesDir).filter((f) => f.endsWith(".policy"));

test("the shipped policies are found", () => {
  assert.ok(policies.length >= 5, `${policies.length} files`);
});

for (const file of policies) {
  const text = readFileSync(join(policiesDir, file), "utf8");
  const tokens = tokenize(text);
  const where = (t) => `${file}:${t.line} ${JSON.stringify(t.text)} ${t.scopes.join(" ")}`;

  test(`${file}: every word, string, number and comment gets a scope`, () => {
    for (const t of tokens) {
      if (t.text.trim() === "") continue;
      assert.ok(t.scopes.length > 1, `unscoped: ${where(t)}`);
    }
  });

  test(`${file}: comments, strings and escapes`, () => {
    for (const t of tokens) {
      if (has(t, "comment.line.number-sign.handoff")) continue;
      if (has(t, "string.quoted.double.handoff")) continue;
      assert.ok(!t.text.includes("#"), `a # outside a comment or string: ${where(t)}`);
      assert.ok(!t.text.includes('"'), `a quote outside a string: ${where(t)}`);
    }
    const comments = text.split("\n").filter((l) => l.trimStart().startsWith("#")).length;
    const commentTokens = new Set(tokens.filter((t) => has(t, "comment.line.number-sign.handoff")).map((t) => t.line));
    assert.ok(commentTokens.size >= comments, `${commentTokens.size} comment lines of ${comments}`);
    for (const t of tokens.filter((t) => t.text === '\\"')) {
      assert.ok(has(t, "constant.character.escape.handoff"), where(t));
    }
  });

  test(`${file}: keywords, routes, priorities, numbers, placeholders, paths`, () => {
    const expectations = [
      [/^(when|unless|because|queue|say|must|tag|owner|version|description)$/, "keyword.control.clause.handoff"],
      [/^(policy|context|lexicon|principle)$/, "storage.type"],
      [/^(and|or|not|mentions|matches|contains|in|is|missing|present)$/, "keyword.operator.word.handoff"],
      [/^(==|!=|<=|>=|<|>)$/, "keyword.operator.comparison.handoff"],
      [/^-?[0-9]+(\.[0-9]+)?$/, "constant.numeric.handoff"],
      [/^(true|false)$/, "constant.language.boolean.handoff"],
      [/^signals\.[a-z_]+$/, "support.variable.signal.handoff"],
    ];
    for (const t of tokens) {
      if (has(t, "comment") || has(t, "string")) continue;
      for (const [pattern, scope] of expectations) {
        if (pattern.test(t.text.trim())) assert.ok(has(t, scope), `expected ${scope}: ${where(t)}`);
      }
    }
    let effects = 0;
    tokens.forEach((t, i) => {
      if (/^(allow|require)$/.test(t.text) && has(t, "keyword.other.effect.handoff")) {
        const route = tokens.slice(i + 1).find((u) => u.text.trim() !== "");
        assert.ok(has(route, "constant.language.route.handoff"), `route after ${where(t)}: ${where(route)}`);
        effects += 1;
      }
      if (t.text === "priority") {
        const level = tokens.slice(i + 1).find((u) => u.text.trim() !== "");
        assert.ok(has(level, "constant.language.priority.handoff"), where(level));
      }
    });
    assert.equal(effects, (text.match(/^\s*(allow|require) /gm) || []).length, "every rule's effect and route");
    for (const m of text.matchAll(/\{([a-z_][a-z0-9_.]*)\}/g)) {
      const t = tokens.find((u) => u.text === m[1] && has(u, "variable.other.placeholder.handoff"));
      assert.ok(t, `placeholder {${m[1]}} in ${file}`);
      assert.ok(has(t, "string.quoted.double.handoff"), where(t));
    }
  });
}

test("paths that begin with a keyword stay paths; routes only after an effect", () => {
  const tokens = tokenize('allow ai "x" {\n  when ai.confidence >= 0.85 and customer.tier == "a" # ok\n  ensure human\n}');
  const find = (text) => tokens.find((t) => t.text === text);
  assert.ok(has(find("ai.confidence"), "variable.other.path.handoff"));
  assert.ok(has(find("customer.tier"), "variable.other.path.handoff"));
  assert.ok(has(find("ai"), "constant.language.route.handoff"));
  assert.ok(has(find("0.85"), "constant.numeric.handoff"));
  assert.ok(has(find(" ok"), "comment.line.number-sign.handoff"));
  assert.ok(has(find("human"), "constant.language.route.handoff"));
  const braces = tokenize('because "{{literal}} {intent} {signals.distress}"');
  assert.ok(has(braces.find((t) => t.text === "{{"), "constant.character.escape.brace.handoff"));
  assert.ok(has(braces.find((t) => t.text === "intent"), "variable.other.placeholder.handoff"));
  assert.ok(has(braces.find((t) => t.text === "signals.distress"), "variable.other.placeholder.handoff"));
  assert.ok(!braces.some((t) => t.text === "literal" && has(t, "variable.other.placeholder.handoff")));
});
