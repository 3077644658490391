/**
 * A small expression language for object rules, with two back ends: `toCel` writes the CEL of
 * a CRD `x-kubernetes-validations` rule, `evaluate` runs the same expression in TypeScript for
 * the operator's own validation. A rule is written once as an {@link Expr}; neither back end
 * has a copy of it that could drift.
 *
 * The language is kept to what both sides mean the same way: field presence and values,
 * boolean logic, comparisons with literals, enumerations, regular expressions in the common
 * subset of RE2 and ECMAScript (no `\s`, no look-around, no inline flags), map key tests and
 * sizes, and Kubernetes quantities. Anything wider would need a CEL interpreter here.
 */
import { quantityValue } from "../../kube/quantity.ts";

/** Field names from the node a rule sits on. */
export type Path = readonly string[];

/** `self` is the node the rule sits on; `old` the same node of the previously accepted object. */
export type Scope = "self" | "old";

export type Literal =
  | { readonly type: "string"; readonly value: string }
  | { readonly type: "int"; readonly value: number }
  | { readonly type: "double"; readonly value: number }
  | { readonly type: "bool"; readonly value: boolean };

export type Comparison = "==" | "!=" | "<" | "<=" | ">" | ">=";

export type Expr =
  /** The value at `path`; absent is an evaluation error, so guard it with `has`. */
  | { readonly op: "value"; readonly scope: Scope; readonly path: Path }
  /** True when every field along `path` is present. */
  | { readonly op: "has"; readonly scope: Scope; readonly path: Path }
  /** A map entry by key (`map['key']`); absent is an evaluation error. */
  | { readonly op: "entry"; readonly map: Expr; readonly key: string }
  /** True when the map has the key (`'key' in map`). */
  | { readonly op: "hasKey"; readonly map: Expr; readonly key: string }
  /** Number of entries of a map. */
  | { readonly op: "size"; readonly arg: Expr }
  | { readonly op: "literal"; readonly literal: Literal }
  /** Sum of integers. */
  | { readonly op: "sum"; readonly args: readonly Expr[] }
  | { readonly op: "and" | "or"; readonly args: readonly Expr[] }
  | { readonly op: "not"; readonly arg: Expr }
  | { readonly op: "if"; readonly cond: Expr; readonly then: Expr; readonly else: Expr }
  | { readonly op: "compare"; readonly cmp: Comparison; readonly left: Expr; readonly right: Expr }
  | { readonly op: "oneOf"; readonly arg: Expr; readonly values: readonly string[] }
  | { readonly op: "matches"; readonly arg: Expr; readonly pattern: string }
  | { readonly op: "startsWith"; readonly arg: Expr; readonly prefix: string }
  /**
   * A Kubernetes quantity: a string field, or an int-or-string field (`intOrString`, which CEL
   * converts with `string()` first).
   */
  | { readonly op: "isQuantity"; readonly arg: Expr; readonly intOrString: boolean }
  /** Compares a quantity with a literal quantity or another quantity (both must parse). */
  | {
    readonly op: "compareQuantity";
    readonly cmp: ">" | ">=";
    readonly left: Expr;
    readonly right: Expr;
    readonly intOrString: boolean;
  };

// ---- builders --------------------------------------------------------------------------------

export const value = (...path: Path): Expr => ({ op: "value", scope: "self", path });
export const has = (...path: Path): Expr => ({ op: "has", scope: "self", path });
export const oldValue = (...path: Path): Expr => ({ op: "value", scope: "old", path });
export const oldHas = (...path: Path): Expr => ({ op: "has", scope: "old", path });
export const entry = (map: Expr, key: string): Expr => ({ op: "entry", map, key });
export const hasKey = (map: Expr, key: string): Expr => ({ op: "hasKey", map, key });
export const size = (arg: Expr): Expr => ({ op: "size", arg });
export const str = (v: string): Expr => ({ op: "literal", literal: { type: "string", value: v } });
export const int = (v: number): Expr => ({ op: "literal", literal: { type: "int", value: v } });
export const double = (v: number): Expr => ({
  op: "literal",
  literal: { type: "double", value: v },
});
export const bool = (v: boolean): Expr => ({ op: "literal", literal: { type: "bool", value: v } });
export const sum = (...args: Expr[]): Expr => ({ op: "sum", args });
export const and = (...args: Expr[]): Expr => ({ op: "and", args });
export const or = (...args: Expr[]): Expr => ({ op: "or", args });
export const not = (arg: Expr): Expr => ({ op: "not", arg });
export const ifThen = (cond: Expr, then: Expr, otherwise: Expr): Expr => ({
  op: "if",
  cond,
  then,
  else: otherwise,
});
export const implies = (cond: Expr, then: Expr): Expr => or(not(cond), then);
export const compare = (left: Expr, cmp: Comparison, right: Expr): Expr => ({
  op: "compare",
  cmp,
  left,
  right,
});
export const oneOf = (arg: Expr, values: readonly string[]): Expr => ({ op: "oneOf", arg, values });
export const matches = (arg: Expr, pattern: string): Expr => ({ op: "matches", arg, pattern });
export const startsWith = (arg: Expr, prefix: string): Expr => ({
  op: "startsWith",
  arg,
  prefix,
});
export const isQuantity = (arg: Expr, intOrString = false): Expr => ({
  op: "isQuantity",
  arg,
  intOrString,
});
export const compareQuantity = (
  left: Expr,
  cmp: ">" | ">=",
  right: Expr,
  intOrString = false,
): Expr => ({ op: "compareQuantity", cmp, left, right, intOrString });

/** The value at `path`, or `fallback` when absent (the Java default of the field). */
export const valueOr = (path: Path, fallback: Expr): Expr =>
  ifThen(has(...path), value(...path), fallback);
export const oldValueOr = (path: Path, fallback: Expr): Expr =>
  ifThen(oldHas(...path), oldValue(...path), fallback);

/** Java's `StringUtils.isNullOrWhitespaceOnly` for a present string (ASCII whitespace). */
export const BLANK_PATTERN = "^[ \\t\\n\\r\\f]*$";
export const blank = (arg: Expr): Expr => matches(arg, BLANK_PATTERN);
/** Present and not blank. */
export const filled = (...path: Path): Expr => and(has(...path), not(blank(value(...path))));

// ---- CEL back end ----------------------------------------------------------------------------

const CEL_RESERVED = new Set([
  "true",
  "false",
  "null",
  "in",
  "as",
  "break",
  "const",
  "continue",
  "else",
  "for",
  "function",
  "if",
  "import",
  "let",
  "loop",
  "package",
  "namespace",
  "return",
  "var",
  "void",
  "while",
]);

/** A property name as Kubernetes exposes it to CEL (reserved words and symbols escaped). */
export function celField(name: string): string {
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  return name.replace(/__/g, "__underscores__").replace(/\./g, "__dot__")
    .replace(/-/g, "__dash__").replace(/\//g, "__slash__");
}

/** A CEL string literal. */
export function celString(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n")}'`;
}

function celRoot(scope: Scope): string {
  return scope === "self" ? "self" : "oldSelf";
}

function celPath(scope: Scope, path: Path): string {
  return [celRoot(scope), ...path.map(celField)].join(".");
}

/** CEL for `expr`; `self`/`oldSelf` are the rule's node. */
export function toCel(expr: Expr): string {
  switch (expr.op) {
    case "value":
      return celPath(expr.scope, expr.path);
    case "has": {
      if (expr.path.length === 0) return "true";
      const checks = expr.path.map((_, i) =>
        `has(${celPath(expr.scope, expr.path.slice(0, i + 1))})`
      );
      return checks.length === 1 ? checks[0] : `(${checks.join(" && ")})`;
    }
    case "entry":
      return `${toCel(expr.map)}[${celString(expr.key)}]`;
    case "hasKey":
      return `(${celString(expr.key)} in ${toCel(expr.map)})`;
    case "size":
      return `${toCel(expr.arg)}.size()`;
    case "literal":
      return celLiteral(expr.literal);
    case "sum":
      return expr.args.length === 0 ? "0" : `(${expr.args.map(toCel).join(" + ")})`;
    case "and":
    case "or": {
      if (expr.args.length === 0) return expr.op === "and" ? "true" : "false";
      const joined = expr.args.map(toCel).join(expr.op === "and" ? " && " : " || ");
      return expr.args.length === 1 ? joined : `(${joined})`;
    }
    case "not":
      return `!${toCel(expr.arg)}`;
    case "if":
      return `(${toCel(expr.cond)} ? ${toCel(expr.then)} : ${toCel(expr.else)})`;
    case "compare":
      return `(${toCel(expr.left)} ${expr.cmp} ${toCel(expr.right)})`;
    case "oneOf":
      return `(${toCel(expr.arg)} in [${expr.values.map(celString).join(", ")}])`;
    case "matches":
      return `${toCel(expr.arg)}.matches(${celString(expr.pattern)})`;
    case "startsWith":
      return `${toCel(expr.arg)}.startsWith(${celString(expr.prefix)})`;
    // `string()` only where needed: on a string field CEL's cost estimate of it is enormous.
    case "isQuantity":
      return `isQuantity(${quantityText(expr.arg, expr.intOrString)})`;
    case "compareQuantity": {
      const left = `quantity(${quantityText(expr.left, expr.intOrString)})`;
      const right = `quantity(${quantityText(expr.right, expr.intOrString)})`;
      return expr.cmp === ">" ? `${left}.isGreaterThan(${right})` : `!${left}.isLessThan(${right})`;
    }
  }
}

function quantityText(arg: Expr, intOrString: boolean): string {
  return intOrString && arg.op !== "literal" ? `string(${toCel(arg)})` : toCel(arg);
}

function celLiteral(literal: Literal): string {
  switch (literal.type) {
    case "string":
      return celString(literal.value);
    case "int":
      if (!Number.isInteger(literal.value)) throw new Error(`int literal ${literal.value}`);
      return String(literal.value);
    case "double":
      return Number.isInteger(literal.value) ? `${literal.value}.0` : String(literal.value);
    case "bool":
      return String(literal.value);
  }
}

/**
 * CEL that is true when every input the expression reads from `self` is the same in the
 * previous version (`oldSelf` of a rule with `optionalOldSelf`): the presence of each field it
 * tests, the value of each field it reads, each map entry it looks up, each map size it counts. When the inputs are unchanged the
 * outcome is too, so a rule guarded by this accepts an object stored before the rule existed
 * as long as its own fields stay as they are — the ratcheting Kubernetes does by itself for
 * nodes without `x-kubernetes-preserve-unknown-fields` below them, at field level.
 */
export function celInputsUnchanged(expr: Expr): string {
  const old = "oldSelf.value()";
  const present = (root: string, path: Path) =>
    path.map((_, i) => `has(${[root, ...path.slice(0, i + 1).map(celField)].join(".")})`)
      .join(" && ");
  const at = (root: string, path: Path) => [root, ...path.map(celField)].join(".");
  const guards = new Set<string>();
  for (const input of inputsOf(expr)) {
    const cur = at("self", input.path);
    const prev = at(old, input.path);
    const check = input.kind === "presence"
      ? "true"
      : input.kind === "value"
      ? `${cur} == ${prev}`
      : input.kind === "size"
      ? `${cur}.size() == ${prev}.size()`
      : `(${celString(input.key)} in ${cur}) == (${celString(input.key)} in ${prev}) && ` +
        `(!(${celString(input.key)} in ${cur}) || ` +
        `${cur}[${celString(input.key)}] == ${prev}[${celString(input.key)}])`;
    const samePresence = `(${present("self", input.path)}) == (${present(old, input.path)})`;
    guards.add(
      input.path.length === 0
        ? `(${check})`
        : check === "true"
        ? `(${samePresence})`
        : `(${samePresence} && (!(${present("self", input.path)}) || ${check}))`,
    );
  }
  return ["oldSelf.hasValue()", ...guards].join(" && ");
}

type Input =
  | { readonly kind: "presence"; readonly path: Path }
  | { readonly kind: "value"; readonly path: Path }
  | { readonly kind: "entry"; readonly path: Path; readonly key: string }
  | { readonly kind: "size"; readonly path: Path };

/** What `expr` reads from `self`: whole fields, map entries by key, map sizes. */
function inputsOf(expr: Expr): Input[] {
  const mapPath = (map: Expr): Path => {
    if (map.op !== "value" || map.scope !== "self") {
      throw new Error("map lookups are supported on fields of self only");
    }
    return map.path;
  };
  switch (expr.op) {
    case "value":
    case "has":
      return expr.scope === "self"
        ? [{ kind: expr.op === "has" ? "presence" : "value", path: expr.path }]
        : [];
    case "entry":
    case "hasKey":
      return [{ kind: "entry", path: mapPath(expr.map), key: expr.key }];
    case "size":
      return [{ kind: "size", path: mapPath(expr.arg) }];
    case "literal":
      return [];
    case "sum":
    case "and":
    case "or":
      return expr.args.flatMap(inputsOf);
    case "not":
      return inputsOf(expr.arg);
    case "if":
      return [...inputsOf(expr.cond), ...inputsOf(expr.then), ...inputsOf(expr.else)];
    case "compare":
    case "compareQuantity":
      return [...inputsOf(expr.left), ...inputsOf(expr.right)];
    case "oneOf":
    case "matches":
    case "startsWith":
    case "isQuantity":
      return inputsOf(expr.arg);
  }
}

// ---- TypeScript back end ---------------------------------------------------------------------

/** Raised where CEL would fail to evaluate (a missing field, a wrong type). */
export class EvaluationError extends Error {
  override readonly name = "EvaluationError";
}

export interface Scopes {
  readonly self: unknown;
  readonly old?: unknown;
}

/** Evaluates `expr` against the rule's node (`self`) and its previous version (`old`). */
export function evaluate(expr: Expr, scopes: Scopes): unknown {
  switch (expr.op) {
    case "value":
      return lookup(scopeValue(scopes, expr.scope), expr.path, true);
    case "has":
      return lookup(scopeValue(scopes, expr.scope), expr.path, false) !== undefined;
    case "entry": {
      const map = asMap(evaluate(expr.map, scopes));
      if (!Object.hasOwn(map, expr.key)) throw new EvaluationError(`no such key: ${expr.key}`);
      return map[expr.key];
    }
    case "hasKey":
      return Object.hasOwn(asMap(evaluate(expr.map, scopes)), expr.key);
    case "size":
      return Object.keys(asMap(evaluate(expr.arg, scopes))).length;
    case "literal":
      return expr.literal.value;
    case "sum":
      return expr.args.reduce((total: number, arg) => total + asNumber(evaluate(arg, scopes)), 0);
    case "and":
      return expr.args.every((arg) => asBool(evaluate(arg, scopes)));
    case "or":
      return expr.args.some((arg) => asBool(evaluate(arg, scopes)));
    case "not":
      return !asBool(evaluate(expr.arg, scopes));
    case "if":
      return asBool(evaluate(expr.cond, scopes))
        ? evaluate(expr.then, scopes)
        : evaluate(expr.else, scopes);
    case "compare":
      return compareValues(evaluate(expr.left, scopes), expr.cmp, evaluate(expr.right, scopes));
    case "oneOf":
      return expr.values.includes(asString(evaluate(expr.arg, scopes)));
    case "matches":
      return new RegExp(expr.pattern).test(asString(evaluate(expr.arg, scopes)));
    case "startsWith":
      return asString(evaluate(expr.arg, scopes)).startsWith(expr.prefix);
    case "isQuantity":
      return quantityOf(evaluate(expr.arg, scopes)) !== undefined;
    case "compareQuantity": {
      const left = quantityOf(evaluate(expr.left, scopes));
      const right = quantityOf(evaluate(expr.right, scopes));
      if (left === undefined || right === undefined) {
        throw new EvaluationError("not a quantity");
      }
      return expr.cmp === ">" ? left > right : left >= right;
    }
  }
}

function scopeValue(scopes: Scopes, scope: Scope): unknown {
  if (scope === "old" && !("old" in scopes)) throw new EvaluationError("no previous object");
  return scope === "self" ? scopes.self : scopes.old;
}

function lookup(root: unknown, path: Path, required: boolean): unknown {
  let current = root;
  for (const key of path) {
    const next = isMap(current) && Object.hasOwn(current, key) ? current[key] : undefined;
    if (next === undefined || next === null) {
      if (required) throw new EvaluationError(`no such key: ${key}`);
      return undefined;
    }
    current = next;
  }
  return current;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function asMap(v: unknown): Record<string, unknown> {
  if (!isMap(v)) throw new EvaluationError("not a map");
  return v;
}

function asBool(v: unknown): boolean {
  if (typeof v !== "boolean") throw new EvaluationError(`not a bool: ${JSON.stringify(v)}`);
  return v;
}

function asNumber(v: unknown): number {
  if (typeof v !== "number") throw new EvaluationError(`not a number: ${JSON.stringify(v)}`);
  return v;
}

function asString(v: unknown): string {
  if (typeof v !== "string") throw new EvaluationError(`not a string: ${JSON.stringify(v)}`);
  return v;
}

function compareValues(left: unknown, cmp: Comparison, right: unknown): boolean {
  const comparable = (typeof left === "number" && typeof right === "number") ||
    (typeof left === "string" && typeof right === "string") ||
    (typeof left === "boolean" && typeof right === "boolean");
  if (!comparable) {
    throw new EvaluationError(
      `cannot compare ${JSON.stringify(left)} with ${JSON.stringify(right)}`,
    );
  }
  const l = left as number | string | boolean;
  const r = right as number | string | boolean;
  switch (cmp) {
    case "==":
      return l === r;
    case "!=":
      return l !== r;
    case "<":
      return l < r;
    case "<=":
      return l <= r;
    case ">":
      return l > r;
    case ">=":
      return l >= r;
  }
}

/**
 * A quantity as Kubernetes' `isQuantity(string(x))` reads it: a number, or text in the quantity
 * grammar without surrounding blanks.
 */
function quantityOf(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v !== "string" || v !== v.trim()) return undefined;
  return quantityValue(v);
}
