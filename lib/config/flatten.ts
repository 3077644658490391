/**
 * Flattens a free-form `spec.flinkConfiguration` (or a standard-YAML Flink config file) the way FKO
 * does: nested object keys are joined with ".", arrays become one ";"-separated string and every
 * scalar becomes a string. Flat dotted keys and nested objects may be mixed.
 */
export function flattenFlinkConfiguration(config: unknown): Record<string, string> {
  const flat: Record<string, string> = {};
  if (isPlainObject(config)) visit(config, "", flat);
  return flat;
}

function visit(node: Record<string, unknown>, prefix: string, out: Record<string, string>): void {
  for (const [key, value] of Object.entries(node)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if (isPlainObject(value)) {
      visit(value, path, out);
    } else if (Array.isArray(value)) {
      out[path] = value.filter((item) => item !== null && item !== undefined).map(scalarText)
        .join(";");
    } else if (value !== null && value !== undefined) {
      // A null leaf (`key:` with nothing after it in YAML) means "not set" rather than "null".
      out[path] = scalarText(value);
    }
  }
}

function scalarText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
