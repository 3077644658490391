/**
 * Manual (nonce) and periodic snapshots of a running job (FKO
 * AbstractJobReconciler.triggerSnapshotIfNeeded, reference §3.12): FlinkStateSnapshot resources,
 * or REST triggers tracked in the legacy status fields; then the snapshot history is kept within
 * `savepoint.history.max.count` / `max.age` on every pass (FKO only cleans while the job's REST
 * API answers).
 */
import { getLogger } from "@logtape/logtape";
import { isFlinkVersionAtLeast, type SnapshotType } from "../../api/enums.ts";
import { OPTIONS } from "../../config/options.ts";
import { errorMessage } from "../../error_message.ts";
import { Action } from "../../runtime/action.ts";
import { legacyTriggerPending } from "../snapshot/legacy_status.ts";
import { snapshotTypeOf, triggerTypeOf } from "../snapshot/labels.ts";
import {
  decideSnapshotTrigger,
  initialLastTrigger,
  manualTriggerRequested,
} from "../snapshot/trigger_decision.ts";
import { lastReconciled, recordHandledNonce } from "./bookkeeping.ts";
import { ERROR_REASON, NONCE_FIELD, triggerLegacySnapshot } from "./legacy_snapshots.ts";
import { event, type ResourcePass, save, uidOf } from "./resource_pass.ts";
import {
  cleanupSnapshotResources,
  createdMs,
  createSnapshotResource,
  jobRunning,
  jobSnapshots,
  snapshotResourcesEnabled,
} from "./snapshot_records.ts";

const log = getLogger(["flinkop", "job", "snapshots"]);

/**
 * Takes due manual and periodic snapshots of a running job, then trims the snapshot history.
 * Problems are reported as events; they never fail the resource's own reconcile. Returns the
 * next pass's schedule when a legacy savepoint is now pending, else undefined.
 */
export async function reconcileSnapshotDuties(p: ResourcePass): Promise<Action | undefined> {
  if (jobRunning(p) && lastReconciled(p)?.spec.job?.state === "running") {
    for (const type of ["SAVEPOINT", "CHECKPOINT"] as const) {
      try {
        await triggerIfDue(p, type);
      } catch (err) {
        log.warn("{type} trigger failed: {error}", { type, error: errorMessage(err) });
        await event(p, {
          type: "Warning",
          reason: ERROR_REASON[type],
          message: `Could not trigger ${type.toLowerCase()}: ${errorMessage(err)}`,
        });
      }
    }
  }
  if (snapshotResourcesEnabled(p) && p.rc.get(OPTIONS.savepointCleanupEnabled)) {
    try {
      await cleanupSnapshotResources(p);
    } catch (err) {
      log.warn("snapshot history cleanup failed: {error}", { error: errorMessage(err) });
    }
  }
  // FKO polls a pending legacy savepoint at the progress-check interval.
  return legacyTriggerPending(p.status.jobStatus.savepointInfo)
    ? Action.requeue(p.env.config.progressCheckIntervalMs)
    : undefined;
}

async function triggerIfDue(p: ResourcePass, type: SnapshotType): Promise<void> {
  const js = p.status.jobStatus;
  const info = type === "SAVEPOINT" ? js.savepointInfo : js.checkpointInfo;
  if (legacyTriggerPending(info)) return;
  const field = NONCE_FIELD[type];
  const specNonce = p.spec.job?.[field];
  const reconciledNonce = lastReconciled(p)?.spec.job?.[field];
  const interval = p.rc.get(
    type === "SAVEPOINT" ? OPTIONS.periodicSavepointInterval : OPTIONS.periodicCheckpointInterval,
  );
  const manual = manualTriggerRequested(specNonce, reconciledNonce);
  if (!manual && interval.kind === "disabled") return;

  const resources = snapshotResourcesEnabled(p);
  const now = p.env.now();
  const trigger = decideSnapshotTrigger({
    specNonce,
    reconciledNonce,
    interval,
    lastTriggerMs: manual ? now : await lastTriggerTime(p, type, resources),
    now,
  });
  if (!trigger) return;
  const version = p.driver.flinkVersion(p);
  if (type === "CHECKPOINT" && version && !isFlinkVersionAtLeast(version, "v1_17")) {
    await event(p, {
      type: "Warning",
      reason: "CheckpointError",
      message: `${trigger === "MANUAL" ? "Manual" : "Periodic"} checkpoints need Flink 1.17 or ` +
        `newer; this job runs on ${version}`,
    });
    return;
  }
  if (resources) {
    if (trigger === "PERIODIC" && await periodicSnapshotInFlight(p, type)) return;
    await createSnapshotResource(p, type, trigger);
    if (trigger === "MANUAL") {
      recordHandledNonce(p, field, specNonce);
      await save(p);
    }
  } else {
    await triggerLegacySnapshot(p, type, trigger);
  }
  if (trigger === "PERIODIC") p.memory.lastTriggers.set(uidOf(p), type, now);
}

/** When the last periodic snapshot was triggered, initialised as FKO does after a restart. */
async function lastTriggerTime(
  p: ResourcePass,
  type: SnapshotType,
  resources: boolean,
): Promise<number> {
  const store = p.memory.lastTriggers;
  const known = store.get(uidOf(p), type);
  if (known !== undefined) return known;
  let newestCompletedPeriodicMs: number | undefined;
  if (resources) {
    const periodic = (await jobSnapshots(p)).filter((s) =>
      snapshotTypeOf(s) === type && triggerTypeOf(s.metadata.labels) === "PERIODIC" &&
      s.status.state === "COMPLETED"
    );
    const times = periodic.map(createdMs).filter((t) => t > 0);
    if (times.length) newestCompletedPeriodicMs = Math.max(...times);
  }
  const js = p.status.jobStatus;
  const time = initialLastTrigger({
    newestCompletedPeriodicMs,
    resourceCreatedMs: Date.parse(p.raw.metadata.creationTimestamp ?? "") || undefined,
    legacyLastPeriodicMs: type === "SAVEPOINT"
      ? js.savepointInfo.lastPeriodicSavepointTimestamp
      : js.checkpointInfo.lastPeriodicCheckpointTimestamp,
  });
  store.set(uidOf(p), type, time);
  return time;
}

/** A periodic snapshot still being taken (or retried): do not pile up another one. */
async function periodicSnapshotInFlight(p: ResourcePass, type: SnapshotType): Promise<boolean> {
  return (await jobSnapshots(p)).some((s) =>
    snapshotTypeOf(s) === type && triggerTypeOf(s.metadata.labels) === "PERIODIC" &&
    !s.metadata.deletionTimestamp &&
    (s.status.state === "TRIGGER_PENDING" || s.status.state === "IN_PROGRESS")
  );
}
