/** Object rules of FlinkStateSnapshot (FKO validateStateSnapshot, the checks needing no target). */
import { and, bool, compare, filled, has, not, or, value } from "./expr.ts";
import type { ObjectRule } from "./rule.ts";

const SAVEPOINT_XOR_CHECKPOINT: ObjectRule = {
  id: "snapshot.savepointOrCheckpoint",
  at: ["spec"],
  field: "spec",
  valid: compare(has("savepoint"), "!=", has("checkpoint")),
  problem: "exactly one of spec.savepoint and spec.checkpoint must be set",
  fix: "set savepoint: {} for a savepoint or checkpoint: {} for a checkpoint, not both",
};

const EXISTING_SAVEPOINT_PATH: ObjectRule = {
  id: "snapshot.savepoint.path",
  at: ["spec", "savepoint"],
  field: "spec.savepoint.path",
  valid: or(
    not(has("alreadyExists")),
    compare(value("alreadyExists"), "==", bool(false)),
    filled("path"),
  ),
  problem: "required when spec.savepoint.alreadyExists is true",
  fix: "set it to the location of the existing savepoint",
};

const JOB_REFERENCE: ObjectRule = {
  id: "snapshot.jobReference.name",
  at: ["spec"],
  field: "spec.jobReference.name",
  valid: or(
    and(
      has("savepoint", "alreadyExists"),
      compare(value("savepoint", "alreadyExists"), "==", bool(true)),
    ),
    filled("jobReference", "name"),
  ),
  problem: "required unless spec.savepoint.alreadyExists is true",
  fix: "name the FlinkDeployment or FlinkSessionJob to snapshot (and its kind)",
};

export const FLINK_STATE_SNAPSHOT_RULES: readonly ObjectRule[] = [
  SAVEPOINT_XOR_CHECKPOINT,
  EXISTING_SAVEPOINT_PATH,
  JOB_REFERENCE,
];
