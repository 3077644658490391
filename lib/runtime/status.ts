import type { KubeClient } from "../kube/client.ts";
import { isConflict } from "../kube/errors.ts";
import type { KubeObject, ResourceType } from "../kube/resource.ts";

/** Someone other than this operator changed the status since we read it: do not overwrite it. */
export class StatusConflictError extends Error {
  constructor(readonly key: string) {
    super(
      `status of ${key} was changed by another writer since it was read; ` +
        "refusing to overwrite it (is a second operator instance running?)",
    );
    this.name = "StatusConflictError";
  }
}

type WithStatus = KubeObject & { status?: unknown };

/**
 * Writes the `/status` subresource the way FKO's StatusRecorder does, so status can serve as a
 * write-ahead log: several writes per reconcile, each a full replace guarded by the object's
 * resourceVersion, skipped when nothing changed. On 409 it re-reads the object and retries only if
 * the stored status is still the one this writer last saw, so a change made by anybody else is
 * never silently overwritten. The caller's object is updated in place (resourceVersion), so the
 * next write in the same reconcile carries the right precondition.
 */
export class StatusWriter {
  /** uid -> status JSON and resourceVersion of our last successful write. */
  readonly #written = new Map<string, { resourceVersion: string; status: string }>();

  constructor(
    private readonly client: KubeClient,
    private readonly maxConflictRetries = 3,
  ) {}

  async write<T extends WithStatus>(type: ResourceType, obj: T, status: T["status"]): Promise<T> {
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    const uid = obj.metadata.uid ?? key;
    const next = JSON.stringify(status ?? null);
    const last = this.#written.get(uid);
    const known = last && last.resourceVersion === obj.metadata.resourceVersion
      ? last.status
      : JSON.stringify(obj.status ?? null);
    if (next === known) {
      obj.status = status;
      return obj;
    }
    let base: T = obj;
    let expected = known;
    for (let attempt = 0;; attempt++) {
      try {
        const updated = await this.client.replaceStatus<T>(type, obj.metadata.namespace, {
          ...base,
          status,
        });
        this.#written.set(uid, {
          resourceVersion: updated.metadata.resourceVersion!,
          status: next,
        });
        obj.metadata.resourceVersion = updated.metadata.resourceVersion;
        obj.status = status;
        return obj;
      } catch (err) {
        if (!isConflict(err) || attempt >= this.maxConflictRetries) throw err;
        const fresh = await this.client.get<T>(type, obj.metadata.namespace, obj.metadata.name!);
        if (!fresh) throw err;
        if (canonicalJson(fresh.status) !== canonicalJson(JSON.parse(expected))) {
          throw new StatusConflictError(key);
        }
        // Only metadata or spec moved on: our view of the status is still current, retry.
        base = fresh;
        expected = JSON.stringify(fresh.status ?? null);
      }
    }
  }

  /**
   * The watch cache may still hold an object older than our last write; overlay what we wrote so
   * a reconcile never starts from (and then "restores") a stale status.
   */
  overlay<T extends WithStatus>(obj: T): T {
    const last = this.#written.get(obj.metadata.uid ?? "");
    const rv = obj.metadata.resourceVersion;
    if (!last || !rv || last.resourceVersion === rv || !isOlder(rv, last.resourceVersion)) {
      return obj;
    }
    return {
      ...obj,
      metadata: { ...obj.metadata, resourceVersion: last.resourceVersion },
      status: JSON.parse(last.status),
    };
  }

  forget(uid: string): void {
    this.#written.delete(uid);
  }
}

/**
 * A status as the API server gives it back: object keys sorted (it re-encodes custom resources
 * from maps) and null fields pruned (structural schemas drop them), so what this writer sent and
 * what it reads back compare equal when nobody else changed it.
 */
function canonicalJson(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v === null || typeof v !== "object") return v;
    return Object.fromEntries(
      Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] != null)
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  };
  return JSON.stringify(canonical(value ?? null));
}

/**
 * resourceVersions are opaque by contract, but etcd-backed servers use increasing integers; only
 * compare when both parse, otherwise assume the cache is current.
 */
function isOlder(a: string, b: string): boolean {
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) < BigInt(b);
}
