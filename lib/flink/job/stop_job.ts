/**
 * Stopping a running job the way an upgrade decision chose (FKO `SuspendMode`, reference §3.7),
 * for both kinds: the REST parts (stop-with-savepoint, cancel) are shared, the rest is the
 * driver's (deleting an application cluster, with or without its HA metadata).
 */
import { getLogger } from "@logtape/logtape";
import { isGloballyTerminal } from "../../api/enums.ts";
import { parseDuration } from "../../config/duration.ts";
import { OPTIONS } from "../../config/options.ts";
import { errorMessage } from "../../error_message.ts";
import { getSavepointsDir } from "../render/mod.ts";
import { NOT_EXTERNALLY_ADDRESSABLE } from "../rest/checkpoint_stats.ts";
import { checkpointStatsAfter, checkpointStatsCacheMs } from "../rest/checkpoint_stats_cache.ts";
import { FlinkTimeoutError } from "../rest/errors.ts";
import { awaitJobEnd } from "../rest/job_end.ts";
import { pollUntilDone } from "../rest/poll.ts";
import type { SuspendMode } from "../spec/upgrade.ts";
import { UpgradeFailure } from "./errors.ts";
import { type ResourcePass, rest, save } from "./resource_pass.ts";
import { recordsLegacySnapshots, recordUpgradeSnapshot } from "./snapshot_records.ts";
import { recordRestoreMode } from "./bookkeeping.ts";

const log = getLogger(["flinkop", "job", "stop"]);

/**
 * How an operation in flight (a savepoint, a cancel) is polled: soon after it started, then less
 * and less often, so a quick one is noticed at once and a slow one is not asked every moment.
 */
const POLL = { intervalMs: 20, maxIntervalMs: 200 };

/**
 * Stops the running job as chosen by the upgrade decision. Returns the savepoint/checkpoint path
 * the next start restores from (undefined: none).
 */
export async function suspendJob(p: ResourcePass, mode: SuspendMode): Promise<string | undefined> {
  let path: string | undefined;
  switch (mode) {
    case "NOOP":
      await recordEndedStop(p);
      return p.status.jobStatus.upgradeSavepointPath;
    case "STATELESS":
      await p.driver.stopStateless(p);
      break;
    case "LAST_STATE":
      await p.driver.stopKeepingHaMetadata(p);
      break;
    case "SAVEPOINT":
      path = await stopWithSavepoint(p);
      break;
    case "CANCEL":
      path = await cancelAndReadCheckpoint(p);
      break;
  }
  const js = p.status.jobStatus;
  if (!isGloballyTerminal(js.state)) js.state = "FINISHED";
  await p.driver.afterStop(p, mode);
  return path;
}

/**
 * Stop-with-savepoint. The trigger is written to status *before* it is sent (with a trigger id
 * Flink deduplicates), so a crash in the middle resumes polling the same savepoint instead of
 * losing it or taking a second one.
 */
async function stopWithSavepoint(p: ResourcePass): Promise<string> {
  const js = p.status.jobStatus;
  const info = js.savepointInfo;
  const client = await rest(p);
  if (!info.triggerId || info.triggerType !== "UPGRADE") {
    info.triggerId = crypto.randomUUID().replaceAll("-", "");
    info.triggerTimestamp = p.env.now();
    info.triggerType = "UPGRADE";
    info.formatType = p.rc.get(OPTIONS.savepointFormatType);
    await save(p, "savepoint-triggered");
  }
  const triggerId = info.triggerId;
  // Sending the same trigger id again is idempotent in Flink: safe after a crash or a retry.
  await client.stopWithSavepoint(js.jobId!, {
    targetDirectory: getSavepointsDir(p.rc.flinkOptions),
    drain: p.rc.get(OPTIONS.jobDrainOnSavepointDeletion),
    formatType: info.formatType === "NATIVE" ? "NATIVE" : "CANONICAL",
    triggerId,
  }).catch((err) => {
    // A job that already stopped for this trigger answers with an error; the status poll tells.
    log.info("stop-with-savepoint request: {error}", { error: errorMessage(err) });
  });
  const timeoutMs = durationOr(p.rc.flat["execution.checkpointing.timeout"], 10 * 60_000);
  let result;
  try {
    result = await pollUntilDone(async () => {
      const st = await client.savepointStatus(js.jobId!, triggerId);
      return st.state === "IN_PROGRESS" ? undefined : st;
    }, { ...POLL, timeoutMs, signal: p.ctx.signal, what: `savepoint ${triggerId}` });
  } catch (err) {
    if (!(err instanceof FlinkTimeoutError)) throw err;
    throw new UpgradeFailure(
      "SavepointError",
      `stop-with-savepoint did not complete within ${timeoutMs} ms; raise ` +
        "execution.checkpointing.timeout",
    );
  }
  if (result.state === "FAILED") {
    clearSavepointTrigger(p);
    await save(p);
    throw new UpgradeFailure("SavepointError", `stop-with-savepoint failed: ${result.failure}`);
  }
  recordSavepoint(p, result.location);
  js.state = "FINISHED";
  await recordUpgradeSnapshot(p, result.location);
  return result.location;
}

/**
 * The job already ended, but an upgrade's stop-with-savepoint trigger is still pending in status:
 * the stop reached Flink and the pass (or the leader) that sent it ended before recording its
 * savepoint. The savepoint is recorded now from the trigger's result (Flink keeps it for
 * `rest.async.store-duration`) like any upgrade savepoint — status and an UPGRADE snapshot;
 * otherwise the job would restore from it (the observer takes it as the restore point) without
 * any FlinkStateSnapshot recording it. The trigger is cleared either way, so no later pass takes
 * it for a stop still in flight.
 */
async function recordEndedStop(p: ResourcePass): Promise<void> {
  const js = p.status.jobStatus;
  const info = js.savepointInfo;
  if (!info.triggerId || info.triggerType !== "UPGRADE" || !js.jobId) return;
  let result;
  try {
    result = await (await rest(p)).savepointStatus(js.jobId, info.triggerId);
  } catch (err) {
    log.info("stop-with-savepoint {triggerId} of the ended job could not be read: {error}", {
      triggerId: info.triggerId,
      error: errorMessage(err),
    });
  }
  if (result?.state === "COMPLETED") {
    log.info("recording the savepoint {path} of the ended job's stop", { path: result.location });
    recordSavepoint(p, result.location);
    await recordUpgradeSnapshot(p, result.location);
    return;
  }
  clearSavepointTrigger(p);
  await save(p);
}

function clearSavepointTrigger(p: ResourcePass): void {
  const info = p.status.jobStatus.savepointInfo;
  info.triggerId = undefined;
  info.triggerTimestamp = undefined;
  info.triggerType = undefined;
}

/** Records a completed upgrade savepoint everywhere FKO would (path, legacy last savepoint, history). */
export function recordSavepoint(p: ResourcePass, location: string): void {
  const js = p.status.jobStatus;
  const info = js.savepointInfo;
  js.upgradeSavepointPath = location;
  // With snapshot resources, the upgrade savepoint is a FlinkStateSnapshot instead (as in FKO).
  if (recordsLegacySnapshots(p)) {
    const savepoint = {
      timeStamp: p.env.now(),
      location,
      triggerType: "UPGRADE" as const,
      formatType: info.formatType === "NATIVE" ? "NATIVE" as const : "CANONICAL" as const,
    };
    info.lastSavepoint = savepoint;
    if (info.savepointHistory.at(-1)?.location !== location) info.savepointHistory.push(savepoint);
  }
  clearSavepointTrigger(p);
}

/**
 * Cancels the job and waits (bounded by `flink.client.cancel.timeout`) until Flink reports it
 * terminal. A job Flink does not know is an error unless `ignoreMissing`.
 */
export async function cancelJob(
  p: ResourcePass,
  opts: { ignoreMissing: boolean },
): Promise<void> {
  const js = p.status.jobStatus;
  const client = await rest(p);
  const outcome = await client.cancelJob(js.jobId!);
  if (outcome === "missing") {
    if (opts.ignoreMissing) return;
    throw new UpgradeFailure("CleanupFailed", "Cannot find job when trying to cancel");
  }
  if (outcome === "cancelled") {
    js.state = "CANCELLING";
    await save(p, "cancelling");
  }
  const timeoutMs = p.env.config.cancelTimeoutMs;
  let ended: string | undefined;
  try {
    ended = await awaitJobEnd(client, js.jobId!, {
      ...POLL,
      timeoutMs,
      signal: p.ctx.signal,
      what: `cancel of ${js.jobId}`,
    });
  } catch (err) {
    if (!(err instanceof FlinkTimeoutError)) throw err;
    throw new UpgradeFailure(
      "UpgradeFailed",
      `job ${js.jobId} did not reach a terminal state within ${timeoutMs} ms of its cancel; ` +
        "raise kubernetes.operator.flink.client.cancel.timeout",
    );
  }
  if (ended === undefined) {
    // The job disappeared while it was being cancelled (e.g. its JobManager restarted without
    // HA): it runs no more, but nothing about its end, or its checkpoints, can be learned.
    log.info("job {jobId} is no longer known to its cluster after its cancel", {
      jobId: js.jobId,
    });
    if (opts.ignoreMissing) return;
    throw new UpgradeFailure(
      "CleanupFailed",
      `Cannot find job ${js.jobId} after cancelling it: its cluster no longer knows it, so ` +
        "where it stopped cannot be read",
    );
  }
  js.state = ended;
}

/**
 * Cancel, then restore from the newest checkpoint (FKO's last-state upgrade by cancel). The
 * statistics are read once Flink's cache of them cannot hold a view from before the job ended:
 * an older checkpoint than the newest may already be subsumed and deleted.
 */
async function cancelAndReadCheckpoint(p: ResourcePass): Promise<string | undefined> {
  // Write-ahead (FKO records the restore mode with its asynchronous cancel): if this pass ends
  // after the cancel but before the stop is recorded (a crash, a lost status write), the observer
  // marks the cancelled job suspended keeping the recorded restore mode, and the next start must
  // restore from the job's last checkpoint, not start empty.
  recordRestoreMode(p, "savepoint");
  await save(p, "cancel-restore-mode");
  await cancelJob(p, { ignoreMissing: false });
  const js = p.status.jobStatus;
  const stats = await checkpointStatsAfter(await rest(p), js.jobId!, {
    since: p.env.now(),
    cacheMs: checkpointStatsCacheMs(p.rc.flat),
    now: p.env.now,
    signal: p.ctx.signal,
  });
  const latest = stats.latestCheckpoint();
  if (!latest) {
    js.upgradeSavepointPath = undefined;
    return undefined;
  }
  if (latest.externalPath === NOT_EXTERNALLY_ADDRESSABLE) {
    throw new UpgradeFailure(
      "CheckpointNotFound",
      "the latest checkpoint is not externally addressable: set state.checkpoints.dir",
    );
  }
  js.upgradeSavepointPath = latest.externalPath;
  return latest.externalPath;
}

function durationOr(value: string | undefined, fallbackMs: number): number {
  if (!value) return fallbackMs;
  try {
    return parseDuration(value);
  } catch {
    return fallbackMs;
  }
}
