/**
 * FKO's FlinkStateSnapshot validation (reference §1.14): exactly one of savepoint/checkpoint, a
 * job reference unless the savepoint already exists, and — while the snapshot still has to be
 * triggered — a referenced resource that exists.
 */
import type { FlinkStateSnapshot } from "../../api/flink_state_snapshot.ts";
import type { JobKind } from "../../api/enums.ts";
import { referencedKind } from "./labels.ts";

export interface SnapshotValidationInput {
  /** Kinds this operator can snapshot (session jobs join when their controller lands). */
  readonly supportedKinds: readonly JobKind[];
  /** Whether the referenced resource exists (only asked while TRIGGER_PENDING). */
  readonly jobExists: boolean;
}

/** Problems with the snapshot, each a full sentence; empty when valid. */
export function validateSnapshot(
  snapshot: Pick<FlinkStateSnapshot, "spec" | "status">,
  input: SnapshotValidationInput,
): string[] {
  const { spec } = snapshot;
  const problems: string[] = [];
  const hasSavepoint = spec.savepoint !== undefined;
  const hasCheckpoint = spec.checkpoint !== undefined;
  if (hasSavepoint === hasCheckpoint) {
    problems.push("Exactly one of spec.savepoint and spec.checkpoint must be set.");
  }
  const alreadyExists = spec.savepoint?.alreadyExists === true;
  if (alreadyExists && !spec.savepoint?.path) {
    problems.push("spec.savepoint.path is required when spec.savepoint.alreadyExists is true.");
  }
  const ref = spec.jobReference;
  if (!ref?.name) {
    if (!alreadyExists) {
      problems.push(
        "spec.jobReference.name is required unless spec.savepoint.alreadyExists is true.",
      );
    }
    return problems;
  }
  const kind = referencedKind(snapshot);
  if (!input.supportedKinds.includes(kind)) {
    problems.push(`Snapshots of ${kind} resources are not supported by this operator yet.`);
    return problems;
  }
  if (snapshot.status.state === "TRIGGER_PENDING" && !alreadyExists && !input.jobExists) {
    problems.push(
      `${kind} ${ref.name} referenced by spec.jobReference does not exist in this namespace.`,
    );
  }
  return problems;
}
