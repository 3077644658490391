/**
 * A standalone Flink session cluster — JobManager and TaskManager Deployments, their Service and
 * configuration, laid out as FKO's standalone mode lays them out — on the runtime of choice: the
 * same objects run on the simulator or on real Flink JVMs, so what differs is only the runtime.
 */
import type { KubeClient } from "../../../lib/kube/client.ts";
import { type KubeObject, Resources } from "../../../lib/kube/resource.ts";
import { RUNTIME_ANNOTATION } from "../../../cluster/nodeagent/runtime_selection.ts";
import { waitFor } from "../cluster.ts";

export type Release = "1.20" | "2.2";
export type RuntimeName = "sim" | "real";

export interface SessionCluster {
  name: string;
  restUrl: string;
  /** `file:///flink-data/<ns>/<name>/savepoints` */
  savepointDir: string;
  checkpointDir: string;
  /** Deletes the Deployments and waits until their pods are gone (real JVMs exited). */
  stop(): Promise<void>;
}

/** The configuration file of the release: flink-conf.yaml before 2.0 (as the operator writes). */
export function configFileName(release: Release): string {
  return release === "1.20" ? "flink-conf.yaml" : "config.yaml";
}

export async function startSessionCluster(
  client: KubeClient,
  ns: string,
  opts: { name: string; release: Release; runtime: RuntimeName },
): Promise<SessionCluster> {
  const { name, release, runtime } = opts;
  const base = `file:///flink-data/${ns}/${name}`;
  const labels = (component: string) => ({ app: name, component });
  const annotations = { [RUNTIME_ANNOTATION]: runtime };
  const configuration = [
    // How FKO's standalone mode names the JobManager: its Service.
    `jobmanager.rpc.address: ${name}.${ns}`,
    "blob.server.port: 6124",
    "taskmanager.rpc.port: 6122",
    "taskmanager.numberOfTaskSlots: 2",
    "jobmanager.memory.process.size: 768m",
    "taskmanager.memory.process.size: 1g",
    "taskmanager.memory.managed.fraction: 0.1",
    "heartbeat.interval: 2000",
    "cluster.registration.error-delay: 2 s",
    "",
  ].join("\n");
  await client.create(Resources.configMaps, ns, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `flink-config-${name}` },
    data: { [configFileName(release)]: configuration },
  });
  await client.create(Resources.services, ns, {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name },
    spec: {
      clusterIP: "None",
      selector: labels("jobmanager"),
      ports: [{ name: "rpc", port: 6123 }, { name: "blob", port: 6124 }, {
        name: "rest",
        port: 8081,
      }],
    },
  });
  const deployment = (component: string, args: string[]): KubeObject => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: component === "jobmanager" ? name : `${name}-${component}` },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels(component) },
      template: {
        metadata: { labels: labels(component), annotations },
        spec: {
          containers: [{
            name: `flink-main-container`,
            image: `flink:${release}`,
            command: ["/docker-entrypoint.sh"],
            args,
            volumeMounts: [{ name: "conf", mountPath: "/opt/flink/conf" }],
          }],
          volumes: [{ name: "conf", configMap: { name: `flink-config-${name}` } }],
        },
      },
    },
  });
  await client.create(Resources.deployments, ns, deployment("jobmanager", ["jobmanager"]));
  await client.create(Resources.deployments, ns, deployment("taskmanager", ["taskmanager"]));

  const podsOf = async () =>
    (await client.list<KubeObject & { status?: { podIP?: string } }>(Resources.pods, ns, {
      labelSelector: `app=${name}`,
    })).items;
  const restUrl = await waitFor(`the ${name} JobManager pod's address`, async () => {
    const pod = (await podsOf()).find((p) =>
      p.metadata.labels?.component === "jobmanager" && p.status?.podIP
    );
    return pod ? `http://${pod.status!.podIP}:8081` : undefined;
  }, { timeoutMs: 60_000, intervalMs: 200 });

  return {
    name,
    restUrl,
    savepointDir: `${base}/savepoints`,
    checkpointDir: `${base}/checkpoints`,
    async stop() {
      await client.delete(Resources.deployments, ns, `${name}-taskmanager`).catch(() => {});
      await client.delete(Resources.deployments, ns, name).catch(() => {});
      await waitFor(`the ${name} pods to be gone`, async () => (await podsOf()).length === 0, {
        timeoutMs: 60_000,
        intervalMs: 250,
      });
    },
  };
}
