import type { KubeClient } from "../lib/kube/client.ts";
import { type KubeObject, Resources, type ResourceType } from "../lib/kube/resource.ts";

/**
 * What `deno task demo` deploys and watches. The demo only needs to apply something and know
 * which pods are JobManagers; today that is a plain Deployment, later a FlinkDeployment handled
 * by a running operator (a second implementation of this interface).
 */
export interface DemoWorkload {
  /** One line for the progress view, e.g. "plain Deployment running a Flink 1.20 JobManager". */
  description: string;
  namespace: string;
  /** Creates or updates the workload's objects; safe to call on every demo start. */
  apply(client: KubeClient): Promise<void>;
  /** Label selector of the JobManager pods whose REST API the demo polls. */
  jobManagerSelector: string;
  /** Flink's REST port in the JobManager pod. */
  restPort: number;
}

const NAME = "flink-demo";
const FIELD_MANAGER = "flinkop-demo";

/** A Flink 1.20 JobManager as an apps/v1 Deployment with its config in a ConfigMap. */
export function plainJobManagerWorkload(namespace: string): DemoWorkload {
  const labels = { app: NAME, component: "jobmanager" };
  const restPort = 8081;
  const configMap = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `${NAME}-config`, namespace, labels: { app: NAME } },
    data: {
      // Flink 1.19+ standard YAML (config.yaml), nested keys as Flink's docs show them.
      "config.yaml": [
        "jobmanager:",
        "  rpc:",
        `    address: ${NAME}-jobmanager`,
        "    port: 6123",
        "  memory:",
        "    process:",
        "      size: 1600m",
        "taskmanager:",
        "  numberOfTaskSlots: 2",
        "rest:",
        `  port: ${restPort}`,
        "parallelism:",
        "  default: 1",
        "",
      ].join("\n"),
    },
  };
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: `${NAME}-jobmanager`, namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{
            name: "flink-main-container",
            image: "flink:1.20",
            args: ["jobmanager"],
            ports: [
              { name: "rest", containerPort: restPort },
              { name: "jobmanager-rpc", containerPort: 6123 },
            ],
            volumeMounts: [{ name: "flink-config", mountPath: "/opt/flink/conf" }],
          }],
          volumes: [{ name: "flink-config", configMap: { name: `${NAME}-config` } }],
        },
      },
    },
  };
  return {
    description: "plain Deployment running a Flink 1.20 JobManager (flink:1.20, args jobmanager)",
    namespace,
    jobManagerSelector: `app=${labels.app},component=${labels.component}`,
    restPort,
    async apply(client) {
      await serverSideApply(client, Resources.configMaps, configMap);
      await serverSideApply(client, Resources.deployments, deployment);
    },
  };
}

async function serverSideApply(
  client: KubeClient,
  type: ResourceType,
  obj: KubeObject,
): Promise<void> {
  await client.patch(type, obj.metadata.namespace, obj.metadata.name!, obj, "apply", {
    fieldManager: FIELD_MANAGER,
    force: true,
  });
}
