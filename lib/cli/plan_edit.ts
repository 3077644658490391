/**
 * The edits `flinkop plan NAME` applies to the live resource before planning: `--patch` (a JSON
 * merge patch, RFC 7386, of the whole object, as `kubectl patch --type merge`) and `--set
 * PATH=VALUE` (one field). Pure, so they are unit-tested without a cluster.
 */
import { parse as parseYaml } from "yaml";

type Json = Record<string, unknown>;

/**
 * Maps whose keys contain dots: in a `--set` path, everything after one of these is one key
 * (`spec.flinkConfiguration.state.backend.type=rocksdb`), and its value stays a string.
 */
const FLAT_MAPS = new Set(["flinkConfiguration", "logConfiguration", "labels", "annotations"]);

/** RFC 7386: objects merge, `null` removes a key, anything else replaces. Returns a new value. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const result: Json = isObject(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** Parses `--patch` text: JSON (or YAML, a superset) of an object. */
export function parsePatch(text: string): Json {
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new Error(`--patch is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isObject(parsed)) {
    throw new Error(`--patch must be a JSON object, e.g. '{"spec":{"job":{"parallelism":4}}}'`);
  }
  return parsed;
}

/**
 * Applies `PATH=VALUE` to `obj` (a new object is returned). PATH is dotted from the object's
 * root (`spec.job.parallelism`); a number indexes a list (`spec.job.args.0`). VALUE is read as
 * YAML (`4` is a number, `true` a boolean, `[a, b]` a list, `null` removes the field), except
 * inside flinkConfiguration, logConfiguration, labels and annotations, whose values are strings.
 */
export function applySet(obj: Json, expression: string): Json {
  const { segments, text } = parseSetExpression(expression);
  const flat = segments.length >= 2 && FLAT_MAPS.has(segments[segments.length - 2]);
  const value = text === "null" ? null : flat ? text : parseValue(text);
  const result = structuredClone(obj);
  let node: unknown = result;
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i];
    const container = node as Json | unknown[];
    let next = getChild(container, segment);
    if (next === undefined || next === null) {
      if (value === null) return result; // removing from something absent: nothing to do
      next = /^\d+$/.test(segments[i + 1]) ? [] : {};
      setChild(container, segment, next, segments);
    } else if (typeof next !== "object") {
      throw new Error(`--set ${segments.slice(0, i + 1).join(".")} is not an object or a list`);
    }
    node = next;
  }
  const last = segments[segments.length - 1];
  if (value === null) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete (node as Json)[last];
  } else {
    setChild(node as Json | unknown[], last, value, segments);
  }
  return result;
}

/** `PATH=VALUE` split into the path's segments and the value's text; throws when malformed. */
export function parseSetExpression(expression: string): { segments: string[]; text: string } {
  const eq = expression.indexOf("=");
  if (eq <= 0) {
    throw new Error(`--set expects PATH=VALUE (e.g. spec.job.parallelism=4), got "${expression}"`);
  }
  return { segments: splitPath(expression.slice(0, eq)), text: expression.slice(eq + 1) };
}

/** Dotted segments; after a flat map's name the rest is its one key. */
export function splitPath(path: string): string[] {
  const parts = path.split(".");
  if (parts.some((p) => p === "")) throw new Error(`--set path "${path}" has an empty segment`);
  const segments: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    segments.push(parts[i]);
    if (FLAT_MAPS.has(parts[i]) && i + 1 < parts.length) {
      segments.push(parts.slice(i + 1).join("."));
      break;
    }
  }
  return segments;
}

function parseValue(text: string): unknown {
  if (text === "") return "";
  try {
    return parseYaml(text);
  } catch {
    return text;
  }
}

function getChild(container: Json | unknown[], segment: string): unknown {
  if (Array.isArray(container)) return container[indexOf(segment)];
  return container[segment];
}

function setChild(
  container: Json | unknown[],
  segment: string,
  value: unknown,
  path: readonly string[],
): void {
  if (Array.isArray(container)) {
    const index = indexOf(segment);
    if (index > container.length) {
      throw new Error(`--set ${path.join(".")}: index ${index} is past the end of the list`);
    }
    container[index] = value;
  } else {
    container[segment] = value;
  }
}

function indexOf(segment: string): number {
  if (!/^\d+$/.test(segment)) throw new Error(`"${segment}" is not a list index`);
  return Number(segment);
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
