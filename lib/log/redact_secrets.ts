/** What replaces a secret value. */
export const REDACTED = "******";

// Matches e.g. `s3.secret-key`, `ssl.keystore.password`, `auth.token`, `apiKey` and `key` itself.
const SECRET_KEY = /password|secret|token|key/i;

/** True when a property or config key names something that must not be logged. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * Returns a deep copy of `value` in which the value of every object/Map entry whose key looks
 * secret (contains password, secret, token or key, case-insensitively) is replaced by
 * {@link REDACTED} (null and undefined stay as they are). Works on nested objects, arrays, Maps and flat Flink config maps alike; never
 * mutates its input. Errors, dates and other non-plain values are passed through.
 */
export function redactSecrets<T>(value: T): T {
  return redact(value, new WeakMap()) as T;
}

function redact(value: unknown, seen: WeakMap<object, unknown>): unknown {
  if (typeof value !== "object" || value === null) return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    seen.set(value, copy);
    for (const item of value) copy.push(redact(item, seen));
    return copy;
  }
  if (value instanceof Map) {
    const copy = new Map<unknown, unknown>();
    seen.set(value, copy);
    for (const [key, item] of value) {
      copy.set(key, typeof key === "string" && isSecretKey(key) ? mask(item) : redact(item, seen));
    }
    return copy;
  }
  if (!isRecordLike(value)) return value;
  const copy: Record<string, unknown> = {};
  seen.set(value, copy);
  for (const [key, item] of Object.entries(value)) {
    copy[key] = isSecretKey(key) ? mask(item) : redact(item, seen);
  }
  return copy;
}

// An absent value reveals nothing, and "not set" is worth seeing when debugging credentials.
function mask(value: unknown): unknown {
  return value === null || value === undefined ? value : REDACTED;
}

/** Plain objects and data-class instances (e.g. Kubernetes models), not Errors, Dates, buffers. */
function isRecordLike(value: object): boolean {
  return !(value instanceof Error || value instanceof Date || value instanceof RegExp ||
    ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Set ||
    value instanceof Promise);
}
