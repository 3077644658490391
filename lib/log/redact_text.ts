import { isSecretKey, REDACTED } from "./redact_secrets.ts";

/**
 * Masks secret values inside free text (exception messages, Flink error strings) before it is
 * stored in `status.error`, an event or a log line, where more people see it than can read the
 * resource's spec. Structured values are redacted by key (redact_secrets.ts); in text the same
 * key rule (`isSecretKey`: password, secret, token, key) is applied to `key=value` and
 * `key: value` pairs, plus the password part of `scheme://user:password@host` URLs, and a
 * masked value is masked wherever else it occurs in the text.
 */

// A URL's user-info password, `scheme://user:password@`; the lookbehind makes only the start of
// a scheme a candidate, so a long run of letters costs one attempt, not one per letter.
const URL_CREDENTIALS = /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:)([^\s/@]+)@/gi;

/** Characters of a config-key-like token (`s3.secret-key`, `$internal.x`, `-Dssl.password`). */
const isKeyChar = (c: string) => /[A-Za-z0-9_.$-]/.test(c);
const isSpace = (c: string) => /\s/.test(c);
/** Where an unquoted value ends. */
const isValueEnd = (c: string) => /[\s,;&)}\]"']/.test(c);
/** Longest key and whitespace run looked at around a separator. */
const MAX_KEY = 256;
const MAX_SPACE = 64;

/**
 * Linear in the text: every `=` or `:` is looked at once, with the key before it (a bounded walk
 * back) and, when the key looks secret, the value after it. A value already masked is not
 * scanned again. (The fuzzer found the regular expression this replaces quadratic on a long run
 * of letters: a 400 kB image name held the operator for minutes.)
 */
export function redactSecretText(text: string): string {
  const t = text.replace(URL_CREDENTIALS, (_match, prefix: string) => `${prefix}${REDACTED}@`);
  const ranges: [number, number][] = [];
  const maskedValues: string[] = [];
  let coveredUntil = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if ((c !== "=" && c !== ":") || i < coveredUntil) continue;
    let k = i - 1;
    while (k >= 0 && isSpace(t[k]) && i - k <= MAX_SPACE) k--;
    const quote = k >= 0 && (t[k] === '"' || t[k] === "'") ? t[k] : "";
    if (quote) k--;
    const keyEnd = k + 1;
    while (k >= 0 && isKeyChar(t[k]) && keyEnd - k <= MAX_KEY) k--;
    const keyStart = k + 1;
    if (keyStart === keyEnd || (keyStart > 0 && isKeyChar(t[keyStart - 1]))) continue;
    // A quoted key (JSON) has the same quote on both sides.
    if (quote && t[keyStart - 1] !== quote) continue;
    if (!isSecretKey(t.slice(keyStart, keyEnd))) continue;
    let v = i + 1;
    while (v < t.length && isSpace(t[v]) && v - i <= MAX_SPACE) v++;
    if (v >= t.length) continue;
    let start: number;
    let end: number;
    let quoted = false;
    if (t[v] === '"' || t[v] === "'") {
      quoted = true;
      start = v + 1;
      end = start;
      while (end < t.length && t[end] !== t[v]) end += t[v] === '"' && t[end] === "\\" ? 2 : 1;
      end = Math.min(end, t.length); // an unterminated quote: mask to the end
    } else {
      start = v;
      end = v;
      while (end < t.length && !isValueEnd(t[end])) end++;
    }
    if (end <= start) continue;
    const value = t.slice(start, end);
    // A quoted value is data; an unquoted one may be a word ("key:value pair").
    if (quoted || value.length >= 8) maskedValues.push(value);
    ranges.push([start, end]);
    coveredUntil = end;
  }
  let out = "";
  let copiedUpTo = 0;
  for (const [start, end] of ranges) {
    out += t.slice(copiedUpTo, start) + REDACTED;
    copiedUpTo = end;
  }
  return maskRepeats(out + t.slice(copiedUpTo), maskedValues);
}

/**
 * Masks the further occurrences of values already masked as secrets: messages often quote the
 * value again ("k: \"v\" is not a map: \"v\" is not a key:value pair"). Values shorter than four
 * characters are left alone, as they would mask unrelated words.
 */
export function maskRepeats(text: string, values: Iterable<string>): string {
  let out = text;
  const unique = [...new Set(values)].filter((v) => v.length >= 4 && v !== REDACTED);
  // Longest first, so a value containing another is masked whole.
  unique.sort((a, b) => b.length - a.length);
  for (const value of unique) out = out.split(value).join(REDACTED);
  return out;
}
