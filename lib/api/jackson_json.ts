/**
 * Writes API values as JSON the way FKO's Jackson mapper does, so that `lastReconciledSpec`
 * strings we write compare equal to the ones the Java operator writes for the same spec.
 *
 * Driven by the zod schemas: known fields in schema (= Java field) order, absent fields as
 * `null` unless marked otherwise, unknown fields dropped (Java has nowhere to keep them),
 * doubles with a fractional part (`1.0`), quantities as strings, free-form objects verbatim.
 */
import { z } from "zod";
import { unwrapSchema } from "./wire_hints.ts";

/** Serializes `value` described by `schema` to a compact Jackson-style JSON string. */
export function toJacksonJson(schema: z.ZodType, value: unknown): string {
  return writeValue(schema, value);
}

function writeValue(schema: z.ZodType, value: unknown): string {
  if (value === undefined || value === null) return "null";
  const { base, hints } = unwrapSchema(schema);
  if (hints.freeForm) return writePlainJson(value);
  if (hints.quantity) return writeJavaString(String(value));
  if (base instanceof z.ZodObject && isRecord(value)) {
    return writeObject(base, value, hints.fabric8Model === true);
  }
  if (base instanceof z.ZodArray && Array.isArray(value)) {
    return `[${value.map((item) => writeValue(base.element as z.ZodType, item)).join(",")}]`;
  }
  if (base instanceof z.ZodRecord && isRecord(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    const valueSchema = base.valueType as z.ZodType;
    return `{${
      entries.map(([k, v]) => `${writeJavaString(k)}:${writeValue(valueSchema, v)}`).join(",")
    }}`;
  }
  if (base instanceof z.ZodNumber && typeof value === "number" && hints.format === "double") {
    return javaDoubleToString(value);
  }
  return writePlainJson(value);
}

function writeObject(
  schema: z.ZodObject,
  value: Record<string, unknown>,
  omitAbsent: boolean,
): string {
  const parts: string[] = [];
  for (const [key, fieldSchema] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const fieldValue = value[key];
    if (fieldValue === undefined || fieldValue === null) {
      if (omitAbsent || unwrapSchema(fieldSchema).hints.omitWhenAbsent) continue;
      parts.push(`${writeJavaString(key)}:null`);
      continue;
    }
    if (omitAbsent && isEmptyCollection(fieldValue)) continue;
    parts.push(`${writeJavaString(key)}:${writeValue(fieldSchema, fieldValue)}`);
  }
  return `{${parts.join(",")}}`;
}

/** JSON of an untyped value, with Jackson's string escaping; insertion order is kept. */
export function writePlainJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return writeJavaString(value);
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "null";
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(writePlainJson).join(",")}]`;
  if (isRecord(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${writeJavaString(k)}:${writePlainJson(v)}`).join(",")}}`;
  }
  return writeJavaString(String(value));
}

/**
 * Jackson escapes `"` and `\`, uses the short escapes for \b \t \n \f \r and `\u00XX` with
 * upper-case hex for other control characters; everything else is written as is.
 */
export function writeJavaString(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (char === '"') out += '\\"';
    else if (char === "\\") out += "\\\\";
    else if (code >= 0x20) out += char;
    else if (char === "\b") out += "\\b";
    else if (char === "\t") out += "\\t";
    else if (char === "\n") out += "\\n";
    else if (char === "\f") out += "\\f";
    else if (char === "\r") out += "\\r";
    else out += `\\u${code.toString(16).toUpperCase().padStart(4, "0")}`;
  }
  return `${out}"`;
}

/** Java's `Double.toString`: always a fractional part, scientific outside [1e-3, 1e7). */
export function javaDoubleToString(value: number): string {
  if (Number.isNaN(value)) return '"NaN"';
  if (!Number.isFinite(value)) return value > 0 ? '"Infinity"' : '"-Infinity"';
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const text = String(value);
    return text.includes(".") ? text : `${text}.0`;
  }
  const [mantissa, exponent] = value.toExponential().split("e");
  const fraction = mantissa.includes(".") ? mantissa : `${mantissa}.0`;
  return `${fraction}E${Number(exponent)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isEmptyCollection(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return isRecord(value) && Object.keys(value).length === 0;
}
