/**
 * Response shapes for the simulator-fidelity comparison (tests/integration/sim_fidelity_test.ts):
 * what a JSON body looks like with every value replaced by its type, so two bodies that differ
 * only in values that differ by nature (ids, timestamps, paths, counts) compare equal.
 *
 * - Scalars become `string`, `number`, `boolean`, `null`.
 * - Objects keep their keys; a key that is a Flink id (32 hex digits, e.g. a vertex id keying
 *   `resource-requirements`) becomes `<id>`, so maps keyed by ids compare by their entries' shape.
 * - Arrays have the shape of their elements merged: an array of checkpoint records of several
 *   kinds has the union of their keys, and a key whose type varies has all its types (`number|null`).
 *   An empty array has no element shape and matches any array.
 */

export type Shape =
  | { kind: "string" | "number" | "boolean" | "null" }
  | { kind: "object"; keys: Record<string, Shape> }
  | { kind: "array"; element?: Shape }
  /** Several types at one place (only inside merged array elements). */
  | { kind: "union"; options: Shape[] };

const ID_KEY = /^[0-9a-f]{32}$/i;
export const ID_KEY_PLACEHOLDER = "<id>";

export function shapeOf(value: unknown): Shape {
  if (value === null || value === undefined) return { kind: "null" };
  if (Array.isArray(value)) {
    return value.length === 0
      ? { kind: "array" }
      : { kind: "array", element: value.map(shapeOf).reduce(mergeShapes) };
  }
  switch (typeof value) {
    case "string":
      return { kind: "string" };
    case "number":
      return { kind: "number" };
    case "boolean":
      return { kind: "boolean" };
    case "object": {
      const keys: Record<string, Shape> = {};
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        const name = ID_KEY.test(key) ? ID_KEY_PLACEHOLDER : key;
        keys[name] = keys[name] ? mergeShapes(keys[name], shapeOf(v)) : shapeOf(v);
      }
      return { kind: "object", keys };
    }
    default:
      return { kind: "string" };
  }
}

/** The shape of a place that holds either value: objects union their keys, arrays their elements. */
export function mergeShapes(a: Shape, b: Shape): Shape {
  if (a.kind === "union" || b.kind === "union") {
    return union([...options(a), ...options(b)]);
  }
  if (a.kind === "object" && b.kind === "object") {
    const keys: Record<string, Shape> = { ...a.keys };
    for (const [key, shape] of Object.entries(b.keys)) {
      keys[key] = keys[key] ? mergeShapes(keys[key], shape) : shape;
    }
    return { kind: "object", keys };
  }
  if (a.kind === "array" && b.kind === "array") {
    if (!a.element) return b;
    if (!b.element) return a;
    return { kind: "array", element: mergeShapes(a.element, b.element) };
  }
  if (a.kind === b.kind) return a;
  return union([a, b]);
}

function options(s: Shape): Shape[] {
  return s.kind === "union" ? s.options : [s];
}

/** One option per kind, merged within a kind; a single option is no union. */
function union(all: Shape[]): Shape {
  const byKind = new Map<string, Shape>();
  for (const option of all) {
    const seen = byKind.get(option.kind);
    byKind.set(option.kind, seen ? mergeShapes(seen, option) : option);
  }
  const merged = [...byKind.values()].sort((x, y) => x.kind.localeCompare(y.kind));
  return merged.length === 1 ? merged[0] : { kind: "union", options: merged };
}

/** The type at one place, for messages: `object`, `string`, `array`, `null|object`. */
export function typeName(s: Shape): string {
  return s.kind === "union" ? s.options.map((o) => o.kind).join("|") : s.kind;
}

/** One place where two shapes disagree; `absent` when one side lacks the key. */
export interface ShapeDifference {
  /** `$`, `$.status.id`, `$.history[].tasks.<id>`. */
  path: string;
  sim: string;
  real: string;
}

/**
 * Where `sim` and `real` disagree, outermost first: below a place whose types differ nothing more
 * is reported (a `null` vs `object` says it all). An empty array matches any array. Returns []
 * for equal shapes.
 */
export function shapeDifferences(sim: Shape, real: Shape, path = "$"): ShapeDifference[] {
  if (sim.kind === "object" && real.kind === "object") {
    const out: ShapeDifference[] = [];
    const keys = [...new Set([...Object.keys(sim.keys), ...Object.keys(real.keys)])].sort();
    for (const key of keys) {
      const child = `${path}.${key}`;
      const s = sim.keys[key];
      const r = real.keys[key];
      if (!s || !r) {
        out.push({
          path: child,
          sim: s ? typeName(s) : "absent",
          real: r ? typeName(r) : "absent",
        });
      } else out.push(...shapeDifferences(s, r, child));
    }
    return out;
  }
  if (sim.kind === "array" && real.kind === "array") {
    if (!sim.element || !real.element) return [];
    return shapeDifferences(sim.element, real.element, `${path}[]`);
  }
  if (sim.kind === "union" || real.kind === "union") {
    const s = options(sim);
    const r = options(real);
    const kinds = (list: Shape[]) => list.map((o) => o.kind).sort().join("|");
    if (kinds(s) !== kinds(r)) return [{ path, sim: typeName(sim), real: typeName(real) }];
    return s.flatMap((option, i) => shapeDifferences(option, r[i], path));
  }
  if (sim.kind !== real.kind) return [{ path, sim: typeName(sim), real: typeName(real) }];
  return [];
}
