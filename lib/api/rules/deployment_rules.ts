/** Object rules of FlinkDeployment (FKO DefaultValidator, the checks that need no context). */
import { FLINK_VERSIONS, type FlinkVersion, OLDEST_SUPPORTED_FLINK_VERSION } from "../enums.ts";
import {
  and,
  compare,
  compareQuantity,
  double,
  entry,
  filled,
  has,
  hasKey,
  ifThen,
  int,
  isQuantity,
  matches,
  not,
  oldHas,
  oldValueOr,
  oneOf,
  or,
  size,
  startsWith,
  str,
  sum,
  value,
  valueOr,
} from "./expr.ts";
import { JOB_RULES } from "./job_rules.ts";
import type { ObjectRule } from "./rule.ts";

/** FKO's cluster-id rule: a DNS label short enough for the names derived from it (`-rest`). */
export const DEPLOYMENT_NAME_PATTERN = "^[a-z]([-a-z0-9]{0,43}[a-z0-9])?$";
export const DEPLOYMENT_NAME_FIX = "use at most 45 lower case letters, digits or '-', starting " +
  `with a letter and ending with a letter or digit (e.g. "my-job")`;

export const IMAGE_PULL_POLICIES = ["Always", "IfNotPresent", "Never"] as const;
export const ALLOWED_LOG_CONFIG_FILES = [
  "log4j-console.properties",
  "logback-console.xml",
] as const;

/** A URI scheme (RFC 3986) at the start of the text. */
export const URI_SCHEME_PATTERN = "^[a-zA-Z][a-zA-Z0-9+.-]*:";

/** Versions older than the oldest one the operator deploys. */
export const UNSUPPORTED_FLINK_VERSIONS: readonly FlinkVersion[] = FLINK_VERSIONS.slice(
  0,
  FLINK_VERSIONS.indexOf(OLDEST_SUPPORTED_FLINK_VERSION),
);

/**
 * Versions whose native application mode only runs a jar from the image: Flink's client refuses
 * any `pipeline.jars` scheme but `local` before 1.19 (FLINK-28915 added artifact fetching).
 */
export const LOCAL_JAR_ONLY_FLINK_VERSIONS: readonly FlinkVersion[] = FLINK_VERSIONS.slice(
  0,
  FLINK_VERSIONS.indexOf("v1_19"),
);

/**
 * A memory size as the operator reads `resource.memory`: Flink's MemorySize syntax (binary
 * units in any case: `1024m`, `2 gb`) or a non-negative Kubernetes quantity (`1Gi`, `1.5G`,
 * `1e9`), blanks around it allowed. A unit test holds it to `parseMemorySize`. (`(?i:…)` is
 * understood by both RE2 and ECMAScript.)
 */
export const MEMORY_SIZE_PATTERN = (() => {
  const ws = "[ \\t\\n\\r\\f]*";
  const flinkUnit = "(?i:[kmgt]b?|b|bytes|kibibytes|mebibytes|gibibytes|tebibytes)";
  const quantity = "[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+|[KMGTPE]i|[numkMGTPE])?";
  return `^${ws}([0-9]+${ws}${flinkUnit}?|${quantity})${ws}$`;
})();

/** Longest `resource.memory` the CRD accepts: keeps the CEL cost of the pattern in budget. */
export const MEMORY_SIZE_MAX_LENGTH = 256;

const NAME: ObjectRule = {
  id: "deployment.metadata.name",
  at: [],
  when: "creation",
  field: "metadata.name",
  valid: and(has("metadata", "name"), matches(value("metadata", "name"), DEPLOYMENT_NAME_PATTERN)),
  problem: "is not a valid FlinkDeployment name",
  fix: DEPLOYMENT_NAME_FIX,
};

const FLINK_VERSION_REQUIRED: ObjectRule = {
  id: "deployment.flinkVersion.required",
  at: ["spec"],
  field: "spec.flinkVersion",
  valid: has("flinkVersion"),
  problem: "required",
  fix: `set it to the Flink version of the image (e.g. "v1_20")`,
};

const FLINK_VERSION_SUPPORTED: ObjectRule = {
  id: "deployment.flinkVersion.supported",
  at: ["spec", "flinkVersion"],
  field: "spec.flinkVersion",
  valid: not(oneOf(value(), UNSUPPORTED_FLINK_VERSIONS)),
  problem: "is not supported",
  fix: `use ${OLDEST_SUPPORTED_FLINK_VERSION} or newer (and an image of that version)`,
};

const IMAGE_PULL_POLICY: ObjectRule = {
  id: "deployment.imagePullPolicy",
  at: ["spec", "imagePullPolicy"],
  field: "spec.imagePullPolicy",
  valid: oneOf(value(), IMAGE_PULL_POLICIES),
  problem: "is not an image pull policy",
  fix: `use one of ${IMAGE_PULL_POLICIES.join(", ")}`,
};

const INGRESS_TEMPLATE: ObjectRule = {
  id: "deployment.ingress.template",
  at: ["spec", "ingress"],
  field: "spec.ingress.template",
  valid: filled("template"),
  problem: "required when spec.ingress is set",
  fix: `set a URL template such as "{{name}}.{{namespace}}.example.com" or ` +
    `"example.com/{{namespace}}/{{name}}(/|$)(.*)"`,
};

// Counting the allowed keys instead of iterating keeps the CEL cost independent of map size.
const LOG_CONFIGURATION: ObjectRule = {
  id: "deployment.logConfiguration",
  at: ["spec", "logConfiguration"],
  field: "spec.logConfiguration",
  valid: compare(
    size(value()),
    "==",
    sum(...ALLOWED_LOG_CONFIG_FILES.map((file) => ifThen(hasKey(value(), file), int(1), int(0)))),
  ),
  problem: "has an unsupported log configuration file",
  fix: `use only ${ALLOWED_LOG_CONFIG_FILES.join(" and ")}`,
};

const PARALLELISM: ObjectRule = {
  id: "deployment.job.parallelism",
  at: ["spec"],
  field: "spec.job.parallelism",
  valid: or(
    not(has("job")),
    has("taskManager", "replicas"),
    compare(valueOr(["job", "parallelism"], int(0)), ">=", int(1)),
  ),
  problem: "must be at least 1",
  fix: "set a positive parallelism, or set spec.taskManager.replicas",
};

const TASK_MANAGER_REPLICAS: ObjectRule = {
  id: "deployment.taskManager.replicas",
  at: ["spec", "taskManager", "replicas"],
  field: "spec.taskManager.replicas",
  valid: compare(value(), ">=", int(1)),
  problem: "must be at least 1",
  fix: "set a positive number of TaskManagers, or remove it to size by spec.job.parallelism",
};

const JOB_MANAGER_REPLICAS: ObjectRule = {
  id: "deployment.jobManager.replicas",
  at: ["spec", "jobManager", "replicas"],
  field: "spec.jobManager.replicas",
  valid: compare(value(), ">=", int(1)),
  problem: "must be at least 1",
  fix: "set it to 1, or to more than 1 with high availability enabled",
};

const SERVICE_ACCOUNT: ObjectRule = {
  id: "deployment.serviceAccount",
  at: ["spec"],
  field: "spec.serviceAccount",
  valid: filled("serviceAccount"),
  problem: "required",
  fix: `set it to the service account the JobManager runs as (e.g. "flink")`,
};

const SESSION_TO_APPLICATION: ObjectRule = {
  id: "deployment.job.sessionToApplication",
  at: [],
  when: "deployed",
  field: "spec.job",
  valid: or(not(has("spec", "job")), oldHas("spec", "job")),
  problem: "cannot turn a session cluster into an application cluster",
  fix: "remove spec.job, or create a new FlinkDeployment for the application",
};

const APPLICATION_TO_SESSION: ObjectRule = {
  id: "deployment.job.applicationToSession",
  at: [],
  when: "deployed",
  field: "spec.job",
  valid: or(has("spec", "job"), not(oldHas("spec", "job"))),
  problem: "cannot turn an application cluster into a session cluster",
  fix: "restore spec.job, or create a new FlinkDeployment for the session cluster",
};

const MODE_UNCHANGED: ObjectRule = {
  id: "deployment.mode",
  at: [],
  when: "deployed",
  field: "spec.mode",
  valid: compare(
    valueOr(["spec", "mode"], str("native")),
    "==",
    oldValueOr(["spec", "mode"], str("native")),
  ),
  problem: "cannot switch between native and standalone after the first deployment",
  fix: "set it back to the deployed mode, or create a new FlinkDeployment",
};

const LOCAL_JAR: ObjectRule = {
  id: "deployment.job.jarURI.local",
  at: ["spec"],
  field: "spec.job.jarURI",
  valid: or(
    not(has("job", "jarURI")),
    compare(valueOr(["mode"], str("native")), "==", str("standalone")),
    not(has("flinkVersion")),
    not(oneOf(value("flinkVersion"), LOCAL_JAR_ONLY_FLINK_VERSIONS)),
    startsWith(value("job", "jarURI"), "local:"),
  ),
  problem: "must be a local: URI (a jar in the image) for a native application before Flink 1.19",
  fix: "use e.g. local:///opt/flink/usrlib/job.jar, or flinkVersion v1_19 or newer, which " +
    "fetches remote jars",
};

// FKO's standalone mode rewrites the jar URI by its scheme, which must be there.
const STANDALONE_JAR_SCHEME: ObjectRule = {
  id: "deployment.job.jarURI.scheme",
  at: ["spec"],
  field: "spec.job.jarURI",
  valid: or(
    not(has("job", "jarURI")),
    compare(valueOr(["mode"], str("native")), "!=", str("standalone")),
    matches(value("job", "jarURI"), URI_SCHEME_PATTERN),
  ),
  problem: "has no scheme",
  fix: "use a URI such as local:///opt/flink/usrlib/job.jar",
};

/** Rules of `spec.jobManager` or `spec.taskManager`. */
function componentRules(component: "jobManager" | "taskManager"): ObjectRule[] {
  const path = `spec.${component}`;
  const resource = ["spec", component, "resource"];
  const resources = ["spec", component, "resources"];
  const rules: ObjectRule[] = [
    {
      id: `deployment.${component}.resource.cpu`,
      at: resource,
      field: `${path}.resource.cpu`,
      valid: or(not(has("cpu")), compare(value("cpu"), ">=", double(0))),
      problem: "must not be negative",
      fix: "use e.g. 0.5 or 1",
    },
    {
      id: `deployment.${component}.resource.memory`,
      at: resource,
      field: `${path}.resource.memory`,
      valid: or(not(has("memory")), matches(value("memory"), MEMORY_SIZE_PATTERN)),
      problem: "is not a memory size",
      fix: `use e.g. "2048m" (MiB), "2g" or "2Gi"`,
    },
    {
      id: `deployment.${component}.resource.ephemeralStorage`,
      at: resource,
      field: `${path}.resource.ephemeralStorage`,
      valid: or(
        not(has("ephemeralStorage")),
        and(
          isQuantity(value("ephemeralStorage")),
          compareQuantity(value("ephemeralStorage"), ">=", str("0")),
        ),
      ),
      problem: "is not a non-negative Kubernetes quantity",
      fix: `use e.g. "2Gi"`,
    },
  ];
  // FKO validateQuantities / validateRequestNotAboveLimit, for the two resources it sizes.
  for (const name of ["cpu", "memory"] as const) {
    const example = name === "cpu" ? `"500m" or 1` : `"2Gi" or "512Mi"`;
    for (const kind of ["requests", "limits"] as const) {
      const amount = entry(value(kind), name);
      rules.push({
        id: `deployment.${component}.resources.${kind}.${name}`,
        at: resources,
        field: `${path}.resources.${kind}.${name}`,
        valid: or(
          not(has(kind)),
          not(hasKey(value(kind), name)),
          and(isQuantity(amount, true), compareQuantity(amount, ">", str("0"), true)),
        ),
        problem: "must be a positive Kubernetes quantity",
        fix: `use e.g. ${example}`,
      });
    }
    const request = entry(value("requests"), name);
    const limit = entry(value("limits"), name);
    rules.push({
      id: `deployment.${component}.resources.limits.${name}.request`,
      at: resources,
      field: `${path}.resources.limits.${name}`,
      valid: or(
        not(and(has("requests"), hasKey(value("requests"), name))),
        not(and(has("limits"), hasKey(value("limits"), name))),
        not(and(isQuantity(request, true), isQuantity(limit, true))),
        compareQuantity(limit, ">=", request, true),
      ),
      problem: "is lower than the request",
      fix: `raise limits.${name} to at least requests.${name}`,
    });
  }
  return rules;
}

export const FLINK_DEPLOYMENT_RULES: readonly ObjectRule[] = [
  NAME,
  FLINK_VERSION_REQUIRED,
  FLINK_VERSION_SUPPORTED,
  IMAGE_PULL_POLICY,
  INGRESS_TEMPLATE,
  LOG_CONFIGURATION,
  LOCAL_JAR,
  STANDALONE_JAR_SCHEME,
  PARALLELISM,
  TASK_MANAGER_REPLICAS,
  ...JOB_RULES,
  ...componentRules("jobManager"),
  JOB_MANAGER_REPLICAS,
  ...componentRules("taskManager"),
  SESSION_TO_APPLICATION,
  APPLICATION_TO_SESSION,
  MODE_UNCHANGED,
  SERVICE_ACCOUNT,
];
