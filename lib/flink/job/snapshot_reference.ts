import type { FlinkStateSnapshotReference } from "../../api/job_spec.ts";
import type { FlinkStateSnapshot } from "../../api/flink_state_snapshot.ts";
import { FlinkStateSnapshots } from "../resources.ts";
import { UpgradeFailure, WaitingFor } from "./errors.ts";
import type { ResourcePass } from "./resource_pass.ts";

/**
 * Resolves `job.flinkStateSnapshotReference` to a restore path: the referenced snapshot's
 * `status.path` once it is COMPLETED (waiting while it is still being taken, failing if it
 * failed), or the reference's own `path` when no name is given.
 */
export async function resolveSnapshotReference(
  p: Pick<ResourcePass, "ctx" | "ns">,
  ref: FlinkStateSnapshotReference,
): Promise<string> {
  if (!ref.name) {
    if (ref.path) return ref.path;
    throw new UpgradeFailure(
      "RestoreFailed",
      "spec.job.flinkStateSnapshotReference needs a name (or a path)",
    );
  }
  const namespace = ref.namespace ?? p.ns;
  const snapshot = await p.ctx.client.get<FlinkStateSnapshot & { metadata: { name?: string } }>(
    FlinkStateSnapshots,
    namespace,
    ref.name,
  );
  const where = `FlinkStateSnapshot ${namespace}/${ref.name}`;
  if (!snapshot) {
    throw new WaitingFor(`${where} does not exist yet; the job starts once it is COMPLETED`);
  }
  const state = snapshot.status?.state ?? "TRIGGER_PENDING";
  if (state === "COMPLETED") {
    const path = ref.path ?? snapshot.status?.path;
    if (!path) throw new UpgradeFailure("RestoreFailed", `${where} is COMPLETED but has no path`);
    return path;
  }
  if (state === "FAILED" || state === "ABANDONED") {
    throw new UpgradeFailure(
      "RestoreFailed",
      `${where} is ${state}; point spec.job.flinkStateSnapshotReference at a completed snapshot`,
    );
  }
  throw new WaitingFor(`waiting for ${where} to complete (state ${state})`);
}
