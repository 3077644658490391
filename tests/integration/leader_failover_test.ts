/**
 * Leader failover in the middle of a savepoint upgrade (FKO's e2e test_flink_operator_ha): two
 * operator replicas elect a leader through a Lease; the leader is SIGKILLed while its
 * stop-with-savepoint is in flight; the standby takes the lease once it expired and finishes the
 * upgrade from what the leader wrote ahead in status — one savepoint, one new job.
 */
import assert from "node:assert/strict";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { prepareNamespace } from "../support/operator.ts";
import { type OperatorProcess, spawnOperator } from "../support/operator_process.ts";
import { testStateDir } from "../support/cluster.ts";
import {
  application,
  type Fd,
  getFd,
  isRunningStable,
  jobCounter,
  jobManagerUrl,
  patchSpec,
  upgradeSnapshots,
  waitForFd,
} from "../support/flink.ts";

const LEASE = "flinkop-failover";
const LEASE_DURATION_MS = 4000;
const RETRY_PERIOD_MS = 500;

interface Lease extends KubeObject {
  spec?: { holderIdentity?: string; renewTime?: string; acquireTime?: string };
}

integrationTest(
  "leader failover: the leader is killed mid savepoint upgrade; the standby finishes it once",
  async ({ client, ns }) => {
    await prepareNamespace(client, ns);
    const settings = {
      "kubernetes.operator.leader-election.enabled": "true",
      "kubernetes.operator.leader-election.lease-name": LEASE,
      "kubernetes.operator.leader-election.lease-duration": `${LEASE_DURATION_MS} ms`,
      "kubernetes.operator.leader-election.renew-deadline": "3 s",
      "kubernetes.operator.leader-election.retry-period": `${RETRY_PERIOD_MS} ms`,
    };
    const replicas = new Map<string, OperatorProcess>();
    const spawn = async (identity: string) =>
      replicas.set(
        identity,
        await spawnOperator(ns, { settings, env: { OPERATOR_NAMESPACE: ns, HOSTNAME: identity } }),
      );
    const lease = () => client.get<Lease>(Resources.leases, ns, LEASE);
    try {
      await spawn("replica-a");
      await waitFor(
        "replica-a to lead",
        async () => (await lease())?.spec?.holderIdentity === "replica-a",
      );
      await spawn("replica-b");

      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "ha", { upgradeMode: "savepoint" }),
      );
      const before = await waitForFd(client, ns, "ha", "running", isRunningStable);
      await waitFor("some state", async () => (await jobCounter(client, ns, "ha")) >= 10);
      const oldJob = before.status!.jobStatus!.jobId!;
      assert.equal((await lease())?.spec?.holderIdentity, "replica-a", "replica-b stayed standby");
      assert.doesNotMatch(replicas.get("replica-b")!.output, /acquired leader lease/);

      // Slow every JobManager answer, so the stop-with-savepoint is still in flight when the
      // leader dies; then upgrade, and kill the leader once it wrote the savepoint trigger.
      await setRestDelay(client, ns, "1500");
      await patchSpec(client, ns, "ha", { job: { args: ["--after-failover"] } });
      const triggered = await waitFor("the savepoint trigger written ahead", async () => {
        const fd = await getFd(client, ns, "ha");
        return fd?.status?.jobStatus?.savepointInfo?.triggerId ? fd : undefined;
      }, { intervalMs: 50 });
      const counterAtTrigger = await jobCounter(client, ns, "ha");
      const killed = await replicas.get("replica-a")!.kill();
      assert.equal(killed.signal, "SIGKILL");
      const atKill = (await getFd(client, ns, "ha"))!;
      assert.equal(atKill.status?.jobStatus?.state, "RUNNING", "killed before the job stopped");
      assert.equal(atKill.status?.jobStatus?.upgradeSavepointPath, undefined, "killed mid-way");
      assert.equal((await upgradeSnapshots(client, ns, "ha")).length, 0, "killed mid-way");
      await setRestDelay(client, ns, null);

      // The standby takes over once the lease expired, not before, and within a few retries.
      const lastRenew = Date.parse((await lease())!.spec!.renewTime!);
      const taken = await waitFor(
        "replica-b to take the lease",
        async () => {
          const l = await lease();
          return l?.spec?.holderIdentity === "replica-b" ? l : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      const gap = Date.parse(taken.spec!.acquireTime!) - lastRenew;
      assert.ok(gap >= LEASE_DURATION_MS, `taken over ${gap} ms after the last renewal: too early`);
      assert.ok(
        gap <= LEASE_DURATION_MS + 6 * RETRY_PERIOD_MS,
        `taken over ${gap} ms after the last renewal (lease ${LEASE_DURATION_MS} ms)`,
      );

      // ...and finishes the upgrade: one savepoint, restored into one new job.
      const done = await waitForFd(
        client,
        ns,
        "ha",
        "upgrade finished by replica-b",
        (f: Fd) =>
          f.status?.observedGeneration === triggered.metadata.generation && isRunningStable(f),
      );
      const js = done.status!.jobStatus!;
      assert.notEqual(js.jobId, oldJob);
      assert.equal(js.savepointInfo?.triggerId ?? undefined, undefined, "the trigger is done");
      const snapshots = await waitFor("the upgrade savepoint recorded as a snapshot", async () => {
        const all = await upgradeSnapshots(client, ns, "ha");
        return all.length > 0 && all.every((x) => x.status?.state === "COMPLETED")
          ? all
          : undefined;
      });
      assert.equal(snapshots.length, 1, "one upgrade savepoint");
      assert.equal(snapshots[0].status?.state, "COMPLETED");
      assert.equal(snapshots[0].status?.path, js.upgradeSavepointPath);
      const onDisk = await savepointDirs(ns, "ha");
      assert.equal(onDisk.length, 1, `one savepoint taken, found ${onDisk.join(", ")}`);
      assert.ok(js.upgradeSavepointPath!.endsWith(onDisk[0]));

      const url = await jobManagerUrl(client, ns, "ha");
      const jobs = (await (await fetch(`${url}/v1/jobs/overview`)).json()).jobs as {
        jid: string;
      }[];
      assert.deepEqual(jobs.map((j) => j.jid), [js.jobId], "one new job");
      const stats = await (await fetch(`${url}/v1/jobs/${js.jobId}/checkpoints`)).json();
      assert.equal(stats.latest.restored?.external_path, js.upgradeSavepointPath);
      assert.ok((await jobCounter(client, ns, "ha")) >= counterAtTrigger, "state continued");
      const deployments = await client.list(Resources.deployments, ns, { labelSelector: "app=ha" });
      assert.equal(deployments.items.length, 1);
      assert.match(replicas.get("replica-b")!.output, /acquired leader lease/);
    } finally {
      await setRestDelay(client, ns, null).catch(() => {});
      for (const replica of replicas.values()) await replica.kill();
      await client.patch(FlinkDeployments, ns, "ha", { metadata: { finalizers: null } })
        .catch(() => {});
    }
  },
  { sanitizeResources: false, sanitizeOps: false },
);

async function setRestDelay(
  client: import("../../lib/kube/client.ts").KubeClient,
  ns: string,
  ms: string | null,
): Promise<void> {
  await client.patch(FlinkDeployments, ns, "ha", {
    metadata: { annotations: { "sim.flinkop.dev/rest-delay-ms": ms } },
  });
}

/** The savepoint directories the simulated JobManagers wrote for the deployment. */
async function savepointDirs(ns: string, name: string): Promise<string[]> {
  const dir = `${testStateDir()}/nodeagent/host-fs/flink-data/${ns}/${name}/savepoints`;
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory && entry.name.startsWith("savepoint-")) names.push(entry.name);
  }
  return names;
}
