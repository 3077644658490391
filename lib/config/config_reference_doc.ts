import { renderConfigReference } from "./options.ts";

/**
 * Keeps the generated option tables in docs/configuration.md in sync with OPTIONS.
 * Regenerate with: deno run --allow-read --allow-write lib/config/config_reference_doc.ts
 */

export const REFERENCE_BEGIN = "<!-- BEGIN GENERATED: renderConfigReference() -->";
export const REFERENCE_END = "<!-- END GENERATED -->";
export const CONFIG_DOC_PATH = new URL("../../docs/configuration.md", import.meta.url);

/** `doc` with the text between the markers replaced by the current reference tables. */
export function withCurrentReference(doc: string): string {
  const begin = doc.indexOf(REFERENCE_BEGIN);
  const end = doc.indexOf(REFERENCE_END);
  if (begin < 0 || end < begin) {
    throw new Error("configuration doc lacks the generated-section markers");
  }
  return doc.slice(0, begin + REFERENCE_BEGIN.length) + "\n\n" + renderConfigReference() + "\n" +
    doc.slice(end);
}

if (import.meta.main) {
  const doc = Deno.readTextFileSync(CONFIG_DOC_PATH);
  Deno.writeTextFileSync(CONFIG_DOC_PATH, withCurrentReference(doc));
}
