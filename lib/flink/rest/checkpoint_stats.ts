/**
 * `GET /jobs/:id/checkpoints`, read the way FKO reads it to find the state a job can be restored
 * from after it was cancelled or reached a terminal state.
 */
import {
  arrayField,
  asObject,
  booleanField,
  type JsonObject,
  numberField,
  objectField,
  stringField,
} from "./json_reader.ts";

/**
 * The external pointer Flink reports for checkpoints taken without `state.checkpoints.dir`:
 * such a checkpoint exists but cannot be restored from, which FKO reports as CheckpointNotFound.
 */
export const NOT_EXTERNALLY_ADDRESSABLE = "<checkpoint-not-externally-addressable>";

/** The message Flink answers with for jobs without checkpointing; FKO treats it as "none yet". */
export const CHECKPOINTING_DISABLED_MESSAGE = "Checkpointing has not been enabled";

export interface CheckpointEntry {
  id: number;
  /** COMPLETED, FAILED or IN_PROGRESS (absent on `latest.restored`). */
  status?: string;
  isSavepoint?: boolean;
  triggerTimestamp?: number;
  /** Only on `latest.restored`. */
  restoreTimestamp?: number;
  failureTimestamp?: number;
  externalPath?: string;
  stateSize?: number;
  checkpointedSize?: number;
  checkpointType?: string;
  failureMessage?: string;
}

export type LatestKind = "completed" | "savepoint" | "restored";

/** Where the newest durable state of a job is. */
export interface CheckpointPointer {
  id: number;
  externalPath: string;
  /** Trigger timestamp (ms), or the restore timestamp when the pointer came from `restored`. */
  timestamp?: number;
  source: LatestKind;
  /** False for `<checkpoint-not-externally-addressable>`: a checkpoint exists but is unusable. */
  externallyAddressable: boolean;
}

export interface CheckpointCounts {
  restored: number;
  total: number;
  inProgress: number;
  completed: number;
  failed: number;
}

export class CheckpointStats {
  private constructor(
    /** Flink said "Checkpointing has not been enabled": no checkpoint exists or ever will. */
    readonly checkpointingDisabled: boolean,
    readonly counts: CheckpointCounts,
    readonly latest: Readonly<Partial<Record<LatestKind | "failed", CheckpointEntry>>>,
    /** Newest first, as Flink orders it. */
    readonly history: readonly CheckpointEntry[],
  ) {}

  static disabled(): CheckpointStats {
    return new CheckpointStats(true, emptyCounts(), {}, []);
  }

  static fromJson(json: unknown): CheckpointStats {
    const body = asObject(json);
    const counts = objectField(body, "counts");
    const latest = objectField(body, "latest");
    const entries: Partial<Record<LatestKind | "failed", CheckpointEntry>> = {};
    for (const kind of ["completed", "savepoint", "failed", "restored"] as const) {
      const entry = readEntry(objectField(latest, kind));
      if (entry) entries[kind] = entry;
    }
    const history = arrayField(body, "history")
      .map((h) => readEntry(asObject(h)))
      .filter((h): h is CheckpointEntry => h !== undefined);
    return new CheckpointStats(
      false,
      {
        restored: numberField(counts, "restored") ?? 0,
        total: numberField(counts, "total") ?? 0,
        inProgress: numberField(counts, "in_progress") ?? 0,
        completed: numberField(counts, "completed") ?? 0,
        failed: numberField(counts, "failed") ?? 0,
      },
      entries,
      history,
    );
  }

  /**
   * The entry with the highest id among `latest.completed`, `latest.savepoint` and
   * `latest.restored` that has an external path. A restored entry can win, e.g. right after a
   * restart from a savepoint, before the job's first own checkpoint.
   */
  latestCheckpoint(): CheckpointPointer | undefined {
    let best: CheckpointPointer | undefined;
    for (const source of ["completed", "savepoint", "restored"] as const) {
      const entry = this.latest[source];
      if (!entry?.externalPath) continue;
      if (best && entry.id <= best.id) continue;
      best = {
        id: entry.id,
        externalPath: entry.externalPath,
        timestamp: source === "restored" ? entry.restoreTimestamp : entry.triggerTimestamp,
        source,
        externallyAddressable: entry.externalPath !== NOT_EXTERNALLY_ADDRESSABLE,
      };
    }
    return best;
  }

  /** The checkpoint in flight, when the newest history entry is still IN_PROGRESS. */
  get pendingCheckpoint(): { id: number; triggerTimestamp?: number } | undefined {
    const newest = this.history[0];
    if (newest?.status !== "IN_PROGRESS") return undefined;
    return { id: newest.id, triggerTimestamp: newest.triggerTimestamp };
  }
}

function readEntry(obj: JsonObject | undefined): CheckpointEntry | undefined {
  const id = numberField(obj, "id");
  if (obj === undefined || id === undefined) return undefined;
  const entry: CheckpointEntry = { id };
  const assign = <K extends keyof CheckpointEntry>(key: K, value: CheckpointEntry[K]) => {
    if (value !== undefined) entry[key] = value;
  };
  assign("status", stringField(obj, "status"));
  assign("isSavepoint", booleanField(obj, "is_savepoint"));
  assign("triggerTimestamp", numberField(obj, "trigger_timestamp"));
  assign("restoreTimestamp", numberField(obj, "restore_timestamp"));
  assign("failureTimestamp", numberField(obj, "failure_timestamp"));
  assign("externalPath", stringField(obj, "external_path"));
  assign("stateSize", numberField(obj, "state_size"));
  assign("checkpointedSize", numberField(obj, "checkpointed_size"));
  assign("checkpointType", stringField(obj, "checkpoint_type"));
  assign("failureMessage", stringField(obj, "failure_message"));
  return entry;
}

function emptyCounts(): CheckpointCounts {
  return { restored: 0, total: 0, inProgress: 0, completed: 0, failed: 0 };
}
