import { isSecretKey, REDACTED } from "../../log.ts";

/**
 * Masks secret values inside free text (exception messages, Flink error strings) before it is
 * stored in `status.error` or an event, where anyone with read access to the resource sees it.
 * lib/log.ts redacts structured values only; a message is a string, so the same key rule
 * (`isSecretKey`: password, secret, token, key) is applied to `key=value` and `key: value` pairs
 * found in the text, plus the password part of `scheme://user:password@host` URLs.
 */

// key: a config-key-like token, optionally quoted (JSON); separator `=` or `:`; value: a quoted
// string or a run up to whitespace or a delimiter.
const PAIR = /(["']?)([A-Za-z0-9_.$-]+)\1(\s*[=:]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;&)}\]"']+)/;
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:)([^\s/@]+)@/gi;

export function redactSecretText(text: string): string {
  const withoutUrlPasswords = text.replace(
    URL_CREDENTIALS,
    (_match, prefix: string) => `${prefix}${REDACTED}@`,
  );
  const pairs = new RegExp(PAIR.source, "g");
  let out = "";
  let copiedUpTo = 0;
  for (
    let match = pairs.exec(withoutUrlPasswords);
    match !== null;
    match = pairs.exec(withoutUrlPasswords)
  ) {
    const [whole, quote, key, separator, value] = match;
    const valueStart = match.index + whole.length - value.length;
    if (!isSecretKey(key)) {
      // The value may itself hold a pair ("failed: password=x"): scan it again.
      pairs.lastIndex = valueStart;
      continue;
    }
    const quoted = value.startsWith('"') || value.startsWith("'");
    const masked = quoted ? `${value[0]}${REDACTED}${value[0]}` : REDACTED;
    out += withoutUrlPasswords.slice(copiedUpTo, match.index) + quote + key + quote + separator +
      masked;
    copiedUpTo = match.index + whole.length;
  }
  return out + withoutUrlPasswords.slice(copiedUpTo);
}
