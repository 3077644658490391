/**
 * The fuzzer's starting points: resources shaped like FKO's `examples/` (basic, checkpoint-ha,
 * reactive, pod-template, ingress, custom logging, session deployment and job, the snapshot
 * examples), rewritten for the local cluster: Flink images the simulator runs, state under the
 * node's shared file system, a jar the operator can fetch without the internet. With
 * `FLINKOP_FKO_EXAMPLES` pointing at a checkout's `examples/`, FKO's own files are added as seeds
 * (their hostPath volumes, sidecar images and remote jars then end in deploy-time errors).
 */
import type { KubeObject } from "../../../lib/kube/resource.ts";

export type Doc = KubeObject & { spec: Record<string, unknown> };

export type FuzzKind = "FlinkDeployment" | "FlinkSessionJob" | "FlinkStateSnapshot";

export interface Seed {
  /** Which FKO example it follows. */
  readonly name: string;
  readonly kind: FuzzKind;
  build(ctx: SeedContext, name: string): Doc;
}

export interface SeedContext {
  readonly namespace: string;
  /** The run's session cluster, running before the first resource is applied. */
  readonly sessionCluster: string;
  /** The run's application cluster with a running job, for snapshots to reference. */
  readonly application: string;
  /** A jar the operator can fetch (file://). */
  readonly jarURI: string;
  /** A completed savepoint of the application, for `alreadyExists` snapshots and restores. */
  readonly savepointPath: string;
}

const API_VERSION = "flink.apache.org/v1beta1";

function stateDirs(ctx: SeedContext, name: string): Record<string, string> {
  const base = `file:///flink-data/${ctx.namespace}/${name}`;
  return {
    "state.savepoints.dir": `${base}/savepoints`,
    "state.checkpoints.dir": `${base}/checkpoints`,
  };
}

const resources = () => ({
  jobManager: { resources: { requests: { memory: "2048m", cpu: "1" } } },
  taskManager: { resources: { requests: { memory: "2048m", cpu: "1" } } },
});

/** FKO examples/basic.yaml. */
function basic(ctx: SeedContext, name: string): Doc {
  return {
    apiVersion: API_VERSION,
    kind: "FlinkDeployment",
    metadata: { name, namespace: ctx.namespace },
    spec: {
      image: "flink:1.20",
      flinkVersion: "v1_20",
      flinkConfiguration: { "taskmanager.numberOfTaskSlots": "2" },
      serviceAccount: "flink",
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

export const SEEDS: readonly Seed[] = [
  { name: "basic", kind: "FlinkDeployment", build: basic },
  {
    name: "basic-checkpoint-ha",
    kind: "FlinkDeployment",
    build: (ctx, name) => ({
      apiVersion: API_VERSION,
      kind: "FlinkDeployment",
      metadata: { name, namespace: ctx.namespace },
      spec: {
        image: "flink:2.2",
        flinkVersion: "v2_2",
        flinkConfiguration: {
          "taskmanager.numberOfTaskSlots": 2,
          state: {
            "savepoints.dir": stateDirs(ctx, name)["state.savepoints.dir"],
            "checkpoints.dir": stateDirs(ctx, name)["state.checkpoints.dir"],
          },
          "high-availability": {
            type: "kubernetes",
            storageDir: `file:///flink-data/${ctx.namespace}/${name}/ha`,
          },
          "execution.checkpointing.interval": "2 s",
          "kubernetes.operator.savepoint.format.type": "NATIVE",
        },
        serviceAccount: "flink",
        ...resources(),
        job: {
          jarURI: "local:///opt/flink/examples/streaming/StateMachineExample.jar",
          parallelism: 2,
          upgradeMode: "savepoint",
          state: "running",
          savepointTriggerNonce: 0,
        },
      },
    }),
  },
  {
    name: "basic-reactive",
    kind: "FlinkDeployment",
    build: (ctx, name) => ({
      apiVersion: API_VERSION,
      kind: "FlinkDeployment",
      metadata: { name, namespace: ctx.namespace },
      spec: {
        image: "flink:2.2",
        flinkVersion: "v2_2",
        flinkConfiguration: {
          "scheduler-mode": "REACTIVE",
          "taskmanager.numberOfTaskSlots": "2",
          ...stateDirs(ctx, name),
          "high-availability.type":
            "org.apache.flink.kubernetes.highavailability.KubernetesHaServicesFactory",
          "high-availability.storageDir": `file:///flink-data/${ctx.namespace}/${name}/ha`,
        },
        serviceAccount: "flink",
        ...resources(),
        job: {
          jarURI: "local:///opt/flink/examples/streaming/StateMachineExample.jar",
          parallelism: 2,
          upgradeMode: "savepoint",
          state: "running",
          savepointTriggerNonce: 0,
        },
        mode: "standalone",
      },
    }),
  },
  {
    name: "pod-template",
    kind: "FlinkDeployment",
    build: (ctx, name) => ({
      apiVersion: API_VERSION,
      kind: "FlinkDeployment",
      metadata: { name, namespace: ctx.namespace },
      spec: {
        image: "flink:2.2",
        flinkVersion: "v2_2",
        flinkConfiguration: { "taskmanager.numberOfTaskSlots": "2" },
        serviceAccount: "flink",
        podTemplate: {
          spec: {
            containers: [{
              name: "flink-main-container",
              volumeMounts: [
                { mountPath: "/opt/flink/log", name: "flink-logs" },
                { mountPath: "/opt/flink/downloads", name: "downloads" },
              ],
            }],
            volumes: [{ name: "flink-logs", emptyDir: {} }, { name: "downloads", emptyDir: {} }],
          },
        },
        jobManager: {
          resources: { requests: { memory: "2048m", cpu: "1" } },
          podTemplate: { metadata: { labels: { role: "jm" } } },
        },
        taskManager: { resources: { requests: { memory: "2048m", cpu: "1" } } },
        job: {
          jarURI: "local:///opt/flink/examples/streaming/StateMachineExample.jar",
          entryClass: "org.apache.flink.streaming.examples.statemachine.StateMachineExample",
          parallelism: 2,
        },
      },
    }),
  },
  {
    name: "basic-ingress",
    kind: "FlinkDeployment",
    build: (ctx, name) => {
      const doc = basic(ctx, name);
      doc.spec.ingress = { template: "{{name}}.{{namespace}}.flink.k8s.io" };
      return doc;
    },
  },
  {
    name: "custom-logging",
    kind: "FlinkDeployment",
    build: (ctx, name) => {
      const doc = basic(ctx, name);
      doc.spec.logConfiguration = {
        "log4j-console.properties": "rootLogger.level = DEBUG\n" +
          "rootLogger.appenderRef.file.ref = LogFile\n",
      };
      return doc;
    },
  },
  {
    name: "basic-session-deployment-only",
    kind: "FlinkDeployment",
    build: (ctx, name) => {
      const doc = basic(ctx, name);
      delete doc.spec.job;
      return doc;
    },
  },
  {
    name: "job-from-savepoint",
    kind: "FlinkDeployment",
    build: (ctx, name) => {
      const doc = basic(ctx, name);
      doc.spec.flinkConfiguration = {
        "taskmanager.numberOfTaskSlots": "2",
        ...stateDirs(ctx, name),
      };
      Object.assign(doc.spec.job as Record<string, unknown>, {
        upgradeMode: "savepoint",
        initialSavepointPath: ctx.savepointPath,
      });
      return doc;
    },
  },
  {
    name: "basic-session-job-only",
    kind: "FlinkSessionJob",
    build: (ctx, name) => ({
      apiVersion: API_VERSION,
      kind: "FlinkSessionJob",
      metadata: { name, namespace: ctx.namespace },
      spec: {
        deploymentName: ctx.sessionCluster,
        job: { jarURI: ctx.jarURI, parallelism: 4, upgradeMode: "stateless" },
      },
    }),
  },
  {
    name: "session-job-savepoint",
    kind: "FlinkSessionJob",
    build: (ctx, name) => ({
      apiVersion: API_VERSION,
      kind: "FlinkSessionJob",
      metadata: { name, namespace: ctx.namespace },
      spec: {
        deploymentName: ctx.sessionCluster,
        flinkConfiguration: stateDirs(ctx, name),
        job: {
          jarURI: ctx.jarURI,
          entryClass: "org.example.Counter",
          args: ["--mode", "fuzz"],
          parallelism: 1,
          upgradeMode: "savepoint",
        },
      },
    }),
  },
  {
    name: "snapshot/savepoint-job-full-spec",
    kind: "FlinkStateSnapshot",
    build: (ctx, name) => ({
      apiVersion: API_VERSION,
      kind: "FlinkStateSnapshot",
      metadata: { name, namespace: ctx.namespace },
      spec: {
        backoffLimit: 0,
        jobReference: { kind: "FlinkDeployment", name: ctx.application },
        savepoint: {
          alreadyExists: false,
          disposeOnDelete: true,
          formatType: "CANONICAL",
          path: `file:///flink-data/${ctx.namespace}/${name}/savepoints-custom`,
        },
      },
    }),
  },
  {
    name: "snapshot/checkpoint",
    kind: "FlinkStateSnapshot",
    build: (ctx, name) => ({
      apiVersion: API_VERSION,
      kind: "FlinkStateSnapshot",
      metadata: { name, namespace: ctx.namespace },
      spec: {
        backoffLimit: 0,
        jobReference: { kind: "FlinkDeployment", name: ctx.application },
        checkpoint: {},
      },
    }),
  },
  {
    name: "snapshot/savepoint-already-exists",
    kind: "FlinkStateSnapshot",
    build: (ctx, name) => ({
      apiVersion: API_VERSION,
      kind: "FlinkStateSnapshot",
      metadata: { name, namespace: ctx.namespace },
      spec: {
        savepoint: { alreadyExists: true, disposeOnDelete: false, path: ctx.savepointPath },
      },
    }),
  },
];

/** FKO's own example resources from a checkout's `examples/` directory, as extra seeds. */
export async function fkoExampleSeeds(dir: string): Promise<Seed[]> {
  const { parseAllDocuments } = await import("yaml");
  const seeds: Seed[] = [];
  for await (const file of walkYaml(dir)) {
    for (const doc of parseAllDocuments(await Deno.readTextFile(file))) {
      const obj = doc.toJS() as Doc | null;
      if (!obj || obj.apiVersion !== API_VERSION) continue;
      const kind = obj.kind as FuzzKind;
      if (!["FlinkDeployment", "FlinkSessionJob", "FlinkStateSnapshot"].includes(kind)) continue;
      seeds.push({
        name: `fko:${file.slice(dir.length + 1)}#${obj.metadata.name}`,
        kind,
        build: (ctx, name) => ({
          ...structuredClone(obj),
          metadata: { ...structuredClone(obj.metadata), name, namespace: ctx.namespace },
        }),
      });
    }
  }
  return seeds;
}

async function* walkYaml(dir: string): AsyncGenerator<string> {
  const entries = [];
  for await (const entry of Deno.readDir(dir)) entries.push(entry);
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* walkYaml(path);
    else if (/\.ya?ml$/.test(entry.name)) yield path;
  }
}
