import { RestError } from "./rest_router.ts";

/*
 * Flink's REST server maps request bodies with a strict Jackson mapper: unknown fields and
 * wrong types are 400 "Request did not match expected format <Body>". Versions differ in which
 * fields exist, so sending e.g. `claimMode` to 1.19 fails like it does against real Flink.
 */

export type FieldType = "string" | "boolean" | "integer" | "string[]" | "string-map";

export type BodySchema = Record<string, FieldType>;

/** Reads and validates a JSON body; an empty body is an empty object, as in Flink. */
export async function readBody(
  request: Request,
  bodyName: string,
  schema: BodySchema,
): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (!text.trim()) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw mismatch(bodyName);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw mismatch(bodyName);
  const body = parsed as Record<string, unknown>;
  for (const [key, value] of Object.entries(body)) {
    const type = schema[key];
    if (!type || (value !== null && !matches(type, value))) throw mismatch(bodyName);
  }
  return body;
}

function matches(type: FieldType, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "boolean":
      return typeof value === "boolean";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "string[]":
      return Array.isArray(value) && value.every((v) => typeof v === "string");
    case "string-map":
      return typeof value === "object" && !Array.isArray(value) &&
        Object.values(value as object).every((v) => typeof v === "string");
  }
}

function mismatch(bodyName: string): RestError {
  return new RestError(400, [`Request did not match expected format ${bodyName}.`]);
}

export function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

export function optionalBool(body: Record<string, unknown>, key: string): boolean | undefined {
  const value = body[key];
  return typeof value === "boolean" ? value : undefined;
}
