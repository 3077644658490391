/**
 * The node agent survives an API server restart: its pod watch reconnects (resuming from its last
 * resourceVersion, or relisting), so pods created afterwards still get bound and run.
 */
import assert from "node:assert/strict";
import { Resources } from "../../lib/kube/resource.ts";
import type { Pod } from "../../cluster/nodeagent/pod_types.ts";
import { freshNamespace, restartApiServer, waitFor } from "../support/cluster.ts";

function jobManagerPod(name: string): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 2,
      containers: [{ name: "jm", image: "flink:1.20", args: ["jobmanager"] }],
    },
  };
}

const isReady = (pod: Pod | undefined) =>
  pod?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

Deno.test("node agent: keeps running pods and takes new ones after an API server restart", async () => {
  await using ns = await freshNamespace("na-reconnect");
  const { client, name: namespace } = ns;
  await client.create(Resources.pods, namespace, jobManagerPod("before"));
  const before = await waitFor("pod before the restart Ready", async () => {
    const pod = await client.get<Pod>(Resources.pods, namespace, "before");
    return isReady(pod) && pod;
  }, { timeoutMs: 60_000 });

  await restartApiServer();

  await client.create(Resources.pods, namespace, jobManagerPod("after"));
  const after = await waitFor("pod after the restart Ready", async () => {
    const pod = await client.get<Pod>(Resources.pods, namespace, "after");
    return isReady(pod) && pod;
  }, { timeoutMs: 90_000 });
  assert.notEqual(after.status!.podIP, before.status!.podIP);

  const still = await client.get<Pod>(Resources.pods, namespace, "before");
  assert.equal(still?.status?.containerStatuses?.[0].restartCount, 0, "untouched by the restart");
  const res = await fetch(`http://${before.status!.podIP}:8081/overview`);
  assert.equal(res.status, 200);
  await res.body?.cancel();
});
