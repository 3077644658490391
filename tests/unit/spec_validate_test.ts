import assert from "node:assert/strict";
import type { FlinkDeploymentSpec } from "../../lib/api/mod.ts";
import {
  formatValidationError,
  validateFlinkDeployment,
  type ValidationIssue,
} from "../../lib/flink/spec/validate.ts";
import { deployment, setPath, spec } from "./spec_fixtures.ts";

type Input = Record<string, unknown> & { spec: Record<string, unknown> };

interface Case {
  readonly name: string;
  readonly edit?: (input: Input) => void;
  /** Effective configuration besides spec.flinkConfiguration (operator defaults). */
  readonly config?: Record<string, string>;
  readonly lastReconciled?: FlinkDeploymentSpec;
  /** Expected issue fields, in order; [] means valid. */
  readonly fields: readonly string[];
  /** Text every reported message must contain (e.g. the fix). */
  readonly mentions?: readonly string[];
}

const config = (entries: Record<string, unknown>) => (input: Input) => {
  input.spec.flinkConfiguration = {
    ...(input.spec.flinkConfiguration as Record<string, unknown>),
    ...entries,
  };
};
const set = (path: string, value: unknown) => (input: Input) => setPath(input, path, value);
const all = (...edits: ((input: Input) => void)[]) => (input: Input) =>
  edits.forEach((edit) => edit(input));

const STATEFUL_DIRS = {
  "state.checkpoints.dir": "s3://bucket/checkpoints",
  "state.savepoints.dir": "s3://bucket/savepoints",
};
const MAX_AGE_KEY = "kubernetes.operator.job.upgrade.last-state.max.allowed.checkpoint.age";
const HA = { "high-availability.type": "kubernetes", "high-availability.storageDir": "s3://b/ha" };

const MUTUAL_TLS = {
  "security.ssl.rest.enabled": "true",
  "security.ssl.rest.authentication-enabled": "true",
  "security.ssl.rest.keystore": "/opt/flink/tls/keystore.jks",
  "security.ssl.rest.keystore-password": "pw",
  "security.ssl.rest.key-password": "pw",
  "security.ssl.rest.truststore": "/opt/flink/tls/truststore.jks",
  "security.ssl.rest.truststore-password": "pw",
};

const CASES: Case[] = [
  { name: "valid application", fields: [] },
  { name: "valid session cluster", edit: set("spec.job", undefined), fields: [] },

  // Name
  { name: "name with upper case", edit: set("metadata.name", "Basic"), fields: ["metadata.name"] },
  {
    name: "name starting with a digit",
    edit: set("metadata.name", "1abc"),
    fields: ["metadata.name"],
  },
  { name: "name ending with '-'", edit: set("metadata.name", "abc-"), fields: ["metadata.name"] },
  { name: "name of 45 characters", edit: set("metadata.name", "a".repeat(45)), fields: [] },
  {
    name: "name of 46 characters",
    edit: set("metadata.name", "a".repeat(46)),
    fields: ["metadata.name"],
    mentions: ["at most 45"],
  },
  { name: "missing name", edit: set("metadata.name", undefined), fields: ["metadata.name"] },

  // Flink version
  {
    name: "missing flinkVersion",
    edit: set("spec.flinkVersion", undefined),
    fields: ["spec.flinkVersion"],
    mentions: ["required", "v1_20"],
  },
  {
    name: "flinkVersion v1_14 is unsupported",
    edit: set("spec.flinkVersion", "v1_14"),
    fields: ["spec.flinkVersion"],
    mentions: ["v1_15 or newer"],
  },
  {
    name: "flinkVersion v1_15 is the oldest supported",
    edit: set("spec.flinkVersion", "v1_15"),
    fields: [],
  },
  {
    name: "version change after last-state suspend",
    edit: all(
      config(STATEFUL_DIRS),
      set("spec.job.upgradeMode", "last-state"),
      set("spec.flinkVersion", "v2_0"),
    ),
    lastReconciled: spec((s) => {
      s.flinkConfiguration = STATEFUL_DIRS;
      s.job = { ...(s.job as object), state: "suspended", upgradeMode: "last-state" };
    }),
    fields: ["spec.flinkVersion"],
    mentions: ["restore the job on v1_20 first"],
  },
  {
    name: "version change after last-state suspend is fine when going stateless",
    edit: set("spec.flinkVersion", "v2_0"),
    lastReconciled: spec((s) => {
      s.job = { ...(s.job as object), state: "suspended", upgradeMode: "last-state" };
    }),
    fields: [],
  },
  {
    name: "version change after savepoint suspend is fine",
    edit: all(
      config(STATEFUL_DIRS),
      set("spec.job.upgradeMode", "savepoint"),
      set("spec.flinkVersion", "v2_0"),
    ),
    lastReconciled: spec((s) => {
      s.job = { ...(s.job as object), state: "suspended", upgradeMode: "savepoint" };
    }),
    fields: [],
  },
  {
    name: "version change of a running last-state job is fine",
    edit: all(
      config(STATEFUL_DIRS),
      set("spec.job.upgradeMode", "last-state"),
      set("spec.flinkVersion", "v2_0"),
    ),
    lastReconciled: spec((s) => {
      s.job = { ...(s.job as object), state: "running", upgradeMode: "last-state" };
    }),
    fields: [],
  },

  // Forbidden keys
  ...["kubernetes.namespace", "kubernetes.cluster-id", "high-availability.cluster-id"].map((
    key,
  ) => ({
    name: `forbidden key ${key}`,
    edit: config({ [key]: "x" }),
    fields: [`spec.flinkConfiguration["${key}"]`],
    mentions: ["remove it"],
  })),
  {
    name: "forbidden key from the operator defaults",
    config: { "kubernetes.namespace": "x" },
    fields: [`operator configuration "kubernetes.namespace"`],
  },
  {
    name: "forbidden key in nested YAML form",
    edit: config({ kubernetes: { "cluster-id": "x" } }),
    fields: [`spec.flinkConfiguration["kubernetes.cluster-id"]`],
  },

  // Operator feature prerequisites
  {
    name: "rollback without HA",
    edit: config({ "kubernetes.operator.deployment.rollback.enabled": "true" }),
    fields: [`spec.flinkConfiguration["kubernetes.operator.deployment.rollback.enabled"]`],
    mentions: ["high-availability.type"],
  },
  {
    name: "rollback with HA",
    edit: config({ "kubernetes.operator.deployment.rollback.enabled": "true", ...HA }),
    fields: [],
  },
  {
    name: "ZooKeeper HA without a quorum",
    edit: config({
      "high-availability.type": "zookeeper",
      "high-availability.storageDir": "s3://b/ha",
    }),
    fields: [`spec.flinkConfiguration["high-availability.type"]`],
    mentions: ["high-availability.zookeeper.quorum"],
  },
  {
    name: "ZooKeeper HA with a quorum",
    edit: config({
      "high-availability.type": "zookeeper",
      "high-availability.storageDir": "s3://b/ha",
      "high-availability.zookeeper.quorum": "zk-0:2181,zk-1:2181",
    }),
    fields: [],
  },
  {
    name: "rollback flag that is not a boolean",
    edit: config({ "kubernetes.operator.deployment.rollback.enabled": "yes" }),
    fields: [`spec.flinkConfiguration["kubernetes.operator.deployment.rollback.enabled"]`],
  },
  {
    name: "health check without JM deployment recovery",
    edit: config({
      "kubernetes.operator.cluster.health-check.enabled": "true",
      "kubernetes.operator.jm-deployment-recovery.enabled": "false",
    }),
    fields: [`spec.flinkConfiguration["kubernetes.operator.cluster.health-check.enabled"]`],
  },
  {
    name: "health check with recovery disabled through the deprecated key",
    edit: config({
      "kubernetes.operator.cluster.health-check.enabled": "true",
      "kubernetes.operator.reconciler.jm-deployment-recovery.enabled": "false",
    }),
    fields: [`spec.flinkConfiguration["kubernetes.operator.cluster.health-check.enabled"]`],
  },
  {
    name: "health check with recovery on by default",
    edit: config({ "kubernetes.operator.cluster.health-check.enabled": "true" }),
    fields: [],
  },

  // Image pull policy
  {
    name: "bad imagePullPolicy",
    edit: set("spec.imagePullPolicy", "Sometimes"),
    fields: ["spec.imagePullPolicy"],
  },
  { name: "valid imagePullPolicy", edit: set("spec.imagePullPolicy", "IfNotPresent"), fields: [] },

  // Ingress
  {
    name: "ingress without template",
    edit: set("spec.ingress", { className: "nginx" }),
    fields: ["spec.ingress.template"],
  },
  {
    name: "ingress with host template",
    edit: set("spec.ingress", { template: "{{name}}.{{namespace}}.flink.example.com" }),
    fields: [],
  },
  {
    name: "ingress with nginx rewrite path template",
    edit: set("spec.ingress", { template: "flink.example.com/{{namespace}}/{{name}}(/|$)(.*)" }),
    fields: [],
  },
  {
    name: "ingress with upper-case placeholders and a scheme",
    edit: set("spec.ingress", { template: "https://{{NAME}}.example.com" }),
    fields: [],
  },
  {
    name: "ingress with an unknown placeholder",
    edit: set("spec.ingress", { template: "{{job}}.example.com" }),
    fields: ["spec.ingress.template"],
  },
  {
    name: "ingress with a bad scheme",
    edit: set("spec.ingress", { template: "ftp://x.example.com" }),
    fields: ["spec.ingress.template"],
  },
  {
    name: "ingress with a malformed host",
    edit: set("spec.ingress", { template: "exa mple.com/{{name}}" }),
    fields: ["spec.ingress.template"],
  },

  // Log configuration
  {
    name: "allowed log configuration files",
    edit: set("spec.logConfiguration", {
      "log4j-console.properties": "a",
      "logback-console.xml": "b",
    }),
    fields: [],
  },
  {
    name: "unknown log configuration file",
    edit: set("spec.logConfiguration", { "log4j.properties": "a" }),
    fields: ["spec.logConfiguration"],
    mentions: ["log4j-console.properties and logback-console.xml"],
  },

  // Job: state directories
  {
    name: "last-state without checkpoint dir",
    edit: set("spec.job.upgradeMode", "last-state"),
    fields: ["spec.job.upgradeMode"],
    mentions: ["execution.checkpointing.dir (Flink 1.20+) or state.checkpoints.dir"],
  },
  {
    name: "last-state with the 1.20+ checkpoint key",
    edit: all(
      set("spec.job.upgradeMode", "last-state"),
      config({ "execution.checkpointing.dir": "s3://b/c" }),
    ),
    fields: [],
  },
  {
    name: "last-state with a blank checkpoint dir",
    edit: all(set("spec.job.upgradeMode", "last-state"), config({ "state.checkpoints.dir": " " })),
    fields: ["spec.job.upgradeMode"],
  },
  {
    name: "savepoint mode without any directory",
    edit: set("spec.job.upgradeMode", "savepoint"),
    fields: ["spec.job.upgradeMode", "spec.job.upgradeMode"],
  },
  {
    name: "savepoint mode with the 1.20+ keys",
    edit: all(
      set("spec.job.upgradeMode", "savepoint"),
      config({
        "execution.checkpointing.dir": "s3://b/c",
        "execution.checkpointing.savepoint-dir": "s3://b/s",
      }),
    ),
    fields: [],
  },
  {
    name: "savepoint mode with directories from the operator defaults",
    edit: set("spec.job.upgradeMode", "savepoint"),
    config: STATEFUL_DIRS,
    fields: [],
  },
  {
    name: "savepointTriggerNonce without savepoint dir",
    edit: set("spec.job.savepointTriggerNonce", 1),
    fields: ["spec.job.savepointTriggerNonce"],
  },
  {
    name: "periodic savepoints without savepoint dir",
    edit: config({ "kubernetes.operator.periodic.savepoint.interval": "6h" }),
    fields: [`spec.flinkConfiguration["kubernetes.operator.periodic.savepoint.interval"]`],
  },
  {
    name: "max checkpoint age without savepoint dir",
    edit: config({ [MAX_AGE_KEY]: "10 min" }),
    fields: [`spec.flinkConfiguration["${MAX_AGE_KEY}"]`],
  },

  // Job: parallelism and TaskManager replicas
  {
    name: "parallelism 0 without TM replicas",
    edit: set("spec.job.parallelism", 0),
    fields: ["spec.job.parallelism"],
  },
  {
    name: "parallelism 0 with TM replicas",
    edit: all(set("spec.job.parallelism", 0), set("spec.taskManager.replicas", 2)),
    fields: [],
  },
  {
    name: "TM replicas 0",
    edit: set("spec.taskManager.replicas", 0),
    fields: ["spec.taskManager.replicas"],
  },
  {
    name: "TM replicas 0 on a session cluster",
    edit: all(set("spec.job", undefined), set("spec.taskManager.replicas", 0)),
    fields: ["spec.taskManager.replicas"],
  },

  // Job: flinkStateSnapshotReference
  {
    name: "snapshot reference by name",
    edit: set("spec.job.flinkStateSnapshotReference", { name: "sp-1" }),
    fields: [],
  },
  {
    name: "snapshot reference by path",
    edit: set("spec.job.flinkStateSnapshotReference", { path: "s3://b/sp-1" }),
    fields: [],
  },
  {
    name: "empty snapshot reference",
    edit: set("spec.job.flinkStateSnapshotReference", { namespace: "flink" }),
    fields: ["spec.job.flinkStateSnapshotReference"],
  },
  {
    name: "snapshot reference and initialSavepointPath together",
    edit: all(
      set("spec.job.flinkStateSnapshotReference", { name: "sp-1" }),
      set("spec.job.initialSavepointPath", "s3://b/sp-0"),
    ),
    fields: ["spec.job.flinkStateSnapshotReference"],
    mentions: ["keep only one"],
  },

  // JobManager
  {
    name: "JM memory undefined",
    edit: set("spec.jobManager.resource", { cpu: 1 }),
    fields: ["spec.jobManager.resource.memory"],
    mentions: ["jobmanager.memory.process.size"],
  },
  {
    name: "JM memory from resources.requests",
    edit: set("spec.jobManager", { resources: { requests: { memory: "2Gi", cpu: "1" } } }),
    fields: [],
  },
  {
    name: "JM memory from resources.limits",
    edit: set("spec.jobManager", { resources: { limits: { memory: "2Gi" } } }),
    fields: [],
  },
  ...[
    "jobmanager.memory.process.size",
    "jobmanager.memory.flink.size",
    "jobmanager.memory.heap.size",
  ].map(
    (key) => ({
      name: `JM memory from ${key}`,
      edit: all(set("spec.jobManager", undefined), config({ [key]: "1g" })),
      fields: [] as string[],
    }),
  ),
  {
    name: "JM memory from the operator defaults",
    edit: set("spec.jobManager", undefined),
    config: { "jobmanager.memory.process.size": "1600m" },
    fields: [],
  },
  {
    name: "unreadable JM memory option",
    edit: all(
      set("spec.jobManager", undefined),
      config({ "jobmanager.memory.process.size": "lots" }),
    ),
    fields: [`spec.flinkConfiguration["jobmanager.memory.process.size"]`],
    mentions: ["Flink's memory syntax"],
  },
  {
    name: "unreadable JM resource memory",
    edit: set("spec.jobManager.resource.memory", "two gigs"),
    fields: ["spec.jobManager.resource.memory"],
    mentions: ["is not a memory size"],
  },
  {
    name: "negative JM cpu",
    edit: set("spec.jobManager.resource.cpu", -1),
    fields: ["spec.jobManager.resource.cpu"],
  },
  {
    name: "bad JM ephemeral storage",
    edit: set("spec.jobManager.resource.ephemeralStorage", "2 gigs"),
    fields: ["spec.jobManager.resource.ephemeralStorage"],
  },
  {
    name: "good JM ephemeral storage",
    edit: set("spec.jobManager.resource.ephemeralStorage", "2Gi"),
    fields: [],
  },
  {
    name: "negative JM resources request",
    edit: set("spec.jobManager.resources", { requests: { memory: "-1Gi" } }),
    fields: ["spec.jobManager.resources.requests.memory"],
  },
  {
    name: "unparseable JM resources limit",
    edit: set("spec.jobManager.resources", { requests: { memory: "1Gi" }, limits: { cpu: "one" } }),
    fields: ["spec.jobManager.resources.limits.cpu"],
  },
  {
    name: "JM limit below request",
    edit: set("spec.jobManager.resources", {
      requests: { cpu: "2", memory: "1Gi" },
      limits: { cpu: "1500m" },
    }),
    fields: ["spec.jobManager.resources.limits.cpu"],
  },
  {
    name: "JM limit above request in other units",
    edit: set("spec.jobManager.resources", {
      requests: { memory: "1Gi" },
      limits: { memory: "2048Mi" },
    }),
    fields: [],
  },
  {
    name: "JM replicas 0",
    edit: set("spec.jobManager.replicas", 0),
    fields: ["spec.jobManager.replicas"],
  },
  {
    name: "JM replicas 2 without HA",
    edit: set("spec.jobManager.replicas", 2),
    fields: ["spec.jobManager.replicas"],
    mentions: ["high availability"],
  },
  {
    name: "JM replicas 2 with HA",
    edit: all(set("spec.jobManager.replicas", 2), config(HA)),
    fields: [],
  },
  {
    name: "JM replicas 2 with legacy HA key",
    edit: all(set("spec.jobManager.replicas", 2), config({ "high-availability": "kubernetes" })),
    fields: [],
  },

  // TaskManager
  {
    name: "TM memory undefined",
    edit: set("spec.taskManager", undefined),
    fields: ["spec.taskManager.resource.memory"],
  },
  {
    name: "TM memory from taskmanager.memory.process.size",
    edit: all(
      set("spec.taskManager", undefined),
      config({ "taskmanager.memory.process.size": "2g" }),
    ),
    fields: [],
  },
  {
    name: "TM memory from fine-grained options",
    edit: all(
      set("spec.taskManager", undefined),
      config({
        "taskmanager.memory.task.heap.size": "1g",
        "taskmanager.memory.managed.size": "512m",
      }),
    ),
    fields: [],
  },
  {
    name: "TM fine-grained memory needs both options",
    edit: all(
      set("spec.taskManager", undefined),
      config({ "taskmanager.memory.task.heap.size": "1g" }),
    ),
    fields: ["spec.taskManager.resource.memory"],
  },
  {
    name: "TM memory from resources",
    edit: set("spec.taskManager", { resources: { requests: { memory: "4Gi" } } }),
    fields: [],
  },
  {
    name: "negative TM cpu",
    edit: set("spec.taskManager.resource.cpu", -0.5),
    fields: ["spec.taskManager.resource.cpu"],
  },

  // What Flink refuses (its process memory model, jar URIs, slots), refused up front
  {
    name: "TM memory 0",
    edit: set("spec.taskManager.resource.memory", "0"),
    fields: ["spec.taskManager.resource.memory"],
    mentions: ["exceed the process size (0)", "give the TaskManager at least 982m"],
  },
  {
    name: "TM memory too small for the default fractions",
    edit: set("spec.taskManager.resource.memory", "900m"),
    fields: ["spec.taskManager.resource.memory"],
    mentions: ["leaving nothing for the task heap", "at least 982m"],
  },
  {
    name: "TM memory from resources.requests too small",
    edit: set("spec.taskManager", { resources: { requests: { memory: "512Mi" } } }),
    fields: ["spec.taskManager.resources.requests.memory"],
  },
  {
    name: "TM memory small but fits with less managed memory",
    edit: all(
      set("spec.taskManager.resource.memory", "900m"),
      config({ "taskmanager.memory.managed.fraction": "0.1" }),
    ),
    fields: [],
  },
  {
    name: "JM memory too small",
    edit: set("spec.jobManager.resource.memory", "512m"),
    fields: ["spec.jobManager.resource.memory"],
    mentions: ["leaving no heap", "give the JobManager at least 577m"],
  },
  {
    name: "TM total Flink memory above the process size",
    edit: config({ "taskmanager.memory.flink.size": "4g" }),
    fields: ["spec.taskManager.resource.memory"],
    mentions: [`spec.flinkConfiguration["taskmanager.memory.flink.size"]`, "JVM overhead"],
  },
  {
    name: "a Kubernetes quantity in a Flink memory option",
    edit: config({ "jobmanager.memory.jvm-metaspace.size": "256Mi" }),
    fields: [`spec.flinkConfiguration["jobmanager.memory.jvm-metaspace.size"]`],
    mentions: ["Flink's memory syntax"],
  },
  {
    name: "an unreadable memory option the spec's memory overrides is not read",
    edit: config({ "taskmanager.memory.process.size": "lots" }),
    fields: [],
  },
  {
    name: "the pre-1.10 TaskManager heap option is accepted",
    edit: all(set("spec.taskManager", undefined), config({ "taskmanager.heap.size": "2g" })),
    fields: [],
  },
  {
    name: "zero task slots",
    edit: config({ "taskmanager.numberOfTaskSlots": "0" }),
    fields: [`spec.flinkConfiguration["taskmanager.numberOfTaskSlots"]`],
  },
  {
    // Found by the fuzzer: the JobManager's slot manager fails its start on -1 (only the
    // TaskManager reads it as 1), so the pod crash-looped instead of the spec being refused.
    name: "task slots -1 (the JobManager refuses it; only the TaskManager reads it as 1)",
    edit: config({ "taskmanager.numberOfTaskSlots": "-1" }),
    fields: [`spec.flinkConfiguration["taskmanager.numberOfTaskSlots"]`],
  },
  {
    // Found by the fuzzer: without an image the operator created the cluster's ConfigMap and
    // Services, and the API server then refused the JobManager Deployment.
    name: "no image",
    edit: set("spec.image", undefined),
    fields: ["spec.image"],
    mentions: ['"flink:1.20"'],
  },
  {
    name: "no spec.image but Flink's image option",
    edit: all(set("spec.image", undefined), config({ "kubernetes.container.image.ref": "f:1" })),
    fields: [],
  },
  {
    name: "rest.port not a port (found by the fuzzer)",
    edit: config({ "rest.port": "8081.5", "rest.bind-port": "x" }),
    fields: [
      `spec.flinkConfiguration["rest.port"]`,
      `spec.flinkConfiguration["rest.bind-port"]`,
    ],
  },
  {
    name: "rest.bind-port range",
    edit: config({ "rest.port": "8081", "rest.bind-port": "50100-50200" }),
    fields: [],
  },
  {
    name: "REST SSL without the JobManager's keystore",
    edit: config({ "security.ssl.rest.enabled": "true" }),
    fields: [
      `spec.flinkConfiguration["security.ssl.rest.keystore"]`,
      `spec.flinkConfiguration["security.ssl.rest.keystore-password"]`,
      `spec.flinkConfiguration["security.ssl.rest.key-password"]`,
    ],
  },
  {
    name: "REST SSL with the shared keystore options",
    edit: config({
      "security.ssl.rest.enabled": "true",
      "security.ssl.keystore": "/opt/flink/tls/ks.jks",
      "security.ssl.keystore-password": "pw",
      "security.ssl.key-password": "pw",
    }),
    fields: [],
  },
  {
    name: "mutual REST TLS with Flink's default cipher suite (RSA key exchange, CBC)",
    edit: config({ ...MUTUAL_TLS }),
    fields: [`spec.flinkConfiguration["security.ssl.algorithms"]`],
    mentions: ["TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"],
  },
  {
    name: "mutual REST TLS with an ECDHE-GCM suite",
    edit: config({
      ...MUTUAL_TLS,
      "security.ssl.algorithms":
        "TLS_RSA_WITH_AES_128_CBC_SHA,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    }),
    fields: [],
  },
  {
    name: "mutual REST TLS over TLSv1.1",
    edit: config({ ...MUTUAL_TLS, "security.ssl.protocol": "TLSv1.1" }),
    fields: [`spec.flinkConfiguration["security.ssl.protocol"]`],
  },
  {
    name: "zero TaskManager CPU cores",
    edit: config({ "taskmanager.cpu.cores": "0" }),
    fields: [`spec.flinkConfiguration["taskmanager.cpu.cores"]`],
  },
  {
    name: "http jar on Flink 1.20 without raw HTTP",
    edit: set("spec.job.jarURI", "http://repo.example.com/job.jar"),
    fields: ["spec.job.jarURI"],
    mentions: ["user.artifacts.raw-http-enabled"],
  },
  {
    name: "http jar on Flink 1.20 with raw HTTP",
    edit: all(
      set("spec.job.jarURI", "http://repo.example.com/job.jar"),
      config({ "user.artifacts.raw-http-enabled": "true" }),
    ),
    fields: [],
  },
  {
    name: "https jar on Flink 1.19",
    edit: all(
      set("spec.flinkVersion", "v1_19"),
      set("spec.job.jarURI", "https://repo.example.com/job.jar"),
    ),
    fields: [],
  },
  {
    name: "https jar on Flink 1.18 (native)",
    edit: all(
      set("spec.flinkVersion", "v1_18"),
      set("spec.job.jarURI", "https://repo.example.com/job.jar"),
    ),
    fields: ["spec.job.jarURI"],
    mentions: ["local:"],
  },
  {
    name: "https jar on Flink 1.18 (standalone)",
    edit: all(
      set("spec.flinkVersion", "v1_18"),
      set("spec.mode", "standalone"),
      set("spec.job.jarURI", "https://repo.example.com/job.jar"),
    ),
    fields: [],
  },
  {
    name: "standalone jar without scheme",
    edit: all(set("spec.mode", "standalone"), set("spec.job.jarURI", "/opt/flink/job.jar")),
    fields: ["spec.job.jarURI"],
  },

  // Spec changes against the deployed spec
  {
    name: "application to session",
    edit: set("spec.job", undefined),
    lastReconciled: spec(),
    fields: ["spec.job"],
  },
  {
    name: "session to application",
    lastReconciled: spec((s) => delete s.job),
    fields: ["spec.job"],
  },
  {
    name: "native to standalone",
    edit: set("spec.mode", "standalone"),
    lastReconciled: spec(),
    fields: ["spec.mode"],
  },
  {
    name: "standalone to native (absent mode)",
    lastReconciled: spec((s) => s.mode = "standalone"),
    fields: ["spec.mode"],
  },
  {
    name: "absent mode to explicit native",
    edit: set("spec.mode", "native"),
    lastReconciled: spec(),
    fields: [],
  },
  {
    name: "savepointRedeployNonce change without initialSavepointPath",
    edit: set("spec.job.savepointRedeployNonce", 2),
    lastReconciled: spec(),
    fields: ["spec.job.initialSavepointPath"],
  },
  {
    name: "savepointRedeployNonce change with initialSavepointPath",
    edit: all(
      set("spec.job.savepointRedeployNonce", 2),
      set("spec.job.initialSavepointPath", "s3://b/sp"),
    ),
    lastReconciled: spec(),
    fields: [],
  },
  {
    name: "savepointRedeployNonce change with a snapshot reference",
    edit: all(
      set("spec.job.savepointRedeployNonce", 2),
      set("spec.job.flinkStateSnapshotReference", { name: "sp" }),
    ),
    lastReconciled: spec(),
    fields: [],
  },
  {
    name: "unchanged savepointRedeployNonce without initialSavepointPath",
    edit: set("spec.job.savepointRedeployNonce", 2),
    lastReconciled: spec((s) => s.job = { ...(s.job as object), savepointRedeployNonce: 2 }),
    fields: [],
  },
  {
    name: "savepointRedeployNonce set to null",
    lastReconciled: spec((s) => s.job = { ...(s.job as object), savepointRedeployNonce: 2 }),
    fields: [],
  },

  // Service account
  {
    name: "missing serviceAccount",
    edit: set("spec.serviceAccount", undefined),
    fields: ["spec.serviceAccount"],
    mentions: [
      "spec.serviceAccount: required; " +
      `set it to the service account the JobManager runs as (e.g. "flink")`,
    ],
  },
  {
    name: "blank serviceAccount",
    edit: set("spec.serviceAccount", " "),
    fields: ["spec.serviceAccount"],
  },

  // Autoscaler
  {
    name: "autoscaler window shorter than the reconcile interval",
    edit: config({ "job.autoscaler.enabled": "true", "job.autoscaler.metrics.window": "30 s" }),
    fields: [`spec.flinkConfiguration["job.autoscaler.metrics.window"]`],
  },
  {
    name: "autoscaler window against a short operator reconcile interval",
    edit: config({ "job.autoscaler.enabled": "true", "job.autoscaler.metrics.window": "30 s" }),
    config: { "kubernetes.operator.reconcile.interval": "15 s" },
    fields: [],
  },
  {
    name: "reconcile interval in the spec has no effect on the autoscaler window check",
    edit: config({
      "job.autoscaler.enabled": "true",
      "job.autoscaler.metrics.window": "30 s",
      "kubernetes.operator.reconcile.interval": "15 s",
    }),
    fields: [`spec.flinkConfiguration["job.autoscaler.metrics.window"]`],
  },
  {
    name: "autoscaler negative factor",
    edit: config({ "job.autoscaler.enabled": "true", "job.autoscaler.scale-up.max-factor": "-1" }),
    fields: [`spec.flinkConfiguration["job.autoscaler.scale-up.max-factor"]`],
  },
  {
    name: "autoscaler options are not checked while it is disabled",
    edit: config({
      "job.autoscaler.scale-up.max-factor": "-1",
      "job.autoscaler.metrics.window": "1 s",
    }),
    fields: [],
  },
];

for (const testCase of CASES) {
  Deno.test(`validateFlinkDeployment: ${testCase.name}`, () => {
    const issues = validateFlinkDeployment(deployment(testCase.edit), {
      effectiveConfig: testCase.config ?? {},
      lastReconciledSpec: testCase.lastReconciled,
    });
    assert.deepEqual(issues.map((issue) => issue.field), testCase.fields, describe(issues));
    for (const issue of issues) {
      assert.ok(issue.message.startsWith(`${issue.field}: `), issue.message);
      assert.match(issue.message, /; /, `message says how to fix it: ${issue.message}`);
      for (const text of testCase.mentions ?? []) {
        assert.ok(issue.message.includes(text), issue.message);
      }
    }
  });
}

Deno.test("validateFlinkDeployment: all problems are reported, not just the first", () => {
  const issues = validateFlinkDeployment(
    deployment((input) => {
      input.metadata = { name: "Bad_Name" };
      delete input.spec.serviceAccount;
      delete input.spec.flinkVersion;
      (input.spec.job as Record<string, unknown>).parallelism = 0;
    }),
    { effectiveConfig: {} },
  );
  assert.deepEqual(issues.map((issue) => issue.field), [
    "metadata.name",
    "spec.flinkVersion",
    "spec.job.parallelism",
    "spec.serviceAccount",
  ]);
});

Deno.test("formatValidationError: one issue is its message, several are numbered", () => {
  const one: ValidationIssue = { field: "spec.a", message: "spec.a: required; set it" };
  const two: ValidationIssue = { field: "spec.b", message: "spec.b: bad; fix it" };
  assert.equal(formatValidationError([]), "");
  assert.equal(formatValidationError([one]), "spec.a: required; set it");
  assert.equal(
    formatValidationError([one, two]),
    "2 problems: (1) spec.a: required; set it (2) spec.b: bad; fix it",
  );
});

function describe(issues: readonly ValidationIssue[]): string {
  return issues.map((issue) => issue.message).join("\n") || "(no issues)";
}
