/**
 * The node agent on the real local cluster: binding, addresses, status, volumes, restarts and
 * deletion of pods created through ordinary Deployments, with the Flink simulator as runtime.
 */
import assert from "node:assert/strict";
import type { KubeClient } from "../../lib/kube/client.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { parseQuantity } from "../../cluster/nodeagent/downward_api.ts";
import type { Pod, PodStatus } from "../../cluster/nodeagent/pod_types.ts";
import { freshNamespace, waitFor, withTestClient } from "../support/cluster.ts";
import { testPodCidr } from "../support/pod_network.ts";

const NODE = "flinkop-node-0";

interface DeploymentOptions {
  image?: string;
  args?: string[];
  replicas?: number;
  annotations?: Record<string, string>;
  volumes?: unknown[];
  volumeMounts?: unknown[];
}

async function createDeployment(
  client: KubeClient,
  namespace: string,
  name: string,
  opts: DeploymentOptions = {},
): Promise<void> {
  await client.create(Resources.deployments, namespace, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas: opts.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations: opts.annotations },
        spec: {
          terminationGracePeriodSeconds: 5,
          volumes: opts.volumes,
          containers: [{
            name: "flink-main-container",
            image: opts.image ?? "flink:1.20",
            args: opts.args ?? ["jobmanager"],
            ports: [{ name: "rest", containerPort: 8081 }],
            volumeMounts: opts.volumeMounts,
          }],
        },
      },
    },
  });
}

async function podsOf(client: KubeClient, namespace: string, app: string): Promise<Pod[]> {
  const list = await client.list<Pod>(Resources.pods, namespace, { labelSelector: `app=${app}` });
  return list.items;
}

const condition = (status: PodStatus | undefined, type: string) =>
  status?.conditions?.find((c) => c.type === type)?.status;

async function readyPods(client: KubeClient, namespace: string, app: string, count = 1) {
  return await waitFor(`${count} Ready pod(s) of ${app}`, async () => {
    const pods = (await podsOf(client, namespace, app)).filter((p) =>
      condition(p.status, "Ready") === "True" && !p.metadata.deletionTimestamp
    );
    return pods.length === count && pods;
  }, { timeoutMs: 60_000 });
}

async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200, `GET ${url}`);
  return await res.json();
}

Deno.test("node agent: the Node is registered Ready with room for 1000 pods", async () => {
  await withTestClient(async (client) => {
    const node = await client.get<KubeObject>(Resources.nodes, undefined, NODE);
    assert.ok(node, `Node ${NODE} exists`);
    const status = node.status as {
      conditions: { type: string; status: string; lastHeartbeatTime: string }[];
      allocatable: Record<string, string>;
      addresses: { type: string; address: string }[];
    };
    const ready = status.conditions.find((c) => c.type === "Ready")!;
    assert.equal(ready.status, "True");
    assert.ok(Date.now() - Date.parse(ready.lastHeartbeatTime) < 60_000, "recent heartbeat");
    // The API server canonicalises quantities ("2000" comes back as "2k").
    assert.ok(parseQuantity(status.allocatable.pods) >= 1000, status.allocatable.pods);
    assert.deepEqual(
      status.addresses.find((a) => a.type === "InternalIP"),
      { type: "InternalIP", address: "127.0.0.1" },
    );
    const lease = await client.get<KubeObject>(Resources.leases, "kube-node-lease", NODE);
    assert.ok(lease, "node lease exists");
  });
});

Deno.test("node agent: a Flink Deployment gets Running, Ready pods with their own REST address", async () => {
  await using ns = await freshNamespace("na-run");
  const { client, name: namespace } = ns;
  await createDeployment(client, namespace, "jm", { replicas: 2 });
  const pods = await readyPods(client, namespace, "jm", 2);

  const ips = pods.map((p) => p.status!.podIP!);
  assert.notEqual(ips[0], ips[1], "each pod has its own address");
  for (const pod of pods) {
    assert.equal(pod.spec.nodeName, NODE);
    assert.equal(pod.status!.phase, "Running");
    assert.equal(pod.status!.hostIP, "127.0.0.1");
    assert.deepEqual(pod.status!.podIPs, [{ ip: pod.status!.podIP }]);
    assert.equal(condition(pod.status, "PodScheduled"), "True");
    assert.equal(condition(pod.status, "Initialized"), "True");
    assert.equal(condition(pod.status, "ContainersReady"), "True");
    const ready = pod.status!.conditions!.find((c) => c.type === "Ready")!;
    assert.equal(ready.reason, undefined, "no stale reason once Ready");
    const cs = pod.status!.containerStatuses![0];
    assert.equal(cs.ready, true);
    assert.equal(cs.restartCount, 0);
    assert.ok(cs.state.running?.startedAt);
    // Both JobManagers serve REST on :8081, each on its own address.
    const overview = await getJson(`http://${pod.status!.podIP}:8081/overview`);
    assert.equal(typeof overview["flink-version"], "string");
  }

  const events = await client.list<KubeObject & { reason: string }>(Resources.events, namespace, {
    fieldSelector: `involvedObject.name=${pods[0].metadata.name}`,
  });
  const reasons = events.items.map((e) => e.reason);
  assert.ok(reasons.includes("Scheduled"), `events: ${reasons}`);
  assert.ok(reasons.includes("Started"), `events: ${reasons}`);
});

// Loopback pod addresses cannot be published (EndpointSlice validation refuses 127.x), so the
// cluster runs no endpoint controllers then; `deno task test` as root gives pods a pod CIDR.
Deno.test({
  name: "node agent: the endpointslice controller sees the pod address",
  ignore: testPodCidr() === undefined,
}, async () => {
  await using ns = await freshNamespace("na-eps");
  const { client, name: namespace } = ns;
  await createDeployment(client, namespace, "jm");
  await client.create(Resources.services, namespace, {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "jm-rest" },
    spec: { selector: { app: "jm" }, ports: [{ name: "rest", port: 8081 }] },
  });
  const [pod] = await readyPods(client, namespace, "jm");
  const ip = pod.status!.podIP!;
  assert.ok(!ip.startsWith("127."), `pod address ${ip} is in the pod CIDR`);

  const slice = await waitFor(`EndpointSlice of jm-rest listing ${ip}`, async () => {
    const slices = await client.list<KubeObject & { endpoints?: unknown[] }>(
      Resources.endpointSlices,
      namespace,
      { labelSelector: "kubernetes.io/service-name=jm-rest" },
    );
    return slices.items.find((s) =>
      (s.endpoints as { addresses: string[] }[] | undefined)?.some((e) => e.addresses.includes(ip))
    );
  });
  const endpoint = (slice.endpoints as {
    addresses: string[];
    conditions: { ready: boolean };
    nodeName: string;
  }[]).find((e) => e.addresses.includes(ip))!;
  assert.equal(endpoint.conditions.ready, true);
  assert.equal(endpoint.nodeName, NODE);
});

Deno.test("node agent: a non-Flink image waits with a clear ErrImagePull reason", async () => {
  await using ns = await freshNamespace("na-image");
  const { client, name: namespace } = ns;
  await createDeployment(client, namespace, "web", { image: "nginx:1.27", args: [] });
  const waiting = await waitFor("ErrImagePull / ImagePullBackOff", async () => {
    const [pod] = await podsOf(client, namespace, "web");
    const state = pod?.status?.containerStatuses?.[0]?.state.waiting;
    return state && ["ErrImagePull", "ImagePullBackOff"].includes(state.reason) && { pod, state };
  });
  assert.match(
    waiting.state.message!,
    // The agent loads both runtimes; "real" may show as unavailable (with its reason) here.
    /^image "nginx:1\.27" is not runnable on the local node agent: only Flink images run here \(runtimes: sim, real\b/,
  );
  assert.equal(waiting.pod.status!.phase, "Pending");
});

Deno.test("node agent: a crashing JobManager goes into CrashLoopBackOff and restarts", async () => {
  await using ns = await freshNamespace("na-crash");
  const { client, name: namespace } = ns;
  await createDeployment(client, namespace, "crash", {
    annotations: { "sim.flinkop.dev/jobmanager-crash": "true" },
  });
  // Restarts 1 is immediate, 2 follows the first back-off (10 s unless the agent runs with a
  // smaller --crash-backoff-base-ms).
  const pod = await waitFor("CrashLoopBackOff with restartCount >= 2", async () => {
    const [p] = await podsOf(client, namespace, "crash");
    const cs = p?.status?.containerStatuses?.[0];
    return cs?.state.waiting?.reason === "CrashLoopBackOff" && cs.restartCount >= 2 && p;
  }, { timeoutMs: 90_000 });
  const cs = pod.status!.containerStatuses![0];
  assert.notEqual(cs.lastState.terminated?.exitCode, 0);
  assert.match(cs.state.waiting!.message!, /^back-off \d+m?s restarting failed container=/);
  assert.equal(pod.status!.phase, "Running");
  assert.equal(condition(pod.status, "Ready"), "False");
});

Deno.test("node agent: a ConfigMap volume reaches the container; a missing one is waited for", async () => {
  await using ns = await freshNamespace("na-volume");
  const { client, name: namespace } = ns;
  await createDeployment(client, namespace, "conf", {
    volumes: [{ name: "flink-config", configMap: { name: "flink-config" } }],
    volumeMounts: [{ name: "flink-config", mountPath: "/opt/flink/conf" }],
  });
  const event = await waitFor("FailedMount event", async () => {
    const events = await client.list<KubeObject & { reason: string; message: string }>(
      Resources.events,
      namespace,
    );
    return events.items.find((e) => e.reason === "FailedMount");
  });
  assert.match(event.message, /configmap "flink-config" not found/);
  const [pending] = await podsOf(client, namespace, "conf");
  assert.equal(pending.status?.phase, "Pending");

  // The simulated JobManager reads its REST port from the mounted config.yaml (and, as Flink,
  // refuses to start without a memory size there).
  await client.create(Resources.configMaps, namespace, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "flink-config" },
    data: { "config.yaml": "rest.port: 8089\njobmanager.memory.process.size: 1600m\n" },
  });
  const [pod] = await readyPods(client, namespace, "conf");
  const overview = await getJson(`http://${pod.status!.podIP}:8089/overview`);
  assert.equal(typeof overview["flink-version"], "string");
});

Deno.test("node agent: deleting a pod stops it, removes it and frees its address", async () => {
  await using ns = await freshNamespace("na-delete");
  const { client, name: namespace } = ns;
  await client.create(Resources.pods, namespace, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "jm", labels: { app: "jm" } },
    spec: {
      terminationGracePeriodSeconds: 5,
      containers: [{ name: "jm", image: "flink:1.20", args: ["jobmanager"] }],
    },
  });
  const [pod] = await readyPods(client, namespace, "jm");
  const ip = pod.status!.podIP!;
  await getJson(`http://${ip}:8081/overview`);

  const started = Date.now();
  await client.delete(Resources.pods, namespace, "jm");
  await waitFor(
    "pod gone from the API",
    async () => !(await client.get(Resources.pods, namespace, "jm")),
    {
      timeoutMs: 20_000,
    },
  );
  assert.ok(Date.now() - started < 15_000, "the agent deleted it without waiting out a timeout");
  await assert.rejects(fetch(`http://${ip}:8081/overview`, { signal: AbortSignal.timeout(2000) }));
});

Deno.test("node agent: annotations on the owning Deployment reach the runtime live", async () => {
  await using ns = await freshNamespace("na-owner");
  const { client, name: namespace } = ns;
  await createDeployment(client, namespace, "jm");
  const [pod] = await readyPods(client, namespace, "jm");
  // Set on the Deployment, two owners up from the pod (Deployment -> ReplicaSet -> Pod); the
  // template does not change, so no rollout: the running JobManager itself must crash.
  await client.patch(Resources.deployments, namespace, "jm", {
    metadata: { annotations: { "sim.flinkop.dev/jobmanager-crash": "true" } },
  });
  const crashed = await waitFor("a restart caused by the Deployment annotation", async () => {
    const p = await client.get<Pod>(Resources.pods, namespace, pod.metadata.name!);
    const cs = p?.status?.containerStatuses?.[0];
    return cs && cs.restartCount >= 1 && cs;
  }, { timeoutMs: 30_000 });
  assert.match(crashed.lastState.terminated?.message ?? "", /crash/i);
});
