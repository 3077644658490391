/**
 * Rollbacks (`kubernetes.operator.deployment.rollback.enabled`, FKO's rollback flow) on the
 * simulator: an upgrade whose JobManager crash-loops is rolled back to the last stable spec after
 * `deployment.readiness.timeout`, through HA with the job's state; a later spec change leaves
 * ROLLED_BACK; asking for the stable spec again needs no deploy; an upgrade whose JobManager never
 * starts after a savepoint stop rolls back from that savepoint.
 */
import assert from "node:assert/strict";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { Resources } from "../../lib/kube/resource.ts";
import type { KubeObject } from "../../lib/kube/resource.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import {
  application,
  eventsFor,
  type Fd,
  getFd,
  isRunningStable,
  jobCounter,
  patchSpec,
  waitForFd,
} from "../support/flink.ts";

const CRASH = "sim.flinkop.dev/jobmanager-crash";
const ROLLBACK = {
  "kubernetes.operator.deployment.rollback.enabled": "true",
  "kubernetes.operator.deployment.readiness.timeout": "5 s",
};

type JmDeployment = KubeObject & {
  spec?: {
    template?: {
      metadata?: { annotations?: Record<string, string> };
      spec?: { containers?: { args?: string[]; image?: string }[] };
    };
  };
};

const rolledBack = (f: Fd) =>
  f.status?.reconciliationStatus?.state === "ROLLED_BACK" &&
  f.status?.jobStatus?.state === "RUNNING" && f.status?.jobManagerDeploymentStatus === "READY";

const reconciledSpec = (f: Fd) =>
  JSON.parse(f.status!.reconciliationStatus!.lastReconciledSpec!).spec;

integrationTest(
  "rollback: a crash-looping upgrade goes back to the stable spec with the job's state",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "rb", {
          upgradeMode: "last-state",
          ha: true,
          flinkConfiguration: ROLLBACK,
          job: { args: ["--stable"] },
        }),
      );
      const stable = await waitForFd(client, ns, "rb", "running", isRunningStable);
      await waitFor("some state", async () => (await jobCounter(client, ns, "rb")) >= 10);
      await new Promise((r) => setTimeout(r, 1200)); // a checkpoint lands in HA
      const before = await jobCounter(client, ns, "rb");

      // The upgrade's JobManager exits at start, every time.
      await patchSpec(client, ns, "rb", {
        job: { args: ["--broken"] },
        jobManager: { podTemplate: { metadata: { annotations: { [CRASH]: "true" } } } },
      });
      const rollback = await waitFor(
        "a Rollback event",
        async () => (await eventsFor(client, ns, "rb")).find((e) => e.reason === "Rollback"),
        { timeoutMs: 90_000 },
      );
      assert.equal(rollback.type, "Normal");
      assert.equal(rollback.message, "Rolling back failed deployment.");
      // FKO's components, part of the event names that a migration keeps counting.
      const components = Object.fromEntries(
        (await eventsFor(client, ns, "rb")).map((e) => [e.reason, e.source?.component]),
      );
      for (const reason of ["Rollback", "SpecChanged", "Suspended", "Submit"]) {
        assert.equal(components[reason], "JobManagerDeployment", reason);
      }
      const fd = await waitForFd(client, ns, "rb", "rolled back and running", rolledBack);

      assert.equal(fd.status!.lifecycleState, "ROLLED_BACK");
      assert.equal(fd.status!.jobStatus!.jobId, stable.status!.jobStatus!.jobId, "HA restore");
      assert.ok((await jobCounter(client, ns, "rb")) >= before - 15, "state restored from HA");
      // What runs is the stable spec; the failed one stays recorded so it is not deployed again.
      const jm = await client.get<JmDeployment>(Resources.deployments, ns, "rb");
      assert.equal(jm?.spec?.template?.metadata?.annotations?.[CRASH], undefined);
      assert.deepEqual(reconciledSpec(fd).job.args, ["--broken"]);
      assert.equal(reconciledSpec(fd).job.upgradeMode, "last-state");
      assert.equal(
        fd.status!.reconciliationStatus!.lastStableSpec,
        stable.status!.reconciliationStatus!.lastStableSpec,
      );
      const progressing = fd.status!.conditions?.find((c) => c.type === "Progressing");
      assert.equal(progressing?.reason, "RolledBack");
      assert.match(progressing?.message ?? "", /did not become stable/);

      // It stays rolled back: the unchanged spec is not tried again.
      await new Promise((r) => setTimeout(r, 3000));
      const still = (await getFd(client, ns, "rb"))!;
      assert.equal(still.status!.reconciliationStatus!.state, "ROLLED_BACK");
      const jmStill = await client.get(Resources.deployments, ns, "rb");
      assert.equal(jmStill?.metadata.uid, jm?.metadata.uid);

      // A fixed spec is an ordinary upgrade out of ROLLED_BACK.
      await patchSpec(client, ns, "rb", {
        job: { args: ["--fixed"] },
        jobManager: { podTemplate: null },
      });
      const fixed = await waitForFd(
        client,
        ns,
        "rb",
        "the fixed spec running",
        (f) => isRunningStable(f) && reconciledSpec(f).job.args?.[0] === "--fixed",
      );
      assert.equal(fixed.status!.jobStatus!.jobId, stable.status!.jobStatus!.jobId);
      assert.equal(
        fixed.status!.reconciliationStatus!.lastStableSpec,
        fixed.status!.reconciliationStatus!.lastReconciledSpec,
      );
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "rollback: asking for the stable spec again after a rollback deploys nothing",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "back", {
          upgradeMode: "last-state",
          ha: true,
          flinkConfiguration: ROLLBACK,
          job: { args: ["--stable"] },
        }),
      );
      await waitForFd(client, ns, "back", "running", isRunningStable);
      await new Promise((r) => setTimeout(r, 1200));
      await patchSpec(client, ns, "back", {
        job: { args: ["--broken"] },
        jobManager: { podTemplate: { metadata: { annotations: { [CRASH]: "true" } } } },
      });
      await waitForFd(client, ns, "back", "rolled back", rolledBack, 120_000);
      const jm = await client.get(Resources.deployments, ns, "back");

      await patchSpec(client, ns, "back", {
        job: { args: ["--stable"] },
        jobManager: { podTemplate: null },
      });
      const fd = await waitForFd(
        client,
        ns,
        "back",
        "deployed without a redeploy",
        (f) => isRunningStable(f) && reconciledSpec(f).job.args?.[0] === "--stable",
      );
      assert.equal(fd.status!.observedGeneration, fd.metadata.generation);
      const jmAfter = await client.get(Resources.deployments, ns, "back");
      assert.equal(jmAfter?.metadata.uid, jm?.metadata.uid, "the running cluster was kept");
      const events = await eventsFor(client, ns, "back");
      assert.equal(events.filter((e) => e.reason === "Rollback").length, 1);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "rollback: an upgrade whose JobManager never starts rolls back from the upgrade's savepoint",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "img", {
          upgradeMode: "savepoint",
          ha: true,
          flinkConfiguration: ROLLBACK,
        }),
      );
      const stable = await waitForFd(client, ns, "img", "running", isRunningStable);
      await waitFor("some state", async () => (await jobCounter(client, ns, "img")) >= 10);

      // Stopped with a savepoint, then the new JobManager's image cannot be pulled.
      await patchSpec(client, ns, "img", { image: "registry.invalid/streaming-app:1.0" });
      const broken = await waitForFd(
        client,
        ns,
        "img",
        "the new JobManager failing",
        (f) => f.status?.jobManagerDeploymentStatus === "ERROR",
      );
      const savepoint = broken.status!.jobStatus!.upgradeSavepointPath;
      assert.ok(savepoint, "the upgrade's savepoint is recorded");

      const fd = await waitForFd(client, ns, "img", "rolled back", rolledBack, 120_000);
      assert.ok((await eventsFor(client, ns, "img")).some((e) => e.reason === "Rollback"));
      const jm = await client.get<JmDeployment>(Resources.deployments, ns, "img");
      assert.equal(jm?.spec?.template?.spec?.containers?.[0]?.image, "flink:1.20");
      assert.equal(reconciledSpec(fd).image, "registry.invalid/streaming-app:1.0");
      assert.notEqual(fd.status!.jobStatus!.jobId, stable.status!.jobStatus!.jobId);
      assert.ok((await jobCounter(client, ns, "img")) >= 10, "restored from the savepoint");
    } finally {
      await op.stop();
    }
  },
);
