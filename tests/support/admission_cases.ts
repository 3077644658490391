/**
 * Examples for the object rules of lib/api/rules: for every rule of every kind at least one
 * object it refuses, plus objects every rule accepts. tests/unit/api_rules_test.ts runs them
 * through the operator's TypeScript evaluation; tests/integration/admission_rules_test.ts
 * applies them to the real API server, where the same rules are CEL validations, and checks
 * that both sides agree and that the refusal names the field and the fix.
 */
import type { JobKind } from "../../lib/api/enums.ts";

export type RuleKind = JobKind | "FlinkStateSnapshot";
type Doc = Record<string, unknown> & { metadata: Record<string, unknown>; spec: Spec };
type Spec = Record<string, unknown>;

export interface AdmissionCase {
  readonly name: string;
  readonly kind: RuleKind;
  /** The object created (without `update`) or stored first (with it). */
  readonly object: Doc;
  /** A change of the stored object's spec: the case is about the update. */
  readonly update?: (spec: Spec) => void;
  /** With `update`: the stored object was deployed (it has a lastReconciledSpec). */
  readonly deployed?: boolean;
  /** The rule that refuses it; undefined for an object every rule accepts. */
  readonly refusedBy?: string;
}

export function application(name = "app"): Doc {
  return {
    apiVersion: "flink.apache.org/v1beta1",
    kind: "FlinkDeployment",
    metadata: { name },
    spec: {
      image: "flink:1.20",
      flinkVersion: "v1_20",
      serviceAccount: "flink",
      flinkConfiguration: { "taskmanager.numberOfTaskSlots": "2" },
      jobManager: { resource: { memory: "2048m", cpu: 1 } },
      taskManager: { resource: { memory: "2048m", cpu: 1 } },
      job: {
        jarURI: "local:///opt/flink/examples/streaming/StateMachineExample.jar",
        parallelism: 2,
        upgradeMode: "stateless",
      },
    },
  };
}

export function sessionCluster(name = "session"): Doc {
  const doc = application(name);
  delete doc.spec.job;
  return doc;
}

export function sessionJob(name = "job"): Doc {
  return {
    apiVersion: "flink.apache.org/v1beta1",
    kind: "FlinkSessionJob",
    metadata: { name },
    spec: {
      deploymentName: "session",
      job: {
        jarURI: "https://repo.example.com/flink/job.jar",
        parallelism: 2,
        upgradeMode: "stateless",
      },
    },
  };
}

export function snapshot(name = "snap"): Doc {
  return {
    apiVersion: "flink.apache.org/v1beta1",
    kind: "FlinkStateSnapshot",
    metadata: { name },
    spec: {
      jobReference: { kind: "FlinkDeployment", name: "app" },
      savepoint: { path: "s3://bucket/savepoints", disposeOnDelete: true },
    },
  };
}

const job = (spec: Spec) => spec.job as Spec;

/** `edit` applied to a fresh copy of `base`. */
function edited(base: Doc, edit: (doc: Doc) => void): Doc {
  const doc = structuredClone(base);
  edit(doc);
  return doc;
}

const refused = (
  kind: RuleKind,
  refusedBy: string,
  name: string,
  base: Doc,
  edit: (doc: Doc) => void,
): AdmissionCase => ({ kind, refusedBy, name, object: edited(base, edit) });

const FD = "FlinkDeployment" as const;
const SJ = "FlinkSessionJob" as const;
const SNAP = "FlinkStateSnapshot" as const;

function componentCases(component: "jobManager" | "taskManager"): AdmissionCase[] {
  const id = (rest: string) => `deployment.${component}.${rest}`;
  const setResource = (resource: Spec) => (d: Doc) =>
    d.spec[component] = { ...(d.spec[component] as Spec), resource };
  const setResources = (resources: Spec) => (d: Doc) =>
    d.spec[component] = { ...(d.spec[component] as Spec), resources };
  return [
    refused(
      FD,
      id("resource.cpu"),
      `${component} cpu -1`,
      application(),
      setResource({
        memory: "2048m",
        cpu: -1,
      }),
    ),
    refused(
      FD,
      id("resource.memory"),
      `${component} memory "lots"`,
      application(),
      setResource({
        memory: "lots",
      }),
    ),
    refused(
      FD,
      id("resource.memory"),
      `${component} memory "-1Gi"`,
      application(),
      setResource({
        memory: "-1Gi",
      }),
    ),
    refused(
      FD,
      id("resource.ephemeralStorage"),
      `${component} ephemeral storage "2 gigs"`,
      application(),
      setResource({ memory: "2048m", ephemeralStorage: "2 gigs" }),
    ),
    refused(
      FD,
      id("resources.requests.cpu"),
      `${component} requests.cpu 0`,
      application(),
      setResources({ requests: { cpu: 0, memory: "2Gi" } }),
    ),
    refused(
      FD,
      id("resources.limits.cpu"),
      `${component} limits.cpu "one"`,
      application(),
      setResources({ requests: { memory: "2Gi" }, limits: { cpu: "one" } }),
    ),
    refused(
      FD,
      id("resources.requests.memory"),
      `${component} requests.memory "-1Gi"`,
      application(),
      setResources({ requests: { memory: "-1Gi" } }),
    ),
    refused(
      FD,
      id("resources.limits.memory"),
      `${component} limits.memory "0"`,
      application(),
      setResources({ limits: { memory: "0" } }),
    ),
    refused(
      FD,
      id("resources.limits.cpu.request"),
      `${component} limits.cpu below requests.cpu`,
      application(),
      setResources({ requests: { cpu: "2", memory: "2Gi" }, limits: { cpu: "1500m" } }),
    ),
    refused(
      FD,
      id("resources.limits.memory.request"),
      `${component} limits.memory below requests.memory`,
      application(),
      setResources({ requests: { memory: "2Gi" }, limits: { memory: "1Gi" } }),
    ),
  ];
}

/** Objects the rules refuse, at least one per rule and kind. */
export const REFUSED_CASES: readonly AdmissionCase[] = [
  // FlinkDeployment
  refused(FD, "deployment.metadata.name", "a name with a dot", application(), (d) => {
    d.metadata.name = "my.job";
  }),
  refused(FD, "deployment.metadata.name", "a name of 46 characters", application(), (d) => {
    d.metadata.name = "a".repeat(46);
  }),
  refused(FD, "deployment.flinkVersion.required", "no flinkVersion", application(), (d) => {
    delete d.spec.flinkVersion;
  }),
  refused(FD, "deployment.flinkVersion.supported", "flinkVersion v1_14", application(), (d) => {
    d.spec.flinkVersion = "v1_14";
    d.spec.image = "flink:1.14";
  }),
  refused(FD, "deployment.imagePullPolicy", "imagePullPolicy Sometimes", application(), (d) => {
    d.spec.imagePullPolicy = "Sometimes";
  }),
  refused(FD, "deployment.ingress.template", "ingress without template", application(), (d) => {
    d.spec.ingress = { className: "nginx" };
  }),
  refused(FD, "deployment.ingress.template", "blank ingress template", application(), (d) => {
    d.spec.ingress = { template: "  " };
  }),
  refused(FD, "deployment.logConfiguration", "log4j.properties", application(), (d) => {
    d.spec.logConfiguration = { "log4j-console.properties": "a", "log4j.properties": "b" };
  }),
  refused(FD, "deployment.job.jarURI.local", "an https jar on Flink 1.18", application(), (d) => {
    d.spec.flinkVersion = "v1_18";
    job(d.spec).jarURI = "https://repo.example.com/job.jar";
  }),
  refused(FD, "deployment.job.jarURI.local", "a jar without scheme on 1.17", application(), (d) => {
    d.spec.flinkVersion = "v1_17";
    job(d.spec).jarURI = "/opt/flink/usrlib/job.jar";
  }),
  refused(
    FD,
    "deployment.job.jarURI.scheme",
    "standalone jar without scheme",
    application(),
    (d) => {
      d.spec.mode = "standalone";
      job(d.spec).jarURI = "/opt/flink/usrlib/job.jar";
    },
  ),
  refused(FD, "deployment.job.parallelism", "parallelism 0", application(), (d) => {
    job(d.spec).parallelism = 0;
  }),
  refused(FD, "deployment.job.parallelism", "no parallelism", application(), (d) => {
    delete job(d.spec).parallelism;
  }),
  refused(FD, "deployment.taskManager.replicas", "taskManager replicas 0", application(), (d) => {
    (d.spec.taskManager as Spec).replicas = 0;
  }),
  refused(FD, "deployment.jobManager.replicas", "jobManager replicas 0", application(), (d) => {
    (d.spec.jobManager as Spec).replicas = 0;
  }),
  refused(FD, "deployment.serviceAccount", "no serviceAccount", application(), (d) => {
    delete d.spec.serviceAccount;
  }),
  refused(FD, "deployment.serviceAccount", "blank serviceAccount", application(), (d) => {
    d.spec.serviceAccount = " ";
  }),
  refused(FD, "job.flinkStateSnapshotReference.target", "empty reference", application(), (d) => {
    job(d.spec).flinkStateSnapshotReference = { namespace: "flink" };
  }),
  refused(
    FD,
    "job.flinkStateSnapshotReference.exclusive",
    "reference and initialSavepointPath",
    application(),
    (d) => {
      job(d.spec).flinkStateSnapshotReference = { name: "sp-1" };
      job(d.spec).initialSavepointPath = "s3://bucket/sp-0";
    },
  ),
  ...componentCases("jobManager"),
  ...componentCases("taskManager"),
  {
    kind: FD,
    refusedBy: "job.savepointRedeployNonce.initialSavepointPath",
    name: "a new redeploy nonce without initialSavepointPath",
    object: application(),
    update: (spec) => job(spec).savepointRedeployNonce = 1,
    deployed: true,
  },
  {
    kind: FD,
    refusedBy: "deployment.job.sessionToApplication",
    name: "a deployed session cluster given a job",
    object: sessionCluster(),
    update: (spec) => spec.job = job(application().spec),
    deployed: true,
  },
  {
    kind: FD,
    refusedBy: "deployment.job.applicationToSession",
    name: "a deployed application losing its job",
    object: application(),
    update: (spec) => delete spec.job,
    deployed: true,
  },
  {
    kind: FD,
    refusedBy: "deployment.mode",
    name: "native to standalone after deployment",
    object: application(),
    update: (spec) => spec.mode = "standalone",
    deployed: true,
  },

  // FlinkSessionJob
  refused(SJ, "sessionJob.deploymentName.required", "no deploymentName", sessionJob(), (d) => {
    delete d.spec.deploymentName;
  }),
  refused(SJ, "sessionJob.deploymentName.valid", "deploymentName Not_A_Name", sessionJob(), (d) => {
    d.spec.deploymentName = "Not_A_Name";
  }),
  refused(SJ, "sessionJob.job.required", "no job", sessionJob(), (d) => {
    delete d.spec.job;
  }),
  refused(SJ, "sessionJob.job.jarURI.scheme", "jar without scheme", sessionJob(), (d) => {
    job(d.spec).jarURI = "/opt/flink/job.jar";
  }),
  refused(SJ, "job.parallelism", "parallelism 0", sessionJob(), (d) => {
    job(d.spec).parallelism = 0;
  }),
  refused(SJ, "job.flinkStateSnapshotReference.target", "empty reference", sessionJob(), (d) => {
    job(d.spec).flinkStateSnapshotReference = {};
  }),
  refused(
    SJ,
    "job.flinkStateSnapshotReference.exclusive",
    "reference and initialSavepointPath",
    sessionJob(),
    (d) => {
      job(d.spec).flinkStateSnapshotReference = { path: "s3://bucket/sp-1" };
      job(d.spec).initialSavepointPath = "s3://bucket/sp-0";
    },
  ),
  {
    kind: SJ,
    refusedBy: "sessionJob.deploymentName.unchanged",
    name: "deploymentName changed after deployment",
    object: sessionJob(),
    update: (spec) => spec.deploymentName = "other",
    deployed: true,
  },
  {
    kind: SJ,
    refusedBy: "job.savepointRedeployNonce.initialSavepointPath",
    name: "a new redeploy nonce with a blank initialSavepointPath",
    object: sessionJob(),
    update: (spec) => {
      job(spec).savepointRedeployNonce = 3;
      job(spec).initialSavepointPath = "";
    },
    deployed: true,
  },

  // FlinkStateSnapshot
  refused(SNAP, "snapshot.savepointOrCheckpoint", "savepoint and checkpoint", snapshot(), (d) => {
    d.spec.checkpoint = {};
  }),
  refused(SNAP, "snapshot.savepointOrCheckpoint", "neither", snapshot(), (d) => {
    delete d.spec.savepoint;
  }),
  refused(SNAP, "snapshot.savepoint.path", "alreadyExists without path", snapshot(), (d) => {
    d.spec.savepoint = { alreadyExists: true };
  }),
  refused(SNAP, "snapshot.jobReference.name", "no job reference", snapshot(), (d) => {
    delete d.spec.jobReference;
  }),
];

const accepted = (kind: RuleKind, name: string, object: Doc): AdmissionCase => ({
  kind,
  name,
  object,
});

/**
 * Objects every rule accepts: the bases, the edges of each rule, updates before the first
 * deployment, and hand-written resources in the shapes of FKO's examples.
 */
export const ACCEPTED_CASES: readonly AdmissionCase[] = [
  accepted(FD, "the application", application()),
  accepted(FD, "the session cluster", sessionCluster()),
  accepted(
    FD,
    "a name of 45 characters",
    edited(application(), (d) => {
      d.metadata.name = "a".repeat(45);
    }),
  ),
  accepted(FD, "flinkVersion v1_15", edited(application(), (d) => d.spec.flinkVersion = "v1_15")),
  accepted(
    FD,
    "an https jar on Flink 1.19",
    edited(application(), (d) => {
      d.spec.flinkVersion = "v1_19";
      job(d.spec).jarURI = "https://repo.example.com/job.jar";
    }),
  ),
  accepted(
    FD,
    "a jar without scheme on Flink 2.0 (native)",
    edited(application(), (d) => {
      d.spec.flinkVersion = "v2_0";
      job(d.spec).jarURI = "/opt/flink/usrlib/job.jar";
    }),
  ),
  accepted(
    FD,
    "parallelism 0 with taskManager replicas",
    edited(application(), (d) => {
      job(d.spec).parallelism = 0;
      (d.spec.taskManager as Spec).replicas = 2;
    }),
  ),
  accepted(
    FD,
    "memory in every syntax the operator reads",
    edited(application(), (d) => {
      (d.spec.jobManager as Spec).resource = { memory: "1 gb", cpu: 0.5 };
      (d.spec.taskManager as Spec).resource = {
        memory: "1.5Gi",
        cpu: 0,
        ephemeralStorage: "2Gi",
      };
    }),
  ),
  accepted(
    FD,
    "resources with limits above requests",
    edited(application(), (d) => {
      d.spec.jobManager = {
        resources: {
          requests: { cpu: "500m", memory: "1Gi", "ephemeral-storage": "1Gi" },
          limits: { cpu: 1, memory: "1536Mi" },
        },
      };
    }),
  ),
  accepted(
    FD,
    "log configuration files, ingress and pull policy",
    edited(application(), (d) => {
      d.spec.logConfiguration = { "log4j-console.properties": "rootLogger.level = INFO" };
      d.spec.ingress = { template: "{{name}}.{{namespace}}.flink.example.com" };
      d.spec.imagePullPolicy = "IfNotPresent";
    }),
  ),
  accepted(
    FD,
    "a snapshot reference by name",
    edited(application(), (d) => job(d.spec).flinkStateSnapshotReference = { name: "sp-1" }),
  ),
  {
    kind: FD,
    name: "a new redeploy nonce with initialSavepointPath",
    object: application(),
    update: (spec) => {
      job(spec).savepointRedeployNonce = 1;
      job(spec).initialSavepointPath = "s3://bucket/sp-1";
    },
    deployed: true,
  },
  {
    kind: FD,
    name: "mode and job changed before the first deployment",
    object: application(),
    update: (spec) => {
      spec.mode = "standalone";
      delete spec.job;
    },
  },
  {
    kind: FD,
    name: "a deployed application upgraded and suspended",
    object: application(),
    update: (spec) => {
      job(spec).state = "suspended";
      job(spec).parallelism = 4;
      spec.mode = "native";
    },
    deployed: true,
  },
  accepted(SJ, "the session job", sessionJob()),
  {
    kind: SJ,
    name: "deploymentName fixed before the first deployment",
    object: sessionJob(),
    update: (spec) => spec.deploymentName = "other",
  },
  {
    kind: SJ,
    name: "the deployed session job with an unchanged redeploy nonce",
    object: edited(sessionJob(), (d) => job(d.spec).savepointRedeployNonce = 1),
    update: (spec) => job(spec).args = ["--again"],
    deployed: true,
  },
  accepted(SNAP, "a savepoint", snapshot()),
  accepted(
    SNAP,
    "a checkpoint",
    edited(snapshot(), (d) => {
      delete d.spec.savepoint;
      d.spec.checkpoint = {};
    }),
  ),
  accepted(SNAP, "an existing savepoint without job reference", {
    ...snapshot("existing"),
    spec: { savepoint: { alreadyExists: true, path: "s3://bucket/savepoint-1" } },
  }),
  ...fkoShapedExamples(),
];

/**
 * Hand-written resources in the shapes of FKO's examples (basic, checkpointing + HA, pod
 * template with sidecar, init container and volumes, ingress, custom logging, session job,
 * snapshots): what users migrating from FKO apply.
 */
function fkoShapedExamples(): AdmissionCase[] {
  const podTemplateApp = edited(application("pod-template-example"), (d) => {
    d.spec.podTemplate = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "pod-template" },
      spec: {
        containers: [{
          name: "flink-main-container",
          volumeMounts: [{ mountPath: "/opt/flink/log", name: "flink-logs" }, {
            mountPath: "/opt/flink/downloads",
            name: "downloads",
          }],
        }],
        volumes: [{ name: "flink-logs", emptyDir: {} }, { name: "downloads", emptyDir: {} }],
      },
    };
    d.spec.jobManager = {
      resource: { memory: "2048m", cpu: 1 },
      podTemplate: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "task-manager-pod-template" },
        spec: {
          initContainers: [{
            name: "artifacts-fetcher",
            image: "busybox:1.35.0",
            command: ["wget", "https://example.com/job.jar", "-O", "/flink-artifact/job.jar"],
            volumeMounts: [{ mountPath: "/flink-artifact", name: "flink-artifact" }],
          }],
          containers: [{
            name: "flink-main-container",
            env: [{ name: "ENV", value: "prod" }],
            resources: { limits: { cpu: 2, memory: "4Gi" } },
            ports: [{ containerPort: 9249, name: "metrics", protocol: "TCP" }],
          }],
          volumes: [{ name: "flink-artifact", emptyDir: {} }],
        },
      },
    };
    d.spec.taskManager = {
      resource: { memory: "2048m", cpu: 1 },
      podTemplate: {
        spec: {
          containers: [
            { name: "flink-main-container" },
            {
              name: "sidecar",
              image: "busybox:1.35.0",
              command: ["sh", "-c", "tail -F /opt/flink/log/*.log"],
              livenessProbe: { tcpSocket: { port: 6122 }, initialDelaySeconds: 30 },
            },
          ],
          tolerations: [{
            key: "dedicated",
            operator: "Equal",
            value: "flink",
            effect: "NoSchedule",
          }],
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{
                  matchExpressions: [{ key: "pool", operator: "In", values: ["flink"] }],
                }],
              },
            },
          },
        },
      },
    };
  });
  const haApp = edited(application("basic-checkpoint-ha-example"), (d) => {
    d.spec.flinkConfiguration = {
      "taskmanager.numberOfTaskSlots": "2",
      "state.savepoints.dir": "file:///flink-data/savepoints",
      "state.checkpoints.dir": "file:///flink-data/checkpoints",
      "high-availability.type": "kubernetes",
      "high-availability.storageDir": "file:///flink-data/ha",
    };
    job(d.spec).upgradeMode = "last-state";
    job(d.spec).state = "running";
    job(d.spec).savepointTriggerNonce = 0;
    d.spec.podTemplate = {
      spec: {
        containers: [{
          name: "flink-main-container",
          volumeMounts: [{ mountPath: "/flink-data", name: "flink-volume" }],
        }],
        volumes: [{
          name: "flink-volume",
          hostPath: { path: "/tmp/flink", type: "Directory" },
        }],
      },
    };
  });
  const ingressApp = edited(application("advanced-ingress"), (d) => {
    d.spec.ingress = {
      template: "/{{namespace}}/{{name}}(/|$)(.*)",
      className: "nginx",
      annotations: { "nginx.ingress.kubernetes.io/rewrite-target": "/$2" },
    };
  });
  const loggingApp = edited(application("custom-logging"), (d) => {
    d.spec.logConfiguration = {
      "log4j-console.properties":
        "rootLogger.level = DEBUG\nrootLogger.appenderRef.file.ref = LogFile",
    };
  });
  const sqlRunner = edited(application("sql-example"), (d) => {
    d.spec.image = "flink-sql-runner-example:latest";
    d.spec.flinkVersion = "v1_20";
    job(d.spec).jarURI = "local:///opt/flink/usrlib/sql-runner.jar";
    job(d.spec).args = ["/opt/flink/usrlib/sql-scripts/simple.sql"];
    job(d.spec).parallelism = 1;
  });
  return [
    accepted(FD, "FKO-shaped pod template example", podTemplateApp),
    accepted(FD, "FKO-shaped checkpointing and HA example", haApp),
    accepted(FD, "FKO-shaped ingress example", ingressApp),
    accepted(FD, "FKO-shaped custom logging example", loggingApp),
    accepted(FD, "FKO-shaped SQL runner example", sqlRunner),
    accepted(FD, "FKO-shaped session deployment", sessionCluster("basic-session-deployment-only")),
    accepted(
      SJ,
      "FKO-shaped session job",
      edited(sessionJob("basic-session-job-only"), (d) => {
        d.spec.deploymentName = "basic-session-deployment-only";
        job(d.spec).entryClass =
          "org.apache.flink.streaming.examples.statemachine.StateMachineExample";
      }),
    ),
    accepted(SNAP, "FKO-shaped checkpoint", {
      ...snapshot("example-checkpoint"),
      spec: {
        backoffLimit: 1,
        checkpoint: {},
        jobReference: { kind: "FlinkDeployment", name: "app" },
      },
    }),
  ];
}
