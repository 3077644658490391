/**
 * FlinkDeployments that run on real Flink JVMs (the node agent's "real" runtime, cluster/flink-real)
 * instead of the simulator, with the counter job every release's image home carries.
 */
import type { FlinkDeploymentInput } from "../../lib/api/flink_deployment.ts";
import type { KubeObject } from "../../lib/kube/resource.ts";
import {
  COUNTER_ENTRY_CLASS,
  COUNTER_EXAMPLE_JAR_IN_IMAGE,
} from "../../cluster/flink-real/dist.ts";
import { RUNTIME_ANNOTATION } from "../../cluster/nodeagent/runtime_selection.ts";

/** Pod (template) annotations that put a pod on real Flink whatever the node agent's default. */
export const ON_REAL_FLINK = { [RUNTIME_ANNOTATION]: "real" };

export const REAL_IMAGES = {
  "1.20": { image: "flink:1.20", flinkVersion: "v1_20" },
  "2.2": { image: "flink:2.2", flinkVersion: "v2_2" },
} as const;

/**
 * A standalone application running the counter job (`local:///opt/flink/examples/counter.jar`;
 * usrlib/ is covered by the JobManager's user-lib emptyDir in standalone application mode, as on a
 * real node). Checkpoints and savepoints go under `file:///flink-data/<ns>/<name>/`, i.e.
 * `<state dir>/nodeagent/host-fs/flink-data/…` on the host. A 2 s heartbeat makes the `counter`
 * accumulator (key 0's count, see jobCounter) current within seconds; a 2 s registration retry
 * spares a TaskManager that started before its JobManager Flink's default 10 s wait.
 */
export function realApplication(
  namespace: string,
  name: string,
  opts: {
    release?: keyof typeof REAL_IMAGES;
    upgradeMode?: "stateless" | "savepoint" | "last-state";
    flinkConfiguration?: Record<string, string>;
    job?: Record<string, unknown>;
    extra?: Record<string, unknown>;
  } = {},
): KubeObject {
  const base = `file:///flink-data/${namespace}/${name}`;
  const spec: FlinkDeploymentInput["spec"] = {
    ...REAL_IMAGES[opts.release ?? "1.20"],
    mode: "standalone",
    serviceAccount: "flink",
    podTemplate: { metadata: { annotations: ON_REAL_FLINK } },
    flinkConfiguration: {
      "taskmanager.numberOfTaskSlots": "2",
      "taskmanager.memory.managed.fraction": "0.1",
      "execution.checkpointing.dir": `${base}/checkpoints`,
      "execution.checkpointing.savepoint-dir": `${base}/savepoints`,
      "execution.checkpointing.interval": "2 s",
      "heartbeat.interval": "2000",
      // A TaskManager that starts before its JobManager retries after this (default 10 s).
      "cluster.registration.error-delay": "2 s",
      ...opts.flinkConfiguration,
    },
    jobManager: { resource: { memory: "1024m", cpu: 0.5 } },
    taskManager: { resource: { memory: "1024m", cpu: 0.5 } },
    job: {
      jarURI: `local://${COUNTER_EXAMPLE_JAR_IN_IMAGE}`,
      entryClass: COUNTER_ENTRY_CLASS,
      parallelism: 2,
      upgradeMode: opts.upgradeMode ?? "stateless",
      state: "running",
      ...opts.job,
    },
    ...opts.extra,
  };
  return {
    apiVersion: "flink.apache.org/v1beta1",
    kind: "FlinkDeployment",
    metadata: { name, namespace },
    spec,
  } as KubeObject;
}
