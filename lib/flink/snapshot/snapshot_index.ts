/**
 * Which snapshots wait on which job. A change of a job resource (its job stopped, it was
 * deleted) must reach the snapshots that are still being taken or disposed of right away — that
 * is when they become ABANDONED or can finally be disposed — without revisiting every completed
 * snapshot on each job status write.
 */
import type { ObjectKey } from "../../kube/resource.ts";
import type { JobKey } from "./job_target.ts";

export class SnapshotIndex {
  readonly #snapshotsByJob = new Map<JobKey, Set<ObjectKey>>();
  readonly #jobBySnapshot = new Map<ObjectKey, JobKey>();

  track(snapshot: ObjectKey, job: JobKey): void {
    if (this.#jobBySnapshot.get(snapshot) === job) return;
    this.untrack(snapshot);
    this.#jobBySnapshot.set(snapshot, job);
    let set = this.#snapshotsByJob.get(job);
    if (!set) this.#snapshotsByJob.set(job, set = new Set());
    set.add(snapshot);
  }

  untrack(snapshot: ObjectKey): void {
    const job = this.#jobBySnapshot.get(snapshot);
    if (job === undefined) return;
    this.#jobBySnapshot.delete(snapshot);
    const set = this.#snapshotsByJob.get(job);
    set?.delete(snapshot);
    if (set?.size === 0) this.#snapshotsByJob.delete(job);
  }

  snapshotsOf(jobs: readonly JobKey[]): ObjectKey[] {
    return jobs.flatMap((job) => [...(this.#snapshotsByJob.get(job) ?? [])]);
  }
}
