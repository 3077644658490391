/** Object rules of FlinkSessionJob (FKO validateSessionJobOnly and the job rules). */
import {
  blank,
  compare,
  filled,
  has,
  matches,
  not,
  oldHas,
  oldValue,
  or,
  str,
  value,
  valueOr,
} from "./expr.ts";
import { DEPLOYMENT_NAME_PATTERN, URI_SCHEME_PATTERN } from "./deployment_rules.ts";
import { JOB_RULES, SESSION_JOB_PARALLELISM } from "./job_rules.ts";
import type { ObjectRule } from "./rule.ts";

const DEPLOYMENT_NAME_REQUIRED: ObjectRule = {
  id: "sessionJob.deploymentName.required",
  at: ["spec"],
  field: "spec.deploymentName",
  valid: filled("deploymentName"),
  problem: "required",
  fix: "set it to the name of a session FlinkDeployment in the same namespace",
};

const DEPLOYMENT_NAME_VALID: ObjectRule = {
  id: "sessionJob.deploymentName.valid",
  at: ["spec", "deploymentName"],
  field: "spec.deploymentName",
  // A blank name is reported as missing by the rule above.
  valid: or(blank(value()), matches(value(), DEPLOYMENT_NAME_PATTERN)),
  problem: "is not a valid FlinkDeployment name",
  fix: "use at most 45 lower case letters, digits or '-', starting with a letter and ending " +
    "with a letter or digit",
};

// FKO: "The deploymentName can't be changed" once the job was deployed.
const DEPLOYMENT_NAME_UNCHANGED: ObjectRule = {
  id: "sessionJob.deploymentName.unchanged",
  at: [],
  when: "deployed",
  field: "spec.deploymentName",
  valid: or(
    not(oldHas("spec", "deploymentName")),
    compare(
      valueOr(["spec", "deploymentName"], str("")),
      "==",
      oldValue("spec", "deploymentName"),
    ),
  ),
  problem: "cannot change after the job was deployed",
  fix: "set it back to the deployed session cluster, or create a new FlinkSessionJob for the " +
    "other cluster",
};

const JOB_REQUIRED: ObjectRule = {
  id: "sessionJob.job.required",
  at: ["spec"],
  field: "spec.job",
  valid: has("job"),
  problem: "required",
  fix: "describe the job to run (jarURI, entryClass, parallelism, upgradeMode)",
};

// FKO validateJarURI: "jarURI must include a scheme" (which schemes are allowed is the
// operator's configuration, checked by the operator).
const JAR_SCHEME: ObjectRule = {
  id: "sessionJob.job.jarURI.scheme",
  at: ["spec", "job", "jarURI"],
  field: "spec.job.jarURI",
  valid: matches(value(), URI_SCHEME_PATTERN),
  problem: "has no scheme",
  fix: "use a URI such as https://host/path/job.jar",
};

export const FLINK_SESSION_JOB_RULES: readonly ObjectRule[] = [
  DEPLOYMENT_NAME_REQUIRED,
  DEPLOYMENT_NAME_VALID,
  DEPLOYMENT_NAME_UNCHANGED,
  JOB_REQUIRED,
  JAR_SCHEME,
  SESSION_JOB_PARALLELISM,
  ...JOB_RULES,
];
