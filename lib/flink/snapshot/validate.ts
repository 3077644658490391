/**
 * FKO's FlinkStateSnapshot validation (reference §1.14): exactly one of savepoint/checkpoint, a
 * job reference unless the savepoint already exists (object rules, lib/api/rules), and — while
 * the snapshot still has to be triggered — a referenced resource that exists.
 */
import type { FlinkStateSnapshot } from "../../api/flink_state_snapshot.ts";
import type { JobKind } from "../../api/enums.ts";
import { FLINK_STATE_SNAPSHOT_RULES, ruleViolations } from "../../api/rules/mod.ts";
import { referencedKind } from "./labels.ts";

export interface SnapshotValidationInput {
  /** Kinds this operator can snapshot (session jobs join when their controller lands). */
  readonly supportedKinds: readonly JobKind[];
  /** Whether the referenced resource exists (only asked while TRIGGER_PENDING). */
  readonly jobExists: boolean;
}

/** Problems with the snapshot, each `field: problem; fix`; empty when valid. */
export function validateSnapshot(
  snapshot: Pick<FlinkStateSnapshot, "spec" | "status">,
  input: SnapshotValidationInput,
): string[] {
  const { spec } = snapshot;
  // The rules that need only the snapshot (also CEL validations of the CRD).
  const problems = ruleViolations(FLINK_STATE_SNAPSHOT_RULES, snapshot).map((v) => v.message);
  const alreadyExists = spec.savepoint?.alreadyExists === true;
  const ref = spec.jobReference;
  if (!ref?.name) return problems;
  const kind = referencedKind(snapshot);
  if (!input.supportedKinds.includes(kind)) {
    problems.push(
      `spec.jobReference.kind: snapshots of ${kind} resources are not supported by this ` +
        `operator; reference a ${input.supportedKinds.join(" or ")}`,
    );
    return problems;
  }
  if (snapshot.status.state === "TRIGGER_PENDING" && !alreadyExists && !input.jobExists) {
    problems.push(
      `spec.jobReference.name: ${kind} ${ref.name} does not exist in this namespace; create ` +
        "it, or reference an existing job",
    );
  }
  return problems;
}
