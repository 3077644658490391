/**
 * FlinkStateSnapshot resources the operator creates for a job (periodic, manual-nonce and
 * upgrade snapshots). Named `<resource>-<savepoint|checkpoint>-<manual|periodic|upgrade>-<ms>`
 * like FKO's, labelled from the start (so the history cleanup can select them before the
 * snapshot controller first sees them), and without an owner reference: a snapshot outlives the
 * job it was taken of.
 */
import type {
  JobKind,
  SavepointFormatType,
  SnapshotTriggerType,
  SnapshotType,
} from "../../api/enums.ts";
import {
  FLINK_API_VERSION,
  LABEL_JOB_REFERENCE_KIND,
  LABEL_JOB_REFERENCE_NAME,
  LABEL_SNAPSHOT_STATE,
  LABEL_SNAPSHOT_TRIGGER_TYPE,
  LABEL_SNAPSHOT_TYPE,
} from "../../api/kinds.ts";
import type { KubeObject } from "../../kube/resource.ts";

export function snapshotResourceName(
  resourceName: string,
  type: SnapshotType,
  trigger: SnapshotTriggerType,
  epochMs: number,
): string {
  return `${resourceName}-${type.toLowerCase()}-${trigger.toLowerCase()}-${epochMs}`;
}

export interface OperatorSnapshotRequest {
  namespace: string;
  job: { kind: JobKind; name: string };
  type: SnapshotType;
  trigger: Exclude<SnapshotTriggerType, "UNKNOWN">;
  now: number;
  /** Savepoints only. */
  savepoint?: {
    path?: string;
    formatType: Exclude<SavepointFormatType, "UNKNOWN">;
    disposeOnDelete: boolean;
    /** Upgrade savepoints already exist when they are recorded. */
    alreadyExists: boolean;
  };
}

export function operatorSnapshotResource(request: OperatorSnapshotRequest): KubeObject {
  const spec: Record<string, unknown> = {
    jobReference: { kind: request.job.kind, name: request.job.name },
  };
  if (request.type === "SAVEPOINT") {
    const sp = request.savepoint;
    spec.savepoint = {
      ...(sp?.path ? { path: sp.path } : {}),
      formatType: sp?.formatType ?? "CANONICAL",
      disposeOnDelete: sp?.disposeOnDelete ?? false,
      alreadyExists: sp?.alreadyExists ?? false,
    };
  } else {
    spec.checkpoint = {};
  }
  return {
    apiVersion: FLINK_API_VERSION,
    kind: "FlinkStateSnapshot",
    metadata: {
      name: snapshotResourceName(request.job.name, request.type, request.trigger, request.now),
      namespace: request.namespace,
      labels: {
        [LABEL_SNAPSHOT_TYPE]: request.type,
        [LABEL_SNAPSHOT_TRIGGER_TYPE]: request.trigger,
        [LABEL_SNAPSHOT_STATE]: "TRIGGER_PENDING",
        [LABEL_JOB_REFERENCE_KIND]: request.job.kind,
        [LABEL_JOB_REFERENCE_NAME]: request.job.name,
      },
    },
    spec,
  };
}
