/**
 * Converts any logged value into plain JSON data: errors keep name/message/stack/cause, Maps become
 * objects, Sets arrays, bigints strings, and cycles "[Circular]", so formatting never throws.
 */
export function toJsonValue(value: unknown, ancestors: Set<object> = new Set()): unknown {
  switch (typeof value) {
    case "bigint":
      return value.toString();
    case "function":
    case "symbol":
      return String(value);
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "object":
      break;
    default:
      return value;
  }
  if (value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (ancestors.has(value)) return "[Circular]";
  ancestors.add(value);
  try {
    if (Array.isArray(value) || value instanceof Set) {
      return [...value].map((item) => toJsonValue(item, ancestors));
    }
    const entries = value instanceof Map
      ? [...value].map(([key, item]) => [String(key), item] as const)
      : value instanceof Error
      ? errorEntries(value)
      : Object.entries(value);
    const result: Record<string, unknown> = {};
    for (const [key, item] of entries) {
      if (item !== undefined) result[key] = toJsonValue(item, ancestors);
    }
    return result;
  } finally {
    ancestors.delete(value);
  }
}

function errorEntries(error: Error): [string, unknown][] {
  return [
    ["name", error.name],
    ["message", error.message],
    ["stack", error.stack],
    ["cause", error.cause],
    ...Object.entries(error),
  ];
}

/** A compact one-line rendering: strings as they are, errors as "Name: message", else JSON. */
export function renderValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  return JSON.stringify(toJsonValue(value)) ?? "undefined";
}
