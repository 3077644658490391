/**
 * `flinkop status|savepoint|checkpoint|suspend|resume|restart` (also `kubectl flink <verb>`) as a
 * user runs them: the real command line in a subprocess against the local cluster, with the
 * operator reconciling on the simulator; output and exit codes checked after each.
 */
import assert from "node:assert/strict";
import { FlinkDeployments, FlinkStateSnapshots } from "../../lib/flink/resources.ts";
import type { KubeObject } from "../../lib/kube/resource.ts";
import { freshNamespace, testKubeconfig } from "../support/cluster.ts";
import { application, getFd, isRunningStable, waitForFd } from "../support/flink.ts";
import { startOperator } from "../support/operator.ts";

const repoRoot = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

async function flinkop(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${repoRoot}/main.ts`, ...args, "--kubeconfig", await testKubeconfig()],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, out: dec.decode(out.stdout), err: dec.decode(out.stderr) };
}

Deno.test("CLI verbs: status, savepoint, checkpoint, suspend, resume, restart with usable exit codes", async (t) => {
  await using namespace = await freshNamespace("cli-verbs");
  const { client, name: ns } = namespace;
  const operator = await startOperator(client, ns);
  try {
    await client.create(FlinkDeployments, ns, application(ns, "app", { upgradeMode: "savepoint" }));
    const first = await waitForFd(client, ns, "app", "RUNNING and STABLE", isRunningStable);
    const firstJob = first.status!.jobStatus!.jobId!;

    await t.step("status: one screen, exit 0", async () => {
      const r = await flinkop(["status", "app", "-n", ns]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, new RegExp(`FlinkDeployment: +${ns}/app`));
      assert.match(r.out, /Lifecycle: +STABLE/);
      assert.match(r.out, new RegExp(`Job id: +${firstJob}`));
      assert.match(r.out, /Last savepoint: +none/);
      assert.match(r.out, /Conditions:\n {2}\S+=/);
      assert.match(r.out, /Recent events:\n/);
    });

    await t.step("errors: unknown resource exit 1, usage exit 2", async () => {
      const missing = await flinkop(["status", "nope", "-n", ns]);
      assert.equal(missing.code, 1);
      assert.match(missing.err, /no FlinkDeployment or FlinkSessionJob "nope" in namespace/);
      const usage = await flinkop(["savepoint", "-n", ns]);
      assert.equal(usage.code, 2);
      assert.match(usage.err, /needs the resource's NAME/);
      assert.equal((await flinkop(["restart", "app", "--bogus", "x"])).code, 2);
    });

    let savepointPath = "";
    await t.step("savepoint: a FlinkStateSnapshot, waited for with progress", async () => {
      const r = await flinkop(["savepoint", "app", "-n", ns, "--timeout", "60s"]);
      assert.equal(r.code, 0, r.out + r.err);
      assert.match(r.out, /FlinkStateSnapshot .*\/app-savepoint-\S+ created \(savepoint of app\)/);
      const done = /: COMPLETED (\S+)/.exec(r.out);
      assert.ok(done, r.out);
      savepointPath = done[1];
      const snaps = (await client.list<KubeObject & { spec: { jobReference: { name: string } } }>(
        FlinkStateSnapshots,
        ns,
      )).items.filter((s) => s.metadata.name!.startsWith("app-savepoint-"));
      assert.equal(snaps.length, 1);
      assert.equal(snaps[0].spec.jobReference.name, "app");
      const status = await flinkop(["status", "app", "-n", ns]);
      assert.match(status.out, new RegExp(`Last savepoint: +${savepointPath} \\(\\d+s ago`));
    });

    await t.step("checkpoint: waited for, exit 0", async () => {
      const r = await flinkop(["checkpoint", "app", "-n", ns, "--timeout", "60s"]);
      assert.equal(r.code, 0, r.out + r.err);
      assert.match(r.out, /app-checkpoint-\S+: COMPLETED/);
    });

    await t.step("suspend waits for SUSPENDED, resume for a running job", async () => {
      const s = await flinkop(["suspend", "app", "-n", ns, "--timeout", "60s"]);
      assert.equal(s.code, 0, s.out + s.err);
      assert.match(s.out, /spec\.job\.state set to suspended/);
      assert.equal((await getFd(client, ns, "app"))!.status!.lifecycleState, "SUSPENDED");
      const r = await flinkop(["resume", "app", "-n", ns, "--timeout", "60s"]);
      assert.equal(r.code, 0, r.out + r.err);
      const fd = await getFd(client, ns, "app");
      assert.equal(fd!.status!.jobStatus!.state, "RUNNING");
      assert.equal(fd!.spec.job!.state, "running");
    });

    await t.step("restart: a new restartNonce, a new job", async () => {
      const before = (await getFd(client, ns, "app"))!;
      const r = await flinkop(["restart", "app", "-n", ns, "--timeout", "60s"]);
      assert.equal(r.code, 0, r.out + r.err);
      const after = (await getFd(client, ns, "app"))!;
      assert.equal(after.spec.restartNonce, (before.spec.restartNonce ?? 0) + 1);
      assert.notEqual(after.status!.jobStatus!.jobId, before.status!.jobStatus!.jobId);
      assert.equal(after.status!.jobStatus!.state, "RUNNING");
    });

    await t.step("--no-wait returns once the change is accepted; a timeout exits 124", async () => {
      const r = await flinkop(["suspend", "app", "-n", ns, "--no-wait"]);
      assert.equal(r.code, 0, r.err);
      const t0 = await flinkop(["resume", "app", "-n", ns, "--timeout", "1ms"]);
      assert.equal(t0.code, 124, t0.out + t0.err);
      assert.match(t0.err, /timed out waiting for app to be running/);
    });
  } finally {
    await operator.stop();
  }
});
