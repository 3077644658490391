import { keyOf, type KubeObject, type ObjectKey } from "../kube/resource.ts";

/** The cache of one resource type: the latest object per key as seen by its watchers. */
export class Store<T extends KubeObject> {
  readonly #items = new Map<ObjectKey, T>();

  get(key: ObjectKey): T | undefined {
    return this.#items.get(key);
  }

  list(namespace?: string): T[] {
    const all = [...this.#items.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  get size(): number {
    return this.#items.size;
  }

  /** Returns the previous object for the key, if any. */
  apply(obj: T): T | undefined {
    const key = keyOf(obj.metadata);
    const previous = this.#items.get(key);
    this.#items.set(key, obj);
    return previous;
  }

  delete(obj: KubeObject): T | undefined {
    const key = keyOf(obj.metadata);
    const previous = this.#items.get(key);
    this.#items.delete(key);
    return previous;
  }

  /** Removes and returns every object `drop` selects (e.g. those of a namespace no longer watched). */
  removeWhere(drop: (obj: T) => boolean): T[] {
    const removed: T[] = [];
    for (const [key, obj] of this.#items) {
      if (!drop(obj)) continue;
      removed.push(obj);
      this.#items.delete(key);
    }
    return removed;
  }

  /**
   * Replaces the objects of one namespace (or all, for a cluster-wide watch) after a relist and
   * returns the ones that vanished, so listeners see deletions missed while disconnected.
   */
  replace(items: T[], namespace?: string): T[] {
    const fresh = new Set(items.map((o) => keyOf(o.metadata)));
    const vanished: T[] = [];
    for (const [key, obj] of this.#items) {
      const inScope = namespace === undefined || obj.metadata.namespace === namespace;
      if (inScope && !fresh.has(key)) {
        vanished.push(obj);
        this.#items.delete(key);
      }
    }
    for (const obj of items) this.#items.set(keyOf(obj.metadata), obj);
    return vanished;
  }
}
