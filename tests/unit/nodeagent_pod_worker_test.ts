import assert from "node:assert/strict";
import { PodWorker } from "../../cluster/nodeagent/pod_worker.ts";
import type { Pod, PodStatus } from "../../cluster/nodeagent/pod_types.ts";
import { eventually, testContext, testPod } from "./nodeagent_fakes.ts";

const condition = (status: PodStatus | undefined, type: string) =>
  status?.conditions?.find((c) => c.type === type)?.status;

function deleting(pod: Pod, graceSeconds: number): Pod {
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      deletionTimestamp: new Date().toISOString(),
      deletionGracePeriodSeconds: graceSeconds,
    },
  };
}

Deno.test("pod worker: runs a pod to Running and Ready with its own loopback address", async () => {
  await using t = await testContext();
  const pod = testPod({
    containers: [{
      name: "jm",
      image: "flink:1.20",
      command: ["/docker-entrypoint.sh"],
      args: ["jobmanager", "--host", "$(POD_IP)"],
      env: [{ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }],
    }],
  });
  const worker = new PodWorker(t.ctx, pod);
  worker.begin();

  const status = await eventually("Ready", () => {
    const s = t.status.latest.get(pod.metadata.uid!);
    return condition(s, "Ready") === "True" && s;
  });
  assert.equal(status.phase, "Running");
  assert.match(status.podIP!, /^127\.1\.0\.\d+$/);
  assert.deepEqual(status.podIPs, [{ ip: status.podIP }]);
  assert.equal(status.hostIP, "127.0.0.1");
  assert.ok(status.containerStatuses![0].state.running?.startedAt);
  assert.equal(status.containerStatuses![0].ready, true);
  assert.equal(condition(status, "Initialized"), "True");
  assert.equal(condition(status, "PodScheduled"), "True");

  const [container] = t.runtime.started;
  assert.equal(container.spec.podIP, status.podIP);
  assert.equal(container.spec.env.POD_IP, status.podIP);
  assert.deepEqual(container.spec.args, ["jobmanager", "--host", status.podIP]);
  assert.equal(container.spec.sharedFsRoot, `${t.stateDir}/host-fs`);
});

Deno.test("pod worker: readiness follows the runtime's ready() when no probe is declared", async () => {
  await using t = await testContext();
  t.runtime.onStart = (c) => c.isReady = false;
  const pod = testPod();
  new PodWorker(t.ctx, pod).begin();
  const uid = pod.metadata.uid!;
  await eventually("running", () => t.status.latest.get(uid)?.phase === "Running");
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(condition(t.status.latest.get(uid), "Ready"), "False");
  t.runtime.started[0].isReady = true;
  await eventually("ready", () => condition(t.status.latest.get(uid), "Ready") === "True", 2000);
});

Deno.test("pod worker: a crashing container backs off with CrashLoopBackOff and counts restarts", async () => {
  await using t = await testContext();
  t.runtime.onStart = (c) => c.exit({ exitCode: 1, reason: "Error", message: "boom" });
  const pod = testPod();
  new PodWorker(t.ctx, pod).begin();
  const uid = pod.metadata.uid!;

  const status = await eventually("CrashLoopBackOff with 2 restarts", () => {
    const cs = t.status.latest.get(uid)?.containerStatuses?.[0];
    return cs?.state.waiting?.reason === "CrashLoopBackOff" && cs.restartCount >= 2 &&
      t.status.latest.get(uid);
  });
  const cs = status.containerStatuses![0];
  assert.equal(cs.lastState.terminated?.exitCode, 1);
  assert.equal(cs.lastState.terminated?.message, "boom");
  assert.match(cs.state.waiting!.message!, /^back-off \d+ms restarting failed container=main/);
  assert.equal(status.phase, "Running"); // restartPolicy Always keeps restarting
  assert.ok(t.events.reasons().includes("BackOff"));
});

Deno.test("pod worker: restartPolicy Never ends in Failed, OnFailure success ends in Succeeded", async () => {
  await using t = await testContext();
  t.runtime.onStart = (c) =>
    c.exit(
      c.spec.podName === failing.metadata.name
        ? { exitCode: 2, reason: "Error" }
        : { exitCode: 0, reason: "Completed" },
    );
  const failing = testPod({ restartPolicy: "Never" });
  const succeeding = testPod({ restartPolicy: "OnFailure" });
  new PodWorker(t.ctx, failing).begin();
  new PodWorker(t.ctx, succeeding).begin();
  await eventually("Failed", () => t.status.latest.get(failing.metadata.uid!)?.phase === "Failed");
  await eventually(
    "Succeeded",
    () => t.status.latest.get(succeeding.metadata.uid!)?.phase === "Succeeded",
  );
  const done = t.status.latest.get(succeeding.metadata.uid!)!;
  assert.equal(done.containerStatuses![0].state.terminated?.reason, "Completed");
  assert.equal(done.containerStatuses![0].restartCount, 0);
  assert.equal(t.runtime.started.length, 2);
});

Deno.test("pod worker: an image no runtime accepts leaves the pod Pending with ErrImagePull", async () => {
  await using t = await testContext();
  const pod = testPod({
    containers: [{ name: "main", image: "flink:1.20" }, { name: "side", image: "busybox:1.36" }],
  });
  const worker = new PodWorker(t.ctx, pod);
  worker.begin();
  const uid = pod.metadata.uid!;
  const status = await eventually("ErrImagePull", () => {
    const s = t.status.latest.get(uid);
    return s?.containerStatuses?.[1].state.waiting?.reason === "ErrImagePull" && s;
  });
  assert.equal(status.phase, "Pending");
  assert.equal(
    status.containerStatuses![1].state.waiting!.message,
    'image "busybox:1.36" is not runnable on the local node agent: only Flink images run here (runtimes: fake)',
  );
  assert.equal(t.runtime.started.length, 0, "nothing in the pod starts");
  await eventually(
    "ImagePullBackOff",
    () =>
      t.status.latest.get(uid)?.containerStatuses?.[1].state.waiting?.reason ===
        "ImagePullBackOff",
  );

  // Images are mutable: fixing it lets the pod start.
  worker.update({
    ...pod,
    spec: {
      ...pod.spec,
      containers: [{ name: "main", image: "flink:1.20" }, { name: "side", image: "flink:1.20" }],
    },
  });
  await eventually("Running after image fix", () => t.status.latest.get(uid)?.phase === "Running");
});

Deno.test("pod worker: a missing ConfigMap volume blocks start with FailedMount until it appears", async () => {
  await using t = await testContext();
  const pod = testPod({
    volumes: [{ name: "conf", configMap: { name: "flink-config" } }],
    containers: [{
      name: "main",
      image: "flink:1.20",
      volumeMounts: [{ name: "conf", mountPath: "/opt/flink/conf" }],
    }],
  });
  new PodWorker(t.ctx, pod).begin();
  const uid = pod.metadata.uid!;
  await eventually("FailedMount", () => t.events.reasons().includes("FailedMount"));
  const waiting = t.status.latest.get(uid)!;
  assert.equal(waiting.phase, "Pending");
  assert.equal(waiting.containerStatuses![0].state.waiting?.reason, "ContainerCreating");
  assert.match(
    t.events.events.find((e) => e.reason === "FailedMount")!.message,
    /^MountVolume.SetUp failed for volume "conf" : configmap "flink-config" not found$/,
  );

  t.config.addConfigMap("ns", "flink-config", { "config.yaml": "rest.port: 8081\n" });
  await eventually("Running", () => t.status.latest.get(uid)?.phase === "Running");
  const mount = t.runtime.started[0].spec.mounts["/opt/flink/conf"];
  assert.equal(await Deno.readTextFile(`${mount}/config.yaml`), "rest.port: 8081\n");
});

Deno.test("pod worker: a missing env ConfigMap gives CreateContainerConfigError, then starts", async () => {
  await using t = await testContext();
  const pod = testPod({
    containers: [{
      name: "main",
      image: "flink:1.20",
      env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "cm", key: "x" } } }],
    }],
  });
  new PodWorker(t.ctx, pod).begin();
  const uid = pod.metadata.uid!;
  const status = await eventually("CreateContainerConfigError", () => {
    const s = t.status.latest.get(uid);
    return s?.containerStatuses?.[0].state.waiting?.reason === "CreateContainerConfigError" && s;
  });
  assert.equal(status.containerStatuses![0].state.waiting!.message, 'configmap "cm" not found');
  t.config.addConfigMap("ns", "cm", { x: "42" });
  await eventually("Running", () => t.status.latest.get(uid)?.phase === "Running");
  assert.equal(t.runtime.started[0].spec.env.X, "42");
  assert.equal(t.status.latest.get(uid)!.containerStatuses![0].restartCount, 0);
});

Deno.test("pod worker: init containers run in order before the main containers", async () => {
  await using t = await testContext();
  const order: string[] = [];
  t.runtime.onStart = (c) => {
    order.push(c.spec.containerName);
    if (c.spec.containerName.startsWith("init")) c.exit({ exitCode: 0, reason: "Completed" });
  };
  const pod = testPod({
    initContainers: [
      { name: "init-1", image: "flink:1.20" },
      { name: "init-2", image: "flink:1.20" },
    ],
  });
  new PodWorker(t.ctx, pod).begin();
  const uid = pod.metadata.uid!;
  const status = await eventually("Running", () => {
    const s = t.status.latest.get(uid);
    return s?.phase === "Running" && s;
  });
  assert.deepEqual(order, ["init-1", "init-2", "main"]);
  assert.equal(condition(status, "Initialized"), "True");
  assert.deepEqual(
    status.initContainerStatuses!.map((s) => s.state.terminated?.reason),
    ["Completed", "Completed"],
  );
});

Deno.test("pod worker: a failing init container under restartPolicy Never fails the pod", async () => {
  await using t = await testContext();
  t.runtime.onStart = (c) => c.exit({ exitCode: 3, reason: "Error" });
  const pod = testPod({
    restartPolicy: "Never",
    initContainers: [{ name: "init", image: "flink" }],
  });
  new PodWorker(t.ctx, pod).begin();
  const status = await eventually("Failed", () => {
    const s = t.status.latest.get(pod.metadata.uid!);
    return s?.phase === "Failed" && s;
  });
  assert.equal(condition(status, "Initialized"), "False");
  assert.equal(status.containerStatuses![0].state.waiting?.reason, "PodInitializing");
  assert.equal(t.runtime.started.length, 1);
});

Deno.test("pod worker: deletion stops containers, deletes the pod with grace 0, frees the address", async () => {
  await using t = await testContext();
  const pod = testPod();
  const worker = new PodWorker(t.ctx, pod);
  worker.begin();
  const uid = pod.metadata.uid!;
  await eventually("running", () => t.runtime.running().length === 1);
  const ip = worker.podIP;
  const podDir = t.ctx.layout.podDir(uid);
  await Deno.stat(podDir);

  worker.update(deleting(pod, 30));
  await eventually("finished", () => worker.stage === "finished");
  assert.equal(t.runtime.started[0].terminateCalls, 1);
  assert.deepEqual(t.kubeCalls.deletes, [{
    namespace: "ns",
    name: pod.metadata.name,
    opts: { gracePeriodSeconds: 0, preconditions: { uid } },
  }]);
  assert.equal(t.ctx.ips.addressOf(uid), undefined);
  assert.equal(t.ctx.ips.reserve(ip, "someone-else"), true, "address released");
  await assert.rejects(() => Deno.stat(podDir), Deno.errors.NotFound);
  assert.ok(t.events.reasons().includes("Killing"));
});

Deno.test("pod worker: a container ignoring SIGTERM is killed when the grace period ends", async () => {
  await using t = await testContext();
  t.runtime.onStart = (c) => c.honoursTerminate = false;
  const pod = testPod();
  const worker = new PodWorker(t.ctx, pod);
  worker.begin();
  await eventually("running", () => t.runtime.running().length === 1);
  const started = Date.now();
  worker.update(deleting(pod, 0.2));
  await eventually("finished", () => worker.stage === "finished");
  assert.ok(Date.now() - started >= 150, "waited for the grace period");
  assert.equal(
    t.status.latest.get(pod.metadata.uid!)?.containerStatuses?.[0].state.terminated?.exitCode,
    137,
  );
});

Deno.test("pod worker: a force-deleted pod is killed at once and not deleted again", async () => {
  await using t = await testContext();
  t.runtime.onStart = (c) => c.honoursTerminate = false;
  const pod = testPod();
  const worker = new PodWorker(t.ctx, pod);
  worker.begin();
  await eventually("running", () => t.runtime.running().length === 1);
  await worker.forceRemoved();
  assert.equal(worker.stage, "finished");
  assert.equal(t.runtime.running().length, 0);
  assert.deepEqual(t.kubeCalls.deletes, []);
});

Deno.test("pod worker: readinessProbe and startupProbe run against the pod's address", async () => {
  await using t = await testContext();
  let healthy = false;
  const pod = testPod({
    containers: [{
      name: "main",
      image: "flink:1.20",
      ports: [{ name: "rest", containerPort: 0 }],
      startupProbe: { httpGet: { path: "/config", port: "rest" }, periodSeconds: 1 },
      readinessProbe: { httpGet: { path: "/ready", port: "rest" }, periodSeconds: 1 },
    }],
  });
  const worker = new PodWorker(t.ctx, pod);
  // The probe targets podIP:port: serve there once the address is known.
  let server: Deno.HttpServer<Deno.NetAddr> | undefined;
  t.runtime.onStart = (c) => {
    server = Deno.serve(
      { hostname: c.spec.podIP, port: 0, onListen: () => {} },
      (req) =>
        new Response("", {
          status: new URL(req.url).pathname === "/config" || healthy ? 200 : 503,
        }),
    );
    pod.spec.containers[0].ports![0].containerPort = server.addr.port;
  };
  worker.begin();
  const uid = pod.metadata.uid!;
  await eventually("started", () => t.status.latest.get(uid)?.containerStatuses?.[0].started, 4000);
  assert.equal(condition(t.status.latest.get(uid), "Ready"), "False");
  healthy = true;
  await eventually("ready", () => condition(t.status.latest.get(uid), "Ready") === "True", 4000);
  await worker.forceRemoved();
  await server?.shutdown();
});

Deno.test("pod worker: hostNetwork pods use the node's address and allocate none", async () => {
  await using t = await testContext();
  const pod = testPod({ hostNetwork: true });
  const worker = new PodWorker(t.ctx, pod);
  worker.begin();
  const status = await eventually("Running", () => {
    const s = t.status.latest.get(pod.metadata.uid!);
    return s?.phase === "Running" && s;
  });
  assert.equal(status.podIP, "127.0.0.1");
  assert.equal(t.ctx.ips.inUse, 0);
  await worker.forceRemoved();
});

Deno.test("pod worker: after an agent restart running containers count as lost and restart", async () => {
  await using t = await testContext();
  const pod = testPod({}, {});
  pod.status = {
    phase: "Running",
    podIP: "127.1.0.42",
    startTime: "2025-01-01T00:00:00Z",
    conditions: [{ type: "Initialized", status: "True" }],
    containerStatuses: [{
      name: "main",
      image: "flink:1.20",
      imageID: "",
      ready: true,
      restartCount: 3,
      state: { running: { startedAt: "2025-01-01T00:00:01Z" } },
      lastState: {},
    }],
  };
  const worker = new PodWorker(t.ctx, pod);
  worker.claimPreviousAddress();
  worker.begin();
  const status = await eventually("restarted", () => {
    const s = t.status.latest.get(pod.metadata.uid!);
    return s?.containerStatuses?.[0].state.running && s;
  });
  assert.equal(status.podIP, "127.1.0.42", "keeps its address");
  assert.equal(status.startTime, "2025-01-01T00:00:00Z");
  const cs = status.containerStatuses![0];
  assert.equal(cs.restartCount, 4);
  assert.equal(cs.lastState.terminated?.reason, "ContainerStatusUnknown");
  await worker.forceRemoved();
});
