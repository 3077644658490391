/**
 * Flink's flat-string form of list options (`pipeline.jars`, `$internal.application.program-args`):
 * items separated by `;`; an item holding `;` or a quote is wrapped in `'…'` or `"…"`, the quote
 * character doubled inside.
 */
export function encodeFlinkList(items: readonly string[]): string {
  return items
    .map((item) => /[;'"]/.test(item) || item === "" ? `'${item.replaceAll("'", "''")}'` : item)
    .join(";");
}

export function decodeFlinkList(text: string): string[] {
  const items: string[] = [];
  let i = 0;
  while (i < text.length) {
    let item = "";
    const quote = text[i];
    if (quote === "'" || quote === '"') {
      i++;
      while (i < text.length) {
        if (text[i] === quote && text[i + 1] === quote) {
          item += quote;
          i += 2;
        } else if (text[i] === quote) {
          i++;
          break;
        } else {
          item += text[i++];
        }
      }
      // Anything between the closing quote and the next separator is ignored.
      while (i < text.length && text[i] !== ";") i++;
    } else {
      while (i < text.length && text[i] !== ";") item += text[i++];
    }
    items.push(item);
    i++; // the separator
  }
  return items;
}
