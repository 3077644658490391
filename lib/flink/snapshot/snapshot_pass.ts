/** Everything one reconcile (or cleanup) pass of one FlinkStateSnapshot works with. */
import type { JobManagerGate } from "../rest/jobmanager_gate.ts";
import { getLogger } from "@logtape/logtape";
import {
  type FlinkStateSnapshot,
  type FlinkStateSnapshotStatus,
  FlinkStateSnapshotStatusSchema,
} from "../../api/flink_state_snapshot.ts";
import { FLINK_API_VERSION } from "../../api/kinds.ts";
import { toKnownFields } from "../../api/known_fields.ts";
import type { OperatorConfig } from "../../config/operator_config.ts";
import { keyOf, type KubeObject } from "../../kube/resource.ts";
import type { ReconcileContext } from "../../runtime/controller.ts";
import type { EventSpec } from "../../runtime/events.ts";
import type { RestAccessMode } from "../rest/access_mode.ts";
import type { FlinkRestClient } from "../rest/client.ts";
import { FlinkStateSnapshots } from "../resources.ts";
import { jobKey, type SnapshotJob, type SnapshotJobResolver } from "./job_target.ts";
import { desiredSnapshotLabels, labelPatch, referencedKind, snapshotTypeOf } from "./labels.ts";
import { jobRestClient } from "./rest.ts";
import type { SnapshotIndex } from "./snapshot_index.ts";
import { FINAL_SNAPSHOT_STATES } from "./snapshot_status.ts";

export const log = getLogger(["flinkop", "snapshot"]);

export type RawSnapshot = KubeObject & { spec?: unknown; status?: unknown };

/** Operator-wide inputs of the snapshot controller. */
export interface SnapshotEnv {
  config: OperatorConfig;
  restAccess: RestAccessMode;
  /** Bounds the REST requests to each JobManager, shared with the job controllers. */
  restGate?: JobManagerGate;
  now: () => number;
  /** One per job kind that can be snapshotted. */
  resolvers: readonly SnapshotJobResolver[];
}

/** What the controller remembers between passes (lost on restart, which is harmless). */
export interface SnapshotMemory {
  index: SnapshotIndex;
  /** Last REST poll of an in-progress snapshot, per uid: polls are paced by the reconcile interval. */
  lastPollAt: Map<string, number>;
  /** Precise time of the last failure, per uid (resultTimestamp only has whole seconds). */
  failedAt: Map<string, number>;
  /**
   * When a triggered checkpoint was first seen completed, per uid, until its path is read: Flink
   * may serve statistics from before it for a while (checkpoint_path.ts).
   */
  checkpointCompletedAt: Map<string, { triggerId: string; at: number }>;
  backoffBaseMs: number;
  disposalTimeoutMs: number;
}

export interface SnapshotPass {
  raw: RawSnapshot;
  snapshot: FlinkStateSnapshot;
  /** `snapshot.status`, mutated in place and persisted with `persist`. */
  status: FlinkStateSnapshotStatus;
  ctx: ReconcileContext<RawSnapshot>;
  env: SnapshotEnv;
  memory: SnapshotMemory;
  /** The referenced job; undefined when there is none or its resource does not exist. */
  job?: SnapshotJob;
  key: string;
  uid: string;
  name: string;
}

export function isSavepoint(s: SnapshotPass): boolean {
  return snapshotTypeOf(s.snapshot) === "SAVEPOINT";
}

/** The referenced job, or undefined (no reference, a kind nobody resolves, or no such resource). */
export function resolveJob(
  s: Pick<SnapshotPass, "snapshot" | "ctx" | "env" | "raw">,
): SnapshotJob | undefined {
  const name = s.snapshot.spec.jobReference?.name;
  const resolver = s.env.resolvers.find((r) => r.kind === referencedKind(s.snapshot));
  if (!name || !resolver) return undefined;
  return resolver.resolve(s.ctx, s.raw.metadata.namespace!, name);
}

/** Writes the status, then brings the labels up to date (they follow the state). */
export async function persist(s: SnapshotPass): Promise<void> {
  const status = toKnownFields(FlinkStateSnapshotStatusSchema, s.status);
  await s.ctx.writeStatus(s.raw, status);
  const patch = labelPatch(s.raw.metadata.labels, desiredSnapshotLabels(s.snapshot));
  if (patch && !s.raw.metadata.deletionTimestamp) {
    const updated = await s.ctx.client.patch<RawSnapshot>(
      FlinkStateSnapshots,
      s.raw.metadata.namespace,
      s.name,
      { metadata: { labels: patch } },
    );
    s.raw.metadata.labels = updated.metadata.labels;
    s.raw.metadata.resourceVersion = updated.metadata.resourceVersion;
  }
}

/** Records an event on the snapshot (FKO component `Snapshot`). */
export async function snapshotEvent(s: SnapshotPass, spec: EventSpec): Promise<void> {
  await s.ctx.events.record(
    { ...s.raw, apiVersion: FLINK_API_VERSION, kind: "FlinkStateSnapshot" },
    { component: "Snapshot", ...spec },
  );
}

export async function restClient(s: SnapshotPass, job: SnapshotJob): Promise<FlinkRestClient> {
  return await jobRestClient(job, {
    kube: s.ctx.client,
    restAccess: s.env.restAccess,
    restGate: s.env.restGate,
    config: s.env.config,
  });
}

/**
 * Keeps the index current: snapshots still waiting on their job (being taken, or being deleted
 * and not yet disposed of) are revisited when the job changes.
 */
export function updateIndex(s: SnapshotPass): void {
  const ref = s.snapshot.spec.jobReference;
  const waiting = !FINAL_SNAPSHOT_STATES.includes(s.status.state) ||
    s.raw.metadata.deletionTimestamp !== undefined;
  if (ref?.name && waiting) {
    const ns = s.raw.metadata.namespace!;
    const job = jobKey(ns, referencedKind(s.snapshot), ref.name);
    // A session job's snapshot also depends on its session cluster (its REST API, its state).
    const cluster = s.job ? jobKey(ns, "FlinkDeployment", s.job.clusterId) : job;
    s.memory.index.track(s.key, ...new Set([job, cluster]));
  } else {
    s.memory.index.untrack(s.key);
  }
}

export function snapshotKey(raw: RawSnapshot): string {
  return keyOf(raw.metadata);
}
