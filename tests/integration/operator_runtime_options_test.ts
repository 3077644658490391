/**
 * The operator options FKO hands to JOSDK, on the real operator process:
 * `kubernetes.operator.startup.stop-on-informer-error` (a namespace the operator may not watch
 * stops it at start, or is retried while the rest runs) and `kubernetes.operator.rate-limiter.*`.
 */
import assert from "node:assert/strict";
import type { KubeClient } from "../../lib/kube/client.ts";
import { FlinkDeployments, FlinkSessionJobs } from "../../lib/flink/resources.ts";
import { freeLoopbackPort } from "../../cluster/free_port.ts";
import { freshNamespace, testKubeconfig, waitFor } from "../support/cluster.ts";
import { prepareNamespace } from "../support/operator.ts";
import { operatorArgs, OperatorProcess } from "../support/operator_process.ts";
import { application, type Fd, getFd } from "../support/flink.ts";
import {
  errorOf,
  getSj,
  localJar,
  sessionJob,
  sessionJobSettings,
} from "../support/session_job.ts";
import {
  createServiceAccount,
  grantOperatorRole,
  serviceAccountKubeconfig,
} from "../support/identity.ts";

/** The operator has recorded the resource (a suspended one gets lifecycle state CREATED). */
const reconciled = (fd: Fd | undefined) => fd?.status?.lifecycleState !== undefined;

async function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

/** A suspended application: the operator records it, nothing runs. */
async function createSuspended(admin: KubeClient, ns: string, name: string): Promise<void> {
  await admin.create(FlinkDeployments, ns, application(ns, name, { state: "suspended" }));
}

Deno.test("stop-on-informer-error: a namespace the operator may not watch", async (t) => {
  await using allowed = await freshNamespace("informer-allowed");
  await using forbidden = await freshNamespace("informer-forbidden", { client: allowed.client });
  const admin = allowed.client;
  await prepareNamespace(admin, allowed.name);
  await prepareNamespace(admin, forbidden.name);
  const sa = { namespace: allowed.name, name: "flinkop" };
  await createServiceAccount(admin, sa.namespace, sa.name);
  await grantOperatorRole(admin, allowed.name, sa);
  const tmp = await Deno.makeTempDir({ prefix: "flinkop-informer-" });
  try {
    const kubeconfig = await serviceAccountKubeconfig(admin, sa, tmp);
    const watch = ["--watch-namespaces", `${allowed.name},${forbidden.name}`];

    await t.step("true (the default): the operator stops at start, naming the fix", async () => {
      const op = new OperatorProcess(["-A"], operatorArgs(kubeconfig, undefined, watch), {});
      const status = await op.exited(30_000);
      assert.equal(status.code, 1, op.output);
      assert.match(
        op.stderr.trim(),
        new RegExp(
          `^flinkop: forbidden: [^\\n]*flinkdeployments\\.flink\\.apache\\.org in namespace ` +
            `${forbidden.name}[^\\n]*deploy/rbac\\.yaml[^\\n]*` +
            `kubernetes\\.operator\\.startup\\.stop-on-informer-error: false[^\\n]*$`,
        ),
        op.output,
      );
    });

    await t.step("false: it runs where it may, and picks the other up once allowed", async () => {
      await createSuspended(admin, allowed.name, "here");
      await createSuspended(admin, forbidden.name, "there");
      const port = freeLoopbackPort();
      const op = new OperatorProcess(
        ["-A"],
        operatorArgs(kubeconfig, port, watch, {
          "kubernetes.operator.startup.stop-on-informer-error": "false",
        }),
        {},
      );
      try {
        await waitFor("the allowed namespace's resource to be reconciled", async () => {
          if (op.exitCode !== undefined) throw new Error(`operator exited\n${op.output}`);
          return reconciled(await getFd(admin, allowed.name, "here"));
        }, { timeoutMs: 60_000 });
        assert.match(
          op.stdout,
          new RegExp(`forbidden: [^\\n]*flinkdeployments[^\\n]*in namespace ${forbidden.name}`),
        );
        // Ready and healthy although one namespace cannot be watched (as FKO's health probe).
        // Ready once every controller started, which may come a moment after the first pass.
        await waitFor(
          "/readyz to answer 200",
          async () => (await httpGet(port, "/readyz")).status === 200,
          { timeoutMs: 30_000 },
        );
        assert.equal((await httpGet(port, "/healthz")).status, 200);
        assert.equal(reconciled(await getFd(admin, forbidden.name, "there")), false);

        await grantOperatorRole(admin, forbidden.name, sa);
        await waitFor(
          "the resource in the newly allowed namespace to be reconciled",
          async () => reconciled(await getFd(admin, forbidden.name, "there")),
          { timeoutMs: 90_000, intervalMs: 500 },
        );
        assert.equal(op.exitCode, undefined, op.output);
      } finally {
        await op.stop();
      }
    });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

/** Sum of `flinkop_reconcile_total` for one controller, read from /metrics. */
async function reconcileCount(port: number, controller: string): Promise<number> {
  const { body } = await httpGet(port, "/metrics");
  let total = 0;
  for (const line of body.split("\n")) {
    const match = line.match(/^flinkop_reconcile_total\{([^}]*)\} (\d+)$/);
    if (match && match[1].includes(`controller="${controller}"`)) total += Number(match[2]);
  }
  return total;
}

Deno.test("rate-limiter: at most `limit` reconciles per refresh-period per resource", async () => {
  await using namespace = await freshNamespace("rate-limiter");
  const { client: admin, name: ns } = namespace;
  await prepareNamespace(admin, ns);
  const PERIOD_MS = 2_000;
  const port = freeLoopbackPort();
  const op = new OperatorProcess(
    ["-A"],
    operatorArgs(await testKubeconfig(), port, ["--watch-namespaces", ns], {
      // A waiting session job asks for its next pass after 100 ms; the limiter allows one per 2 s.
      "kubernetes.operator.reconcile.interval": "100 ms",
      "kubernetes.operator.rate-limiter.limit": "1",
      "kubernetes.operator.rate-limiter.refresh-period": `${PERIOD_MS / 1000} s`,
      ...await sessionJobSettings(),
    }),
    {},
  );
  const waitsFor = async (cluster: string) =>
    errorOf(await getSj(admin, ns, "limited")).includes(`FlinkDeployment ${ns}/${cluster}:`);
  try {
    // A session job whose session cluster does not exist waits, reconciled again and again.
    await admin.create(FlinkSessionJobs, ns, sessionJob(ns, "limited", "first", await localJar()));
    await waitFor("the session job to wait for its cluster", async () => {
      if (op.exitCode !== undefined) throw new Error(`operator exited\n${op.output}`);
      return await waitsFor("first");
    }, { timeoutMs: 60_000 });

    const start = { at: Date.now(), count: await reconcileCount(port, "flinksessionjob") };
    await new Promise((r) => setTimeout(r, 3 * PERIOD_MS));
    const end = { at: Date.now(), count: await reconcileCount(port, "flinksessionjob") };
    const windows = Math.ceil((end.at - start.at) / PERIOD_MS) + 1;
    const passes = end.count - start.count;
    assert.ok(passes >= 1, "the resource is still reconciled");
    assert.ok(
      passes <= windows,
      `${passes} passes in ${end.at - start.at} ms (${windows} windows)`,
    );

    // A spec change while the resource waits for its window is applied, not lost.
    await admin.patch(FlinkSessionJobs, ns, "limited", { spec: { deploymentName: "second" } });
    await waitFor("the change to be reconciled", () => waitsFor("second"), { timeoutMs: 30_000 });
  } finally {
    await op.stop();
    if (Deno.env.get("FLINKOP_TEST_LOG")) console.error(op.output);
  }
});
