/**
 * Exact writing: reading keeps unknown fields so nothing is lost in memory, but what the
 * operator writes back (status patches, objects it creates) carries only the fields the schema
 * declares, like FKO's Java classes do. Free-form parts (pod templates, Flink configuration)
 * are copied verbatim; absent fields are left out, as the API server expects.
 */
import { z } from "zod";
import { unwrapSchema } from "./wire_hints.ts";

/** Deep copy of `value` limited to what `schema` declares, in schema field order. */
export function toKnownFields<S extends z.ZodType>(schema: S, value: z.output<S>): z.output<S> {
  return project(schema, value) as z.output<S>;
}

/** unwrapSchema per schema, computed once: a status write projects hundreds of fields. */
const unwrapped = new WeakMap<z.ZodType, ReturnType<typeof unwrapSchema>>();

function project(schema: z.ZodType, value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  let schemaInfo = unwrapped.get(schema);
  if (!schemaInfo) unwrapped.set(schema, schemaInfo = unwrapSchema(schema));
  const { base, hints } = schemaInfo;
  // Strings, numbers and booleans are values already: nothing to copy.
  if (typeof value !== "object") return value;
  if (hints.freeForm || hints.quantity) return structuredClone(value);
  if (base instanceof z.ZodObject && isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, fieldSchema] of Object.entries(base.shape as Record<string, z.ZodType>)) {
      const projected = project(fieldSchema, value[key]);
      if (projected !== undefined) out[key] = projected;
    }
    return out;
  }
  if (base instanceof z.ZodArray && Array.isArray(value)) {
    return value.map((item) => project(base.element as z.ZodType, item) ?? null);
  }
  if (base instanceof z.ZodRecord && isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value)) {
      const projected = project(base.valueType as z.ZodType, entry);
      if (projected !== undefined) out[key] = projected;
    }
    return out;
  }
  return structuredClone(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
