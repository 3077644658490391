/**
 * Which snapshots wait on which resources. A change of a job resource (its job stopped, it was
 * deleted) — or of the session cluster a session job runs on — must reach the snapshots that are
 * still being taken or disposed of right away — that is when they become ABANDONED or can
 * finally be disposed — without revisiting every completed snapshot on each job status write.
 */
import type { ObjectKey } from "../../kube/resource.ts";
import type { JobKey } from "./job_target.ts";

export class SnapshotIndex {
  readonly #snapshotsByKey = new Map<JobKey, Set<ObjectKey>>();
  readonly #keysBySnapshot = new Map<ObjectKey, readonly JobKey[]>();

  /** Records that `snapshot` depends on the resources `keys` (its job, its job's cluster). */
  track(snapshot: ObjectKey, ...keys: JobKey[]): void {
    const known = this.#keysBySnapshot.get(snapshot);
    if (known && known.length === keys.length && known.every((k, i) => k === keys[i])) return;
    this.untrack(snapshot);
    this.#keysBySnapshot.set(snapshot, keys);
    for (const key of keys) {
      let set = this.#snapshotsByKey.get(key);
      if (!set) this.#snapshotsByKey.set(key, set = new Set());
      set.add(snapshot);
    }
  }

  untrack(snapshot: ObjectKey): void {
    const keys = this.#keysBySnapshot.get(snapshot);
    if (keys === undefined) return;
    this.#keysBySnapshot.delete(snapshot);
    for (const key of keys) {
      const set = this.#snapshotsByKey.get(key);
      set?.delete(snapshot);
      if (set?.size === 0) this.#snapshotsByKey.delete(key);
    }
  }

  snapshotsOf(keys: readonly JobKey[]): ObjectKey[] {
    return [...new Set(keys.flatMap((key) => [...(this.#snapshotsByKey.get(key) ?? [])]))];
  }
}
