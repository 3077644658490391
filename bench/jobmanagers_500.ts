/**
 * nodeagent.500-jobmanagers: 500 Deployments, each running one simulated Flink 1.20 session
 * JobManager (args ["jobmanager"], config.yaml from a ConfigMap mounted at /opt/flink/conf), in
 * the bench cluster. Times the first create until all 500 pods are Ready (so it includes the
 * Deployment and ReplicaSet controllers, the node agent binding and starting every pod and each
 * JobManager's REST endpoint coming up), and reads the node agent's memory and CPU from /proc.
 * Afterwards the namespace is deleted and we wait, bounded, until the pods are gone, so the next
 * benchmark starts on a quiet cluster.
 */
import type { KubeClient } from "../lib/kube/client.ts";
import { type KubeObject, Resources } from "../lib/kube/resource.ts";
import { Store } from "../lib/runtime/store.ts";
import { Watcher } from "../lib/runtime/watcher.ts";
import { freshNamespace } from "../tests/support/cluster.ts";
import { type Benchmark, newResult } from "./benchmark.ts";
import { runBounded } from "./pool.ts";
import { readCpuMs, readMemory } from "./proc_status.ts";
import { megabytes, seconds } from "./result.ts";

const COUNT = 500;
const IN_FLIGHT = 50;
const READY_TIMEOUT_MS = 300_000;
const TEARDOWN_TIMEOUT_MS = 180_000;
const IDLE_SAMPLE_MS = 5_000;
const LABEL = "bench.flinkop.dev/jobmanagers";

interface Pod extends KubeObject {
  status?: { conditions?: { type: string; status: string }[] };
}

export const jobManagers500: Benchmark = {
  name: "nodeagent.500-jobmanagers",
  description: `${COUNT} Deployments of a simulated session JobManager until all pods are Ready`,
  async run({ cluster }) {
    const result = newResult("nodeagent.500-jobmanagers");
    const client = await cluster.client();
    const agentPid = await cluster.nodeAgentPid();
    const ns = await freshNamespace("bench-jobmanagers", { client });
    const stop = new AbortController();
    let namespaceDeleted = false;
    try {
      await client.create(Resources.configMaps, ns.name, flinkConfig(ns.name));
      const pods = watchReadiness(client, ns.name, stop.signal);
      await pods.synced;

      const idleRss = readMemory(agentPid).rssKb;
      const cpuBefore = readCpuMs(agentPid);
      const started = performance.now();
      await runBounded(
        COUNT,
        IN_FLIGHT,
        (i) => client.create(Resources.deployments, ns.name, jobManager(ns.name, i)),
      );
      const createdMs = performance.now() - started;
      await pods.allReady(COUNT, READY_TIMEOUT_MS);
      const readyMs = performance.now() - started;
      const rampCpuMs = readCpuMs(agentPid) - cpuBefore;
      const atReady = readMemory(agentPid);

      // What 500 idle JobManagers cost the agent once everything settled.
      const idleCpuBefore = readCpuMs(agentPid);
      await new Promise((r) => setTimeout(r, IDLE_SAMPLE_MS));
      const idleCpuPct = (readCpuMs(agentPid) - idleCpuBefore) / IDLE_SAMPLE_MS * 100;
      const settled = readMemory(agentPid);

      result.figures.push(
        { label: "all Ready", value: seconds(readyMs) },
        { label: "pods/s", value: (COUNT / (readyMs / 1000)).toFixed(1) },
        {
          label: "agent RSS",
          value: `${megabytes(settled.rssKb)} with ${COUNT} JobManagers (${
            megabytes(idleRss)
          } before, peak ${megabytes(Math.max(atReady.peakRssKb, settled.peakRssKb))})`,
        },
        {
          label: "agent CPU",
          value: `${seconds(rampCpuMs)} for the ramp, ${idleCpuPct.toFixed(1)} % of a core idle`,
        },
      );
      result.notes.push(
        `creating the ${COUNT} Deployments (${IN_FLIGHT} in flight) took ${
          seconds(createdMs)
        } of ` +
          "the time to all Ready; RSS read from /proc/<node agent pid>/status (VmRSS, VmHWM); " +
          `idle CPU sampled over ${IDLE_SAMPLE_MS / 1000} s after all were Ready`,
      );

      const teardownStarted = performance.now();
      await ns[Symbol.asyncDispose]();
      namespaceDeleted = true;
      const gone = await pods.allGone(TEARDOWN_TIMEOUT_MS);
      const teardownMs = performance.now() - teardownStarted;
      result.figures.push({
        label: "teardown",
        value: gone ? seconds(teardownMs) : `pods left after ${seconds(teardownMs)}`,
      });
      result.notes.push(
        `teardown: namespace deleted until no pod is left; agent RSS afterwards ${
          megabytes(readMemory(agentPid).rssKb)
        }`,
      );
    } finally {
      stop.abort();
      if (!namespaceDeleted) await ns[Symbol.asyncDispose]();
    }
    return result;
  },
};

/** Counts Ready pods of the namespace through a watch and lets callers wait for a number. */
function watchReadiness(client: KubeClient, namespace: string, signal: AbortSignal) {
  const store = new Store<Pod>();
  const ready = new Set<string>();
  let changed: () => void = () => {};
  const update = (pod: Pod, deleted: boolean) => {
    const uid = pod.metadata.uid!;
    const isReady = !deleted && !pod.metadata.deletionTimestamp &&
      pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    if (isReady) ready.add(uid);
    else ready.delete(uid);
    changed();
  };
  const watcher = new Watcher<Pod>({
    client,
    type: Resources.pods,
    namespace,
    labelSelector: LABEL,
    store,
    onApply: (pod) => update(pod, false),
    onDelete: (pod) => update(pod, true),
  });
  void watcher.run(signal);
  const until = (done: () => boolean, timeoutMs: number) =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      changed = () => {
        if (!done()) return;
        clearTimeout(timer);
        changed = () => {};
        resolve(true);
      };
      changed();
    });
  return {
    synced: watcher.synced,
    async allReady(count: number, timeoutMs: number): Promise<void> {
      if (!await until(() => ready.size >= count, timeoutMs)) {
        throw new Error(`only ${ready.size} of ${count} pods Ready after ${timeoutMs / 1000} s`);
      }
    },
    allGone: (timeoutMs: number) => until(() => store.size === 0, timeoutMs),
  };
}

function flinkConfig(namespace: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "jobmanager-config", namespace },
    data: {
      "config.yaml": [
        "jobmanager.rpc.address: localhost",
        "jobmanager.rpc.port: 6123",
        "jobmanager.memory.process.size: 1600m",
        "rest.port: 8081",
        "taskmanager.numberOfTaskSlots: 2",
        "parallelism.default: 1",
        "",
      ].join("\n"),
    },
  };
}

function jobManager(namespace: string, index: number): KubeObject {
  const name = `jm-${String(index).padStart(3, "0")}`;
  const labels = { app: name, [LABEL]: "true" };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 5,
          containers: [{
            name: "flink-main-container",
            image: "flink:1.20",
            args: ["jobmanager"],
            ports: [{ name: "rest", containerPort: 8081 }],
            volumeMounts: [{ name: "flink-config", mountPath: "/opt/flink/conf" }],
          }],
          volumes: [{ name: "flink-config", configMap: { name: "jobmanager-config" } }],
        },
      },
    },
  } as KubeObject;
}
