/**
 * The specs a resource's status holds (`lastReconciledSpec`, `lastStableSpec`), parsed. A pass
 * reads them many times (observe, validate, reconcile, status), and parsing through the schema is
 * the costliest step of a pass over a running job. Kept per resource, a few texts each — the
 * reconciled and the stable spec, and one being replaced — so a thousand resources do not evict
 * each other's, as one operator-wide bound would. In the controller's memory (job_memory.ts):
 * forgotten with the resource. Callers get their own copy (some change what they read).
 */
export interface ParsedSpec {
  spec: unknown;
  firstDeployment: boolean;
}

/** Texts kept per resource. */
const KEPT_PER_RESOURCE = 3;

export class ParsedSpecs {
  readonly #byUid = new Map<string, Map<string, ParsedSpec>>();

  /** The spec parsed from `json` for resource `uid`: remembered, or parsed by `parse` now. */
  read(uid: string, json: string, parse: (json: string) => ParsedSpec): ParsedSpec {
    let texts = this.#byUid.get(uid);
    if (!texts) this.#byUid.set(uid, texts = new Map());
    let parsed = texts.get(json);
    if (parsed) {
      // Most recently used last, so the oldest goes first.
      texts.delete(json);
    } else {
      parsed = parse(json);
      if (texts.size >= KEPT_PER_RESOURCE) texts.delete(texts.keys().next().value!);
    }
    texts.set(json, parsed);
    return { spec: copyPlain(parsed.spec), firstDeployment: parsed.firstDeployment };
  }

  forget(uid: string): void {
    this.#byUid.delete(uid);
  }

  /** Resources with parsed specs kept. */
  get size(): number {
    return this.#byUid.size;
  }
}

/** A deep copy of parsed JSON (objects, arrays, primitives); cheaper than structuredClone. */
function copyPlain(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(copyPlain);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = copyPlain(v);
  return out;
}
