/**
 * A job's FlinkStateSnapshot resources, seen from its controller (FKO FlinkStateSnapshotUtils,
 * reference §3.12): where snapshots are recorded, the UPGRADE records of stop-with-savepoints,
 * the restore path of a savepoint-mode start, and the active history cleanup.
 */
import { getLogger } from "@logtape/logtape";
import type { SnapshotTriggerType, SnapshotType } from "../../api/enums.ts";
import type { FlinkStateSnapshot } from "../../api/flink_state_snapshot.ts";
import { LABEL_JOB_REFERENCE_KIND, LABEL_JOB_REFERENCE_NAME } from "../../api/kinds.ts";
import { safeParseFlinkStateSnapshot } from "../../api/parse.ts";
import { OPTIONS } from "../../config/options.ts";
import { errorMessage } from "../../error_message.ts";
import type { KubeObject } from "../../kube/resource.ts";
import { FlinkStateSnapshots } from "../resources.ts";
import { savepointHistoryLimits, selectExpiredSnapshots } from "../snapshot/history.ts";
import { jobSnapshotSelector, snapshotTypeOf, triggerTypeOf } from "../snapshot/labels.ts";
import { operatorSnapshotResource } from "../snapshot/snapshot_resource.ts";
import { savepointDirectory } from "../spec/state_dirs.ts";
import { event, type ResourcePass, save } from "./resource_pass.ts";

const log = getLogger(["flinkop", "job", "snapshots"]);

/**
 * Whether this resource's snapshots are FlinkStateSnapshot resources: the option (per resource)
 * and an operator that runs the snapshot controller (the CRD is installed).
 */
export function snapshotResourcesEnabled(p: ResourcePass): boolean {
  return p.env.snapshotResources && p.rc.get(OPTIONS.snapshotResourceEnabled);
}

/** Whether the legacy status fields record this resource's snapshots. */
export function recordsLegacySnapshots(p: ResourcePass): boolean {
  return !snapshotResourcesEnabled(p);
}

/** A RUNNING job whose JobManager answers: only such a job can take snapshots. */
export function jobRunning(p: ResourcePass): boolean {
  const js = p.status.jobStatus;
  return p.driver.jobManagerReady(p) && js.state === "RUNNING" && !!js.jobId;
}

export async function createSnapshotResource(
  p: ResourcePass,
  type: SnapshotType,
  trigger: Exclude<SnapshotTriggerType, "UNKNOWN">,
  savepoint?: { path: string; alreadyExists: boolean },
): Promise<string> {
  const resource = operatorSnapshotResource({
    namespace: p.ns,
    job: { kind: p.kind, name: p.name },
    type,
    trigger,
    now: p.env.now(),
    savepoint: type === "SAVEPOINT"
      ? {
        path: savepoint?.path ?? savepointDirectory(p.rc.flat),
        formatType: p.rc.get(OPTIONS.savepointFormatType),
        disposeOnDelete: p.rc.get(OPTIONS.savepointDisposeOnDelete),
        alreadyExists: savepoint?.alreadyExists ?? false,
      }
      : undefined,
  });
  await p.ctx.client.create(FlinkStateSnapshots, p.ns, resource);
  const created = resource.metadata.name!;
  log.info("created {trigger} {type} snapshot resource {snapshot}", {
    trigger: trigger.toLowerCase(),
    type: type.toLowerCase(),
    snapshot: created,
  });
  return created;
}

/**
 * Records the savepoint a stop-with-savepoint produced as an UPGRADE snapshot resource. The path
 * is saved in `status.jobStatus.upgradeSavepointPath` first, so the restore works even if
 * creating the resource fails (which is then only reported).
 */
export async function recordUpgradeSnapshot(p: ResourcePass, location: string): Promise<void> {
  if (!snapshotResourcesEnabled(p)) return;
  await save(p, "upgrade-savepoint-recorded");
  try {
    await createSnapshotResource(p, "SAVEPOINT", "UPGRADE", {
      path: location,
      alreadyExists: true,
    });
  } catch (err) {
    log.warn("could not record upgrade savepoint {path} as a FlinkStateSnapshot: {error}", {
      path: location,
      error: errorMessage(err),
    });
    await event(p, {
      type: "Warning",
      reason: "SavepointError",
      message: `Could not record upgrade savepoint ${location} as a FlinkStateSnapshot (${
        errorMessage(err)
      }); status.jobStatus.upgradeSavepointPath still points at it`,
    });
  }
}

/**
 * The path a `savepoint`-mode restore starts from: `upgradeSavepointPath` (written first by
 * every stop and observation), else the latest completed snapshot resource of this job, else the
 * legacy `lastSavepoint`.
 */
export async function restorePathFor(p: ResourcePass): Promise<string | undefined> {
  const js = p.status.jobStatus;
  if (js.upgradeSavepointPath) return js.upgradeSavepointPath;
  if (snapshotResourcesEnabled(p)) {
    try {
      const latest = latestCompleted(await jobSnapshots(p));
      if (latest?.status.path) {
        log.info("no upgradeSavepointPath recorded: restoring from snapshot {snapshot} ({path})", {
          snapshot: latest.metadata.name,
          path: latest.status.path,
        });
        js.upgradeSavepointPath = latest.status.path;
        return latest.status.path;
      }
    } catch (err) {
      log.warn("could not list snapshots for the restore path: {error}", {
        error: errorMessage(err),
      });
    }
  }
  return js.savepointInfo.lastSavepoint?.location;
}

function latestCompleted(snapshots: FlinkStateSnapshot[]): FlinkStateSnapshot | undefined {
  const completed = snapshots.filter((s) =>
    s.status.state === "COMPLETED" && !!s.status.path && !s.metadata.deletionTimestamp
  );
  const time = (s: FlinkStateSnapshot) =>
    Date.parse(s.status.resultTimestamp ?? "") || createdMs(s);
  completed.sort((a, b) => time(a) - time(b) || createdMs(a) - createdMs(b));
  return completed.at(-1);
}

/**
 * Deletes expired PERIODIC and UPGRADE snapshot resources of this job. A savepoint whose data is
 * to be disposed of on deletion is only deleted while the job runs (disposal needs it), so that
 * its data is not orphaned; it goes on a later pass.
 */
export async function cleanupSnapshotResources(p: ResourcePass): Promise<void> {
  // From the watch cache where the controller has one (as FKO's informer): a list a moment old
  // can only leave a snapshot for the next pass, never delete one too many.
  const snapshots = (await jobSnapshots(p, { cached: true })).filter((s) =>
    !s.metadata.deletionTimestamp &&
    ["PERIODIC", "UPGRADE"].includes(triggerTypeOf(s.metadata.labels))
  );
  if (snapshots.length < 2) return;
  const keep = protectedPaths(p);
  const referenced = p.spec.job?.flinkStateSnapshotReference?.name;
  const running = jobRunning(p);
  const now = p.env.now();
  const limits = savepointLimits(p);
  const retained = Number(
    p.rc.flat["execution.checkpointing.num-retained"] ??
      p.rc.flat["state.checkpoints.num-retained"] ?? "1",
  ) || 1;
  for (const type of ["SAVEPOINT", "CHECKPOINT"] as const) {
    const entries = snapshots.filter((s) => snapshotTypeOf(s) === type).map((s) => ({
      snapshot: s,
      name: s.metadata.name!,
      createdMs: createdMs(s),
      state: s.status.state,
      protected: s.metadata.name === referenced ||
        (s.status.path !== undefined && keep.has(s.status.path)),
    }));
    const expired = selectExpiredSnapshots(entries, {
      maxCount: type === "SAVEPOINT" ? limits.maxCount : retained,
      maxAgeMs: type === "SAVEPOINT" ? limits.maxAgeMs : undefined,
      now,
    });
    for (const entry of expired) {
      const s = entry.snapshot;
      const disposes = type === "SAVEPOINT" && s.spec.savepoint?.disposeOnDelete === true &&
        s.status.state === "COMPLETED" && !!s.status.path;
      if (disposes && !running) continue;
      log.info("deleting expired snapshot {snapshot} ({type}, created {created})", {
        snapshot: entry.name,
        type: type.toLowerCase(),
        created: s.metadata.creationTimestamp,
      });
      await p.ctx.client.delete(FlinkStateSnapshots, p.ns, entry.name);
    }
  }
}

export function savepointLimits(p: ResourcePass): { maxCount: number; maxAgeMs: number } {
  return savepointHistoryLimits({
    maxCount: p.rc.get(OPTIONS.savepointHistoryMaxCount),
    maxCountThreshold: p.rc.get(OPTIONS.savepointHistoryMaxCountThreshold),
    maxAgeMs: p.rc.get(OPTIONS.savepointHistoryMaxAge),
    maxAgeThresholdMs: p.rc.get(OPTIONS.savepointHistoryMaxAgeThreshold),
  });
}

/** Paths a pending or possible restore depends on. */
export function protectedPaths(p: ResourcePass): Set<string> {
  const js = p.status.jobStatus;
  const paths = new Set<string>();
  if (js.upgradeSavepointPath) paths.add(js.upgradeSavepointPath);
  if (js.savepointInfo.lastSavepoint?.location) paths.add(js.savepointInfo.lastSavepoint.location);
  return paths;
}

/**
 * The snapshot resources referencing this job (by the job-reference labels). With `cached`, from
 * the controller's watch cache when it has one (no API request), else listed.
 */
export async function jobSnapshots(
  p: ResourcePass,
  opts: { cached?: boolean } = {},
): Promise<FlinkStateSnapshot[]> {
  const items = opts.cached && p.ctx.watching?.(FlinkStateSnapshots)
    ? p.ctx.cache<KubeObject>(FlinkStateSnapshots).list(p.ns).filter((s) =>
      s.metadata.labels?.[LABEL_JOB_REFERENCE_KIND] === p.kind &&
      s.metadata.labels?.[LABEL_JOB_REFERENCE_NAME] === p.name
    )
    : (await p.ctx.client.list<KubeObject>(FlinkStateSnapshots, p.ns, {
      labelSelector: jobSnapshotSelector(p.kind, p.name),
    })).items;
  return items.flatMap((raw) => {
    const parsed = safeParseFlinkStateSnapshot(raw);
    return parsed.ok ? [parsed.value] : [];
  });
}

export function createdMs(s: FlinkStateSnapshot): number {
  return Date.parse(s.metadata.creationTimestamp ?? "") || 0;
}
