/**
 * Flink's string encoding of list- and map-typed options in a flat configuration
 * (`StructuredOptionsSplitter` semantics): list items are joined with `;`, map entries are
 * `key:value` pairs joined with `,`. An item containing a delimiter or a quote is wrapped in
 * single quotes with inner single quotes doubled; decoding accepts single or double quotes.
 */

/** Encodes a list option value, e.g. `["a", "b;c"]` → `a;'b;c'`. */
export function encodeFlinkList(items: readonly string[]): string {
  return items.map((item) => quoteIfNeeded(item, ";")).join(";");
}

/** Decodes a list option value; an empty or blank string is the empty list. */
export function decodeFlinkList(text: string): string[] {
  return splitEscaped(text, ";");
}

/** Encodes a map option value, e.g. `{a: "1", b: "x:y"}` → `a:1,'b:''x:y'''`. */
export function encodeFlinkMap(map: Readonly<Record<string, string>>): string {
  return Object.entries(map)
    .map(([key, value]) =>
      quoteIfNeeded(`${quoteIfNeeded(key, ":")}:${quoteIfNeeded(value, ":")}`, ",")
    )
    .join(",");
}

/** Decodes a map option value; throws when an entry is not a `key:value` pair. */
export function decodeFlinkMap(text: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const entry of splitEscaped(text, ",")) {
    const parts = splitEscaped(entry, ":");
    if (parts.length !== 2) {
      throw new Error(`"${text}" is not a map: "${entry}" is not a key:value pair`);
    }
    map[parts[0]] = parts[1];
  }
  return map;
}

/**
 * Flink quotes only items containing a delimiter or a quote. Empty items and items with
 * surrounding whitespace are quoted too, because the decoder drops or trims them otherwise.
 */
function quoteIfNeeded(item: string, delimiter: string): string {
  const needsQuotes = item.includes(delimiter) || item.includes("'") || item.includes('"') ||
    item === "" || item.trim() !== item;
  return needsQuotes ? `'${item.replaceAll("'", "''")}'` : item;
}

type Token =
  | { kind: "quoted"; text: string; position: number }
  | { kind: "unquoted"; text: string; position: number }
  | { kind: "delimiter"; position: number };

function splitEscaped(text: string, delimiter: string): string[] {
  const tokens = tokenize(text, delimiter);
  const items: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    const next = tokens[i + 1];
    if (token.kind === "delimiter") {
      if (next?.kind === "delimiter") items.push("");
      continue;
    }
    if (next !== undefined && next.kind !== "delimiter") {
      throw new Error(`cannot split "${text}": unexpected text at position ${next.position}`);
    }
    items.push(token.text);
  }
  return items;
}

function tokenize(text: string, delimiter: string): Token[] {
  const tokens: Token[] = [];
  let cursor = 0;
  while (cursor < text.length) {
    const char = text[cursor];
    if (char === "'" || char === '"') {
      let value = "";
      let end = cursor + 1;
      for (;; end++) {
        if (end >= text.length) throw new Error(`cannot split "${text}": unclosed quote`);
        if (text[end] !== char) {
          value += text[end];
        } else if (text[end + 1] === char) {
          value += char;
          end++;
        } else {
          break;
        }
      }
      tokens.push({ kind: "quoted", text: value, position: cursor });
      cursor = end + 1;
    } else if (char === delimiter) {
      tokens.push({ kind: "delimiter", position: cursor });
      cursor++;
    } else if (/\s/.test(char)) {
      cursor++;
    } else {
      const end = text.indexOf(delimiter, cursor);
      const stop = end < 0 ? text.length : end;
      tokens.push({ kind: "unquoted", text: text.slice(cursor, stop).trim(), position: cursor });
      cursor = stop;
    }
  }
  return tokens;
}
