import { childPath, type ContainerFs } from "./container_fs.ts";
import { FlinkExceptions, type SimThrowable, throwable } from "./failure.ts";
import type { RetentionPolicy } from "./flink_options.ts";
import type { HaCheckpointStore } from "./kubernetes_ha.ts";
import { randomHex } from "./ids.ts";
import {
  checkpointDirName,
  deleteSnapshot,
  savepointDirName,
  type SnapshotMetadata,
  writeSnapshot,
} from "./snapshot_files.ts";
import type { ProcessTimers, TimerHandle } from "./timers.ts";

/** `checkpoint_type` as the REST statistics spell it. */
export type SnapshotKind = "CHECKPOINT" | "SAVEPOINT" | "SYNC_SAVEPOINT";
export type SavepointFormat = "CANONICAL" | "NATIVE";

export interface CheckpointRecord {
  id: number;
  kind: SnapshotKind;
  status: "IN_PROGRESS" | "COMPLETED" | "FAILED";
  triggerTimestamp: number;
  ackTimestamp?: number;
  failureTimestamp?: number;
  failureMessage?: string;
  externalPath?: string;
  stateSize: number;
  savepointFormat?: SavepointFormat;
  discarded: boolean;
  /** The counter captured by this snapshot. */
  counter?: number;
  /** Whether Flink owns the files (may delete them when subsumed or on termination). */
  owned: boolean;
}

export interface RestoredRecord {
  id: number;
  restoreTimestamp: number;
  isSavepoint: boolean;
  externalPath: string;
}

export type SnapshotOutcome =
  | { ok: true; record: CheckpointRecord }
  | { ok: false; failure: SimThrowable; record?: CheckpointRecord };

/** Where a job without a checkpoint directory reports its (in-memory) checkpoints to be. */
export const NOT_EXTERNALLY_ADDRESSABLE = "<checkpoint-not-externally-addressable>";

/** What the coordinator needs from its job and process. */
export interface CoordinatorHost {
  readonly jobId: string;
  isRunning(): boolean;
  counterNow(): number;
  checkpointFailure(): string | undefined;
  savepointFailure(): string | undefined;
  timers: ProcessTimers;
  fs: ContainerFs;
  checkpointMs: number;
  savepointMs: number;
  log(message: string): void;
  /** Periodic checkpoints failed more often in a row than tolerated: the job must fail over. */
  onTolerableFailuresExceeded(cause: SimThrowable): void;
}

export interface CoordinatorSettings {
  /** `execution.checkpointing.dir`; undefined keeps checkpoints in memory (HA storage for HA). */
  checkpointDir?: string;
  intervalMs?: number;
  retained: number;
  retention: RetentionPolicy;
  historySize: number;
  tolerableFailures: number;
  ha?: HaCheckpointStore;
  /** `<storageDir>/<cluster-id>`: where HA jobs without checkpoint dir keep checkpoint metadata. */
  haStorageDir?: string;
}

interface Pending {
  record: CheckpointRecord;
  resolve: (outcome: SnapshotOutcome) => void;
  timer: TimerHandle | undefined;
}

/**
 * The checkpoint side of one job: periodic and triggered checkpoints, savepoints, the retained
 * completed checkpoints (with HA mirroring) and the statistics the REST API reports. Savepoints
 * share the checkpoint id sequence but are neither retained nor written to HA, as in Flink 1.15+.
 */
export class CheckpointCoordinator {
  readonly history: CheckpointRecord[] = [];
  readonly counts = { total: 0, completed: 0, failed: 0, restored: 0 };
  latestCompleted?: CheckpointRecord;
  latestSavepoint?: CheckpointRecord;
  latestFailed?: CheckpointRecord;
  restored?: RestoredRecord;
  nextId = 1;

  /** Completed checkpoints still retained, oldest first. */
  readonly #completed: CheckpointRecord[] = [];
  readonly #pending = new Map<number, Pending>();
  #periodicTimer: TimerHandle | undefined;
  #consecutivePeriodicFailures = 0;

  constructor(private readonly host: CoordinatorHost, readonly settings: CoordinatorSettings) {}

  get inProgress(): number {
    return this.#pending.size;
  }

  /** Counter of the newest retained checkpoint: what a failover restores. */
  latestRetainedCounter(): number | undefined {
    return this.#completed.at(-1)?.counter;
  }

  /** Registers the snapshot a job was restored from; CLAIMed/HA snapshots become retained. */
  noteRestored(
    restored: RestoredRecord,
    counter: number,
    owned: boolean,
    retainedFromHa: { id: number; pointer: string }[] = [],
  ): void {
    this.restored = restored;
    this.counts.restored++;
    for (const entry of retainedFromHa) {
      this.#completed.push(this.#adoptedRecord(entry.id, entry.pointer, undefined, true));
    }
    if (owned && !this.#completed.some((r) => r.id === restored.id)) {
      this.#completed.push(this.#adoptedRecord(restored.id, restored.externalPath, counter, true));
    }
    const latest = this.#completed.find((r) => r.id === restored.id);
    if (latest) latest.counter = counter;
  }

  startPeriodic(): void {
    const interval = this.settings.intervalMs;
    if (interval === undefined || this.#periodicTimer !== undefined) return;
    this.#periodicTimer = this.host.timers.after(interval, () => {
      this.#periodicTimer = undefined;
      if (!this.host.isRunning()) return;
      this.startPeriodic();
      // Flink runs at most one checkpoint at a time by default; a slow one delays the next.
      if ([...this.#pending.values()].some((p) => p.record.kind === "CHECKPOINT")) return;
      void this.#snapshot("CHECKPOINT", undefined, undefined, true);
    });
  }

  stopPeriodic(): void {
    this.host.timers.cancel(this.#periodicTimer);
    this.#periodicTimer = undefined;
  }

  triggerCheckpoint(): Promise<SnapshotOutcome> {
    return this.#snapshot("CHECKPOINT", undefined, undefined, false);
  }

  triggerSavepoint(
    targetDir: string,
    format: SavepointFormat,
    kind: "SAVEPOINT" | "SYNC_SAVEPOINT",
  ): Promise<SnapshotOutcome> {
    return this.#snapshot(kind, targetDir, format, false);
  }

  /** The job left RUNNING: pending snapshots fail, periodic triggering stops. */
  abortPending(reason: string): void {
    this.stopPeriodic();
    for (const pending of [...this.#pending.values()]) {
      this.host.timers.cancel(pending.timer);
      this.#finishFailed(pending, throwable(FlinkExceptions.checkpoint, reason), false);
    }
  }

  /**
   * The job reached a final state: completed checkpoints are discarded according to
   * `externalized-checkpoint-retention` (Flink's CheckpointProperties). `SUSPENDED` is a
   * JobManager shutdown without HA.
   */
  async discardOnTermination(state: "FINISHED" | "CANCELED" | "FAILED" | "SUSPENDED") {
    const policy = this.settings.retention;
    const discard = state === "FINISHED" ||
      (state === "CANCELED" && policy !== "RETAIN_ON_CANCELLATION") ||
      ((state === "FAILED" || state === "SUSPENDED") && policy === "NO_EXTERNALIZED_CHECKPOINTS");
    if (!discard) return;
    for (const record of this.#completed.splice(0)) await this.#discard(record);
  }

  async #snapshot(
    kind: SnapshotKind,
    targetDir: string | undefined,
    format: SavepointFormat | undefined,
    periodic: boolean,
  ): Promise<SnapshotOutcome> {
    if (!this.host.isRunning()) {
      return {
        ok: false,
        failure: throwable(
          FlinkExceptions.checkpoint,
          "Checkpoint triggering task Source: Sim Counter (1/1) of job " +
            `${this.host.jobId} is not being executed at the moment. Aborting checkpoint. ` +
            "Failure reason: Not all required tasks are currently running.",
        ),
      };
    }
    const record: CheckpointRecord = {
      id: this.nextId++,
      kind,
      status: "IN_PROGRESS",
      triggerTimestamp: Date.now(),
      stateSize: 0,
      savepointFormat: kind === "CHECKPOINT" ? undefined : format,
      discarded: false,
      // State is captured when the barrier passes, i.e. at trigger time.
      counter: this.host.counterNow(),
      owned: kind === "CHECKPOINT",
    };
    this.counts.total++;
    this.#remember(record);
    const duration = kind === "CHECKPOINT" ? this.host.checkpointMs : this.host.savepointMs;
    const outcome = await new Promise<SnapshotOutcome>((resolve) => {
      const timer = this.host.timers.after(duration, () => {
        const pending = this.#pending.get(record.id);
        if (pending) void this.#complete(pending, targetDir, periodic);
      });
      this.#pending.set(record.id, { record, resolve, timer });
    });
    return outcome;
  }

  async #complete(pending: Pending, targetDir: string | undefined, periodic: boolean) {
    const { record } = pending;
    const injected = record.kind === "CHECKPOINT"
      ? this.host.checkpointFailure()
      : this.host.savepointFailure();
    if (injected) {
      const cause = throwable(FlinkExceptions.checkpoint, injected);
      return this.#finishFailed(pending, cause, periodic);
    }
    let storedInHa = false;
    try {
      const metadata: SnapshotMetadata = {
        jobId: this.host.jobId,
        checkpointId: record.id,
        counter: record.counter ?? 0,
        timestamp: record.triggerTimestamp,
        type: record.kind === "CHECKPOINT" ? "checkpoint" : "savepoint",
        ...(record.savepointFormat ? { format: record.savepointFormat } : {}),
      };
      const dir = this.#snapshotDir(record, targetDir);
      if (dir) {
        const written = await writeSnapshot(this.host.fs, dir, metadata);
        record.stateSize = written.sizeBytes;
        record.externalPath = written.pointer;
      } else {
        record.externalPath = NOT_EXTERNALLY_ADDRESSABLE;
      }
      if (record.kind === "CHECKPOINT" && this.settings.ha) {
        // Subsumed entries leave HA here; their files go with the in-memory list below.
        const haPointer = await this.#haPointer(record, metadata);
        await this.settings.ha.add(
          { id: record.id, pointer: haPointer },
          this.settings.retained,
          this.nextId,
        );
        storedInHa = true;
      }
    } catch (err) {
      // A checkpoint Flink could not store in HA is discarded with its files
      // (CompletedCheckpoint.discardOnFailedStoring): nothing may restore from it.
      await this.#discardWritten(record);
      const cause = throwable(
        FlinkExceptions.checkpoint,
        "An Exception occurred while triggering the checkpoint. IO-problem detected.",
        throwable(FlinkExceptions.io, (err as Error).message),
      );
      return this.#finishFailed(pending, cause, periodic);
    }
    if (!this.#pending.has(record.id)) {
      // Aborted while writing (the job stopped, e.g. its JobManager shutting down): Flink
      // disposes of a pending checkpoint's files, but one already in the HA checkpoint store is
      // completed — a restarted JobManager restores it from there — and keeps them.
      if (!storedInHa) await this.#discardWritten(record);
      return;
    }
    this.#pending.delete(record.id);
    record.status = "COMPLETED";
    record.ackTimestamp = Date.now();
    this.counts.completed++;
    if (record.kind === "CHECKPOINT") {
      this.#consecutivePeriodicFailures = 0;
      this.latestCompleted = record;
      this.#completed.push(record);
      while (this.#completed.length > this.settings.retained) {
        await this.#discard(this.#completed.shift()!);
      }
      this.host.log(
        `Completed checkpoint ${record.id} for job ${this.host.jobId} ` +
          `(${record.stateSize} bytes, ${record.ackTimestamp - record.triggerTimestamp} ms).`,
      );
    } else {
      this.latestSavepoint = record;
      this.host.log(
        `Savepoint ${record.id} of job ${this.host.jobId} stored in ${record.externalPath}.`,
      );
    }
    pending.resolve({ ok: true, record });
  }

  #finishFailed(pending: Pending, cause: SimThrowable, periodic: boolean): void {
    if (!this.#pending.delete(pending.record.id)) return;
    const { record } = pending;
    record.status = "FAILED";
    record.failureTimestamp = Date.now();
    record.failureMessage = `${cause.className}: ${cause.message}`;
    this.counts.failed++;
    this.latestFailed = record;
    this.host.log(
      `Failed to trigger or complete ${record.kind.toLowerCase()} ${record.id} for job ` +
        `${this.host.jobId}: ${cause.message}`,
    );
    pending.resolve({ ok: false, failure: cause, record });
    if (periodic && this.host.isRunning()) {
      this.#consecutivePeriodicFailures++;
      if (this.#consecutivePeriodicFailures > this.settings.tolerableFailures) {
        this.#consecutivePeriodicFailures = 0;
        this.host.onTolerableFailuresExceeded(
          throwable(
            FlinkExceptions.flinkRuntime,
            "Exceeded checkpoint tolerable failure threshold. The latest checkpoint failed due " +
              `to ${cause.message}`,
          ),
        );
      }
    }
  }

  #snapshotDir(record: CheckpointRecord, targetDir: string | undefined): string | undefined {
    if (record.kind !== "CHECKPOINT") {
      return childPath(targetDir!, savepointDirName(this.host.jobId));
    }
    const base = this.settings.checkpointDir;
    return base
      ? childPath(childPath(base, this.host.jobId), checkpointDirName(record.id))
      : undefined;
  }

  /** HA points at the checkpoint dir; without one, at a metadata file in HA storage. */
  async #haPointer(record: CheckpointRecord, metadata: SnapshotMetadata): Promise<string> {
    if (record.externalPath !== NOT_EXTERNALLY_ADDRESSABLE) return record.externalPath!;
    const dir = childPath(this.settings.haStorageDir!, `completedCheckpoint${randomHex(12)}`);
    return (await writeSnapshot(this.host.fs, dir, metadata)).pointer;
  }

  async #discardWritten(record: CheckpointRecord): Promise<void> {
    const path = record.externalPath;
    record.externalPath = undefined;
    if (!path || path === NOT_EXTERNALLY_ADDRESSABLE) return;
    await deleteSnapshot(this.host.fs, path).catch(() => {});
  }

  async #discard(record: CheckpointRecord): Promise<void> {
    record.discarded = true;
    if (!record.owned || !record.externalPath) return;
    if (record.externalPath === NOT_EXTERNALLY_ADDRESSABLE) return;
    try {
      await deleteSnapshot(this.host.fs, record.externalPath);
    } catch (err) {
      this.host.log(`Could not discard checkpoint ${record.id}: ${(err as Error).message}`);
    }
  }

  #remember(record: CheckpointRecord): void {
    this.history.unshift(record);
    if (this.history.length > this.settings.historySize) {
      this.history.length = this.settings.historySize;
    }
  }

  #adoptedRecord(
    id: number,
    pointer: string,
    counter: number | undefined,
    owned: boolean,
  ): CheckpointRecord {
    return {
      id,
      kind: "CHECKPOINT",
      status: "COMPLETED",
      triggerTimestamp: 0,
      stateSize: 0,
      discarded: false,
      externalPath: pointer,
      counter,
      owned,
    };
  }
}
