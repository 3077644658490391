/** Object rules of `spec.job`, shared by FlinkDeployment and FlinkSessionJob. */
import {
  and,
  blank,
  compare,
  filled,
  has,
  int,
  not,
  oldHas,
  oldValue,
  or,
  value,
  valueOr,
} from "./expr.ts";
import type { ObjectRule } from "./rule.ts";

/** `spec.job.flinkStateSnapshotReference` names a resource or a path. */
export const SNAPSHOT_REFERENCE_TARGET: ObjectRule = {
  id: "job.flinkStateSnapshotReference.target",
  at: ["spec", "job", "flinkStateSnapshotReference"],
  field: "spec.job.flinkStateSnapshotReference",
  valid: or(filled("name"), filled("path")),
  problem: "needs a name or a path",
  fix: "set name to a FlinkStateSnapshot resource, or path to a savepoint location",
};

/** A snapshot reference and an initial savepoint path are two answers to one question. */
export const SNAPSHOT_REFERENCE_EXCLUSIVE: ObjectRule = {
  id: "job.flinkStateSnapshotReference.exclusive",
  at: ["spec", "job"],
  field: "spec.job.flinkStateSnapshotReference",
  valid: or(
    not(has("flinkStateSnapshotReference")),
    not(has("initialSavepointPath")),
    blank(value("initialSavepointPath")),
  ),
  problem: "cannot be combined with spec.job.initialSavepointPath",
  fix: "keep only one of them",
};

/** FKO validateSpecChange: a new redeploy nonce needs something to redeploy from. */
export const SAVEPOINT_REDEPLOY_NEEDS_PATH: ObjectRule = {
  id: "job.savepointRedeployNonce.initialSavepointPath",
  at: [],
  when: "deployed",
  field: "spec.job.initialSavepointPath",
  valid: or(
    not(has("spec", "job", "savepointRedeployNonce")),
    not(oldHas("spec", "job")),
    and(
      oldHas("spec", "job", "savepointRedeployNonce"),
      compare(
        value("spec", "job", "savepointRedeployNonce"),
        "==",
        oldValue("spec", "job", "savepointRedeployNonce"),
      ),
    ),
    filled("spec", "job", "initialSavepointPath"),
    has("spec", "job", "flinkStateSnapshotReference"),
  ),
  problem: "required when spec.job.savepointRedeployNonce changes",
  fix: "set it to the savepoint to redeploy from",
};

/** The job rules every job kind has, besides parallelism (whose rule differs by kind). */
export const JOB_RULES: readonly ObjectRule[] = [
  SNAPSHOT_REFERENCE_TARGET,
  SNAPSHOT_REFERENCE_EXCLUSIVE,
  SAVEPOINT_REDEPLOY_NEEDS_PATH,
];

/** `spec.job.parallelism` of a session job: at least 1 (Java default 0). */
export const SESSION_JOB_PARALLELISM: ObjectRule = {
  id: "job.parallelism",
  at: ["spec", "job"],
  field: "spec.job.parallelism",
  valid: compare(valueOr(["parallelism"], int(0)), ">=", int(1)),
  problem: "must be at least 1",
  fix: "set a positive parallelism",
};
