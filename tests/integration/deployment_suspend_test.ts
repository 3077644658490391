import assert from "node:assert/strict";
import { Resources } from "../../lib/kube/resource.ts";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import {
  application,
  getFd,
  isRunningStable,
  jobCounter,
  patchSpec,
  waitForFd,
} from "../support/flink.ts";
import { isApiError } from "../../lib/kube/errors.ts";
import { withoutAdmissionRules } from "../support/admission.ts";

integrationTest(
  "job.state: running→suspended→running keeps state; suspended→suspended starts nothing",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "sus", { upgradeMode: "savepoint" }),
      );
      const first = await waitForFd(client, ns, "sus", "running", isRunningStable);
      await waitFor("some state", async () => (await jobCounter(client, ns, "sus")) >= 10);
      const counterAtSuspend = await jobCounter(client, ns, "sus");

      await patchSpec(client, ns, "sus", { job: { state: "suspended" } });
      const suspended = await waitForFd(
        client,
        ns,
        "sus",
        "SUSPENDED",
        (fd) =>
          fd.status?.lifecycleState === "SUSPENDED" &&
          fd.status?.observedGeneration === first.metadata.generation! + 1,
      );
      const js = suspended.status!.jobStatus!;
      assert.equal(js.state, "FINISHED");
      assert.match(
        js.upgradeSavepointPath ?? "",
        /savepoint-/,
        "the suspend savepoint is recorded",
      );
      const rec = JSON.parse(suspended.status!.reconciliationStatus!.lastReconciledSpec!);
      assert.equal(rec.spec.job.state, "suspended");
      assert.equal(rec.spec.job.upgradeMode, "savepoint");

      // suspended -> suspended: a spec change is recorded, nothing is started.
      await patchSpec(client, ns, "sus", { job: { args: ["--while-suspended"] } });
      const stillSuspended = await waitForFd(
        client,
        ns,
        "sus",
        "spec recorded while suspended",
        (fd) => fd.status?.observedGeneration === first.metadata.generation! + 2,
      );
      const rec2 = JSON.parse(stillSuspended.status!.reconciliationStatus!.lastReconciledSpec!);
      assert.deepEqual(rec2.spec.job.args, ["--while-suspended"]);
      assert.equal(rec2.spec.job.state, "suspended");
      assert.equal(stillSuspended.status!.lifecycleState, "SUSPENDED");
      assert.equal(stillSuspended.status!.jobStatus!.jobId, js.jobId, "no new job was started");

      // suspended -> running: restore from the suspend savepoint with the latest spec.
      await patchSpec(client, ns, "sus", { job: { state: "running" } });
      const resumed = await waitForFd(
        client,
        ns,
        "sus",
        "resumed",
        (fd) =>
          fd.status?.observedGeneration === first.metadata.generation! + 3 && isRunningStable(fd),
      );
      assert.notEqual(resumed.status!.jobStatus!.jobId, js.jobId);
      const counter = await jobCounter(client, ns, "sus");
      assert.ok(
        counter >= counterAtSuspend,
        `state continues after resume: ${counter} < ${counterAtSuspend}`,
      );
      const rec3 = JSON.parse(resumed.status!.reconciliationStatus!.lastReconciledSpec!);
      assert.deepEqual(rec3.spec.job.args, ["--while-suspended"]);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "a resource created suspended deploys nothing until resumed",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(FlinkDeployments, ns, application(ns, "cold", { state: "suspended" }));
      await waitForFd(
        client,
        ns,
        "cold",
        "CREATED",
        (fd) => fd.status?.lifecycleState === "CREATED",
      );
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(await client.get(Resources.deployments, ns, "cold"), undefined);
      await patchSpec(client, ns, "cold", { job: { state: "running" } });
      await waitForFd(client, ns, "cold", "running after resume", isRunningStable);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "manual recovery: savepointRedeployNonce redeploys from initialSavepointPath",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      // Take a savepoint by suspending a first deployment, then start another one from it.
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "src", { upgradeMode: "savepoint" }),
      );
      await waitForFd(client, ns, "src", "running", isRunningStable);
      await waitFor("some state", async () => (await jobCounter(client, ns, "src")) >= 20);
      await patchSpec(client, ns, "src", { job: { state: "suspended" } });
      const src = await waitForFd(
        client,
        ns,
        "src",
        "suspended",
        (fd) => fd.status?.lifecycleState === "SUSPENDED",
      );
      const path = src.status!.jobStatus!.upgradeSavepointPath!;
      assert.ok(path);

      // A new resource with initialSavepointPath starts from it.
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "dst", { upgradeMode: "savepoint", job: { initialSavepointPath: path } }),
      );
      const dst = await waitForFd(client, ns, "dst", "running from the savepoint", isRunningStable);
      assert.ok((await jobCounter(client, ns, "dst")) >= 20, "started from the savepoint's state");
      const rec = JSON.parse(dst.status!.reconciliationStatus!.lastReconciledSpec!);
      assert.equal(rec.spec.job.upgradeMode, "savepoint");

      // Redeploy a stateless job from that savepoint with the nonce.
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "fix", { upgradeMode: "stateless" }),
      );
      const fix = await waitForFd(client, ns, "fix", "running", isRunningStable);
      await patchSpec(client, ns, "fix", {
        job: { initialSavepointPath: path, savepointRedeployNonce: 1 },
      });
      const redeployed = await waitForFd(
        client,
        ns,
        "fix",
        "redeployed",
        (fd) =>
          fd.status?.observedGeneration === fix.metadata.generation! + 1 && isRunningStable(fd),
      );
      assert.notEqual(redeployed.status!.jobStatus!.jobId, fix.status!.jobStatus!.jobId);
      assert.equal(redeployed.status!.jobStatus!.upgradeSavepointPath, path);
      assert.ok(
        (await jobCounter(client, ns, "fix")) >= 20,
        "redeployed from the savepoint's state",
      );
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "savepointRedeployNonce with an empty initialSavepointPath is rejected",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "bad", { upgradeMode: "savepoint" }),
      );
      const running = await waitForFd(client, ns, "bad", "running", isRunningStable);
      // The CRD's rules refuse the change at once, naming the field and the fix ...
      await assert.rejects(
        patchSpec(client, ns, "bad", { job: { savepointRedeployNonce: 5 } }),
        (err: unknown) =>
          isApiError(err, 422) &&
          err.message.includes(
            "spec.job.initialSavepointPath: required when spec.job.savepointRedeployNonce " +
              "changes; set it to the savepoint to redeploy from",
          ),
      );
      // ... and the operator, where the CRDs lack them.
      await withoutAdmissionRules(
        client,
        () => patchSpec(client, ns, "bad", { job: { savepointRedeployNonce: 5 } }),
      );
      const fd = await waitForFd(
        client,
        ns,
        "bad",
        "validation error",
        (f) => (f.status?.error ?? "").includes("initialSavepointPath"),
      );
      assert.equal(fd.status!.jobStatus!.jobId, running.status!.jobStatus!.jobId, "job untouched");
      assert.ok(isRunningStable((await getFd(client, ns, "bad"))!));
    } finally {
      await op.stop();
    }
  },
);
