/**
 * The node agent's "real" runtime: real Flink JVMs (assembled from Maven Central) on the local
 * cluster. Few tests, one real cluster at a time: each JVM costs ~2 CPU-seconds to start.
 */
import assert from "node:assert/strict";
import type { KubeClient } from "../../lib/kube/client.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { ensureRealFlink } from "../../cluster/flink-real/dist.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { testStateDir } from "../support/cluster.ts";
import { startOperator } from "../support/operator.ts";
import { isRunningStable, jobCounter, jobManagerUrl, waitForFd } from "../support/flink.ts";
import { ON_REAL_FLINK, realApplication } from "../support/real_flink.ts";

interface PodView extends KubeObject {
  status?: {
    phase?: string;
    podIP?: string;
    containerStatuses?: {
      containerID?: string;
      state?: { terminated?: { reason?: string; message?: string; exitCode?: number } };
      lastState?: { terminated?: { reason?: string; message?: string } };
    }[];
  };
}

/** Where a `file:///<path>` of a pod lands on this machine (the node's shared file system). */
function hostPathOf(path: string): string {
  return `${testStateDir()}/nodeagent/host-fs${path}`;
}

async function podsOf(client: KubeClient, ns: string, selector: string): Promise<PodView[]> {
  return (await client.list<PodView>(Resources.pods, ns, { labelSelector: selector })).items;
}

async function overview(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/overview`);
  if (!res.ok) throw new Error(`GET ${url}/overview: ${res.status} ${await res.text()}`);
  return await res.json();
}

async function checkpointDirs(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const job of Deno.readDir(dir)) {
    for await (const entry of Deno.readDir(`${dir}/${job.name}`)) {
      if (entry.name.startsWith("chk-")) found.push(`${job.name}/${entry.name}`);
    }
  }
  return found;
}

/**
 * A standalone FlinkDeployment through the operator: pods on the real runtime, REST answering, the
 * TaskManager registered, the counter counting, checkpoints on the node's shared file system.
 */
function operatorSmokeTest(release: "1.20" | "2.2", flinkVersion: string): void {
  integrationTest(
    `real runtime: a standalone flink:${release} FlinkDeployment runs the counter job on real JVMs`,
    async ({ client, ns }) => {
      await ensureRealFlink();
      const op = await startOperator(client, ns);
      try {
        await client.create(FlinkDeployments, ns, realApplication(ns, "counter", { release }));
        await waitForFd(client, ns, "counter", "running", isRunningStable, 180_000);

        const pods = await podsOf(client, ns, "app=counter");
        assert.equal(pods.length, 2, "a JobManager and a TaskManager pod");
        for (const pod of pods) {
          assert.match(pod.status?.containerStatuses?.[0]?.containerID ?? "", /^real:\/\//);
        }
        const url = await jobManagerUrl(client, ns, "counter");
        // The job shows RUNNING as soon as it is scheduled, before its tasks have slots.
        const info = await waitFor(
          "the TaskManager to register with the JobManager",
          async () => {
            const o = await overview(url);
            return o["taskmanagers"] === 1 ? o : undefined;
          },
          { timeoutMs: 120_000, intervalMs: 500 },
        );
        assert.equal(info["flink-version"], flinkVersion);

        // Key 0's count, kept in keyed state, read through the REST API as the simulator's is.
        const first = await waitFor(
          "the counter to count",
          () => jobCounter(client, ns, "counter"),
          { timeoutMs: 60_000, intervalMs: 1000 },
        );
        await waitFor(
          "the counter to go on counting",
          async () => (await jobCounter(client, ns, "counter")) > first,
          { timeoutMs: 60_000, intervalMs: 1000 },
        );
        const checkpoints = await waitFor(
          "a checkpoint on the node's shared file system",
          () => checkpointDirs(hostPathOf(`/flink-data/${ns}/counter/checkpoints`)),
          { timeoutMs: 60_000, intervalMs: 1000 },
        );
        assert.ok(checkpoints.length > 0);
      } finally {
        await client.delete(FlinkDeployments, ns, "counter").catch(() => {});
        await waitFor(
          "the real cluster to be gone",
          async () => (await podsOf(client, ns, "app=counter")).length === 0,
          { timeoutMs: 60_000 },
        ).catch(() => {});
        await op.stop();
      }
    },
  );
}

operatorSmokeTest("1.20", "1.20.5");
operatorSmokeTest("2.2", "2.2.1");

integrationTest(
  "real runtime: flink:2.2 JobManager and TaskManager pods run an uploaded counter job",
  async ({ client, ns }) => {
    const [, home22] = await ensureRealFlink();
    const name = "s22";
    const labels = (component: string) => ({ app: name, component });
    const container = (args: string[]) => ({
      name: "flink-main-container",
      image: "flink:2.2",
      command: ["/docker-entrypoint.sh"],
      args,
      env: [{ name: "FLINK_PROPERTIES", value: "heartbeat.interval: 2000" }],
      volumeMounts: [{ name: "conf", mountPath: "/opt/flink/conf" }],
    });
    const deployment = (
      component: string,
      args: string[],
      annotations: { deployment?: Record<string, string>; pod?: Record<string, string> },
    ): KubeObject => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: component === "jobmanager" ? name : `${name}-${component}`,
        annotations: annotations.deployment,
      },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels(component) },
        template: {
          metadata: { labels: labels(component), annotations: annotations.pod },
          spec: {
            containers: [container(args)],
            volumes: [{ name: "conf", configMap: { name: `flink-config-${name}` } }],
          },
        },
      },
    });
    await client.create(Resources.configMaps, ns, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `flink-config-${name}` },
      data: {
        "config.yaml": [
          // How FKO's standalone mode names the JobManager: its Service.
          `jobmanager.rpc.address: ${name}.${ns}`,
          "blob.server.port: 6124",
          "taskmanager.rpc.port: 6122",
          "taskmanager.numberOfTaskSlots: 2",
          "jobmanager.memory.process.size: 768m",
          "taskmanager.memory.process.size: 1g",
          "taskmanager.memory.managed.fraction: 0.1",
          `execution.checkpointing.dir: file:///flink-data/${ns}/${name}/checkpoints`,
          "",
        ].join("\n"),
      },
    });
    await client.create(Resources.services, ns, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name },
      spec: {
        clusterIP: "None",
        selector: labels("jobmanager"),
        ports: [{ name: "rpc", port: 6123 }, { name: "blob", port: 6124 }],
      },
    });
    // One Deployment asks for real Flink on itself, the other on its pod template: both count.
    await client.create(
      Resources.deployments,
      ns,
      deployment("jobmanager", ["jobmanager"], { pod: ON_REAL_FLINK }),
    );
    await client.create(
      Resources.deployments,
      ns,
      deployment("taskmanager", ["taskmanager"], { deployment: ON_REAL_FLINK }),
    );

    const url = await waitFor("the JobManager pod's address", async () => {
      const [pod] = await podsOf(client, ns, `app=${name},component=jobmanager`);
      return pod?.status?.podIP ? `http://${pod.status.podIP}:8081` : undefined;
    });
    const info = await waitFor(
      "the TaskManager to register with the JobManager",
      async () => {
        const o = await overview(url);
        return o["taskmanagers"] === 1 ? o : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    assert.equal(info["flink-version"], "2.2.1");
    for (const pod of await podsOf(client, ns, `app=${name}`)) {
      assert.match(pod.status?.containerStatuses?.[0]?.containerID ?? "", /^real:\/\//);
    }

    const form = new FormData();
    form.append(
      "jarfile",
      new Blob([await Deno.readFile(home22.counterJar)], { type: "application/java-archive" }),
      "counter.jar",
    );
    const upload = await (await fetch(`${url}/jars/upload`, { method: "POST", body: form })).json();
    assert.equal(upload.status, "success", JSON.stringify(upload));
    const jarId = String(upload.filename).split("/").at(-1);
    const run = await fetch(`${url}/jars/${jarId}/run`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        parallelism: 2,
        programArgsList: ["--checkpointing-interval", "2000"],
      }),
    });
    const { jobid } = await run.json();
    assert.ok(jobid, `jar run answered ${run.status}`);
    const counter = async () => {
      const body = await (await fetch(`${url}/jobs/${jobid}/accumulators`)).json();
      const entry = body["user-task-accumulators"]?.find((a: { name: string }) =>
        a.name === "counter"
      );
      return Number(entry?.value ?? 0);
    };
    const first = await waitFor("the counter to count", counter, {
      timeoutMs: 60_000,
      intervalMs: 1000,
    });
    await waitFor("the counter to go on counting", async () => (await counter()) > first, {
      timeoutMs: 60_000,
      intervalMs: 1000,
    });
    await waitFor(
      "a checkpoint on the node's shared file system",
      () => checkpointDirs(hostPathOf(`/flink-data/${ns}/${name}/checkpoints`)),
      { timeoutMs: 60_000, intervalMs: 1000 },
    );
    await client.delete(Resources.deployments, ns, `${name}-taskmanager`);
    await client.delete(Resources.deployments, ns, name);
    await waitFor(
      "the real cluster to be gone",
      async () => (await podsOf(client, ns, `app=${name}`)).length === 0,
      { timeoutMs: 60_000 },
    );
  },
);

integrationTest(
  "real runtime: an unsupported image tag and native mode fail the container with the reason",
  async ({ client, ns }) => {
    const pod = (name: string, image: string, command: string[]) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, annotations: ON_REAL_FLINK },
      spec: { restartPolicy: "Never", containers: [{ name: "flink", image, command }] },
    });
    await client.create(
      Resources.pods,
      ns,
      pod("old", "flink:1.18", ["/docker-entrypoint.sh", "jobmanager"]),
    );
    await client.create(
      Resources.pods,
      ns,
      pod("native", "flink:1.20", [
        "bash",
        "-c",
        "kubernetes-jobmanager.sh kubernetes-application",
      ]),
    );
    const terminated = (name: string) =>
      waitFor(`pod ${name} to fail`, async () => {
        const p = await client.get<PodView>(Resources.pods, ns, name);
        return p?.status?.phase === "Failed"
          ? p.status.containerStatuses?.[0]?.state?.terminated
          : undefined;
      });
    const old = await terminated("old");
    assert.equal(old.reason, "StartError");
    assert.match(old.message ?? "", /Flink 1\.18.*flink:1\.20\*.*flink:2\.\*/);
    const native = await terminated("native");
    assert.equal(native.reason, "StartError");
    assert.match(native.message ?? "", /native Kubernetes mode.*spec\.mode: standalone/);
  },
);
