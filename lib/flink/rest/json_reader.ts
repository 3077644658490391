/**
 * Lenient readers for Flink's response JSON. Fields come and go between Flink 1.15 and 2.x, so
 * parsers read what they need and treat anything missing or mistyped as absent instead of failing
 * the whole response.
 */

export type JsonObject = Record<string, unknown>;

export function asObject(value: unknown): JsonObject | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as JsonObject
    : undefined;
}

export function objectField(obj: JsonObject | undefined, key: string): JsonObject | undefined {
  return asObject(obj?.[key]);
}

export function stringField(obj: JsonObject | undefined, key: string): string | undefined {
  const v = obj?.[key];
  return typeof v === "string" ? v : undefined;
}

/** Numbers, and numeric strings (Flink serializes some longs and all metric values as strings). */
export function numberField(obj: JsonObject | undefined, key: string): number | undefined {
  const v = obj?.[key];
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

export function booleanField(obj: JsonObject | undefined, key: string): boolean | undefined {
  const v = obj?.[key];
  return typeof v === "boolean" ? v : undefined;
}

export function arrayField(obj: JsonObject | undefined, key: string): unknown[] {
  const v = obj?.[key];
  return Array.isArray(v) ? v : [];
}

/** A map of string values; non-string values are stringified the way Flink would print them. */
export function stringMapField(obj: JsonObject | undefined, key: string): Record<string, string> {
  const map = objectField(obj, key);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map ?? {})) {
    if (v !== null && v !== undefined) out[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return out;
}
