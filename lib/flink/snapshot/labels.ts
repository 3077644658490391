/**
 * The labels FKO keeps on every FlinkStateSnapshot so snapshots can be selected with kubectl and
 * by the history cleanup: type, trigger type, state and the referenced job.
 */
import {
  LABEL_JOB_REFERENCE_KIND,
  LABEL_JOB_REFERENCE_NAME,
  LABEL_SNAPSHOT_STATE,
  LABEL_SNAPSHOT_TRIGGER_TYPE,
  LABEL_SNAPSHOT_TYPE,
} from "../../api/kinds.ts";
import {
  type JobKind,
  SNAPSHOT_TRIGGER_TYPES,
  type SnapshotTriggerType,
  type SnapshotType,
} from "../../api/enums.ts";
import type { FlinkStateSnapshot } from "../../api/flink_state_snapshot.ts";

export function snapshotTypeOf(snapshot: Pick<FlinkStateSnapshot, "spec">): SnapshotType {
  return snapshot.spec.checkpoint !== undefined && snapshot.spec.savepoint === undefined
    ? "CHECKPOINT"
    : "SAVEPOINT";
}

/** The trigger type label, MANUAL when absent or unknown (user-created resources). */
export function triggerTypeOf(labels: Record<string, string> | undefined): SnapshotTriggerType {
  const value = labels?.[LABEL_SNAPSHOT_TRIGGER_TYPE];
  return (SNAPSHOT_TRIGGER_TYPES as readonly string[]).includes(value ?? "")
    ? value as SnapshotTriggerType
    : "MANUAL";
}

/** The labels the snapshot should carry now. */
export function desiredSnapshotLabels(snapshot: FlinkStateSnapshot): Record<string, string> {
  const labels: Record<string, string> = {
    [LABEL_SNAPSHOT_TYPE]: snapshotTypeOf(snapshot),
    [LABEL_SNAPSHOT_TRIGGER_TYPE]: triggerTypeOf(snapshot.metadata.labels),
    [LABEL_SNAPSHOT_STATE]: snapshot.status.state,
  };
  const ref = snapshot.spec.jobReference;
  if (ref?.name) {
    labels[LABEL_JOB_REFERENCE_KIND] = referencedKind(snapshot);
    labels[LABEL_JOB_REFERENCE_NAME] = ref.name;
  }
  return labels;
}

/** `spec.jobReference.kind`, FlinkDeployment when left out (the only kind FKO 1.10 shipped with). */
export function referencedKind(snapshot: Pick<FlinkStateSnapshot, "spec">): JobKind {
  return snapshot.spec.jobReference?.kind ?? "FlinkDeployment";
}

/** The subset of `desired` that differs from `current` (a merge patch), or undefined. */
export function labelPatch(
  current: Record<string, string> | undefined,
  desired: Record<string, string>,
): Record<string, string> | undefined {
  const patch: Record<string, string> = {};
  for (const [key, value] of Object.entries(desired)) {
    if (current?.[key] !== value) patch[key] = value;
  }
  return Object.keys(patch).length ? patch : undefined;
}

/** Label selector of every snapshot referencing one job. */
export function jobSnapshotSelector(kind: string, name: string): string {
  return `${LABEL_JOB_REFERENCE_KIND}=${kind},${LABEL_JOB_REFERENCE_NAME}=${name}`;
}
