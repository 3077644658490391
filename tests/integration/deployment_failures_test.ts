import assert from "node:assert/strict";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import { withoutAdmissionRules } from "../support/admission.ts";
import {
  application,
  eventsFor,
  getFd,
  isRunningStable,
  jobCounter,
  patchSpec,
  waitForFd,
} from "../support/flink.ts";

const CRASH = "sim.flinkop.dev/jobmanager-crash";

/**
 * Each invalid spec must end with a status error naming the field, an Event, and no cluster.
 * `admission`: the CRDs' rules refuse it at once; it is created while the CRDs lack them, as
 * CRDs installed by others may, to show the operator refuses it too.
 */
const INVALID: {
  name: string;
  field: string;
  change: (spec: Record<string, unknown>) => void;
  admission?: true;
  /** More text the error must contain (Flink's refusal and the fix). */
  mentions?: RegExp;
}[] = [
  {
    name: "no-sa",
    admission: true,
    field: "serviceAccount",
    change: (s) => delete s.serviceAccount,
  },
  {
    name: "no-version",
    admission: true,
    field: "flinkVersion",
    change: (s) => delete s.flinkVersion,
  },
  {
    name: "forbidden-key",
    field: "kubernetes.cluster-id",
    change: (s) => (s.flinkConfiguration as Record<string, string>)["kubernetes.cluster-id"] = "x",
  },
  {
    name: "sp-no-dir",
    field: "state.savepoints.dir",
    change: (s) => {
      const conf = s.flinkConfiguration as Record<string, string>;
      delete conf["state.savepoints.dir"];
      (s.job as Record<string, unknown>).upgradeMode = "savepoint";
    },
  },
  {
    name: "zero-parallelism",
    admission: true,
    field: "parallelism",
    change: (s) => (s.job as Record<string, unknown>).parallelism = 0,
  },
  {
    name: "bad-log-file",
    admission: true,
    field: "logConfiguration",
    change: (s) => s.logConfiguration = { "log4j.properties": "x" },
  },
  {
    name: "jm-replicas",
    admission: true,
    field: "replicas",
    change: (s) => s.jobManager = { replicas: 0, resource: { memory: "1g", cpu: 1 } },
  },
  {
    name: "bad-memory",
    admission: true,
    field: "memory",
    change: (s) => s.taskManager = { resource: { memory: "lots", cpu: 1 } },
  },
  // What Flink itself would refuse later (a crash-looping pod), refused up front.
  {
    name: "tm-memory-zero",
    field: "spec.taskManager.resource.memory",
    change: (s) => s.taskManager = { resource: { memory: "0", cpu: 1 } },
    mentions: /exceed the process size \(0\); give the TaskManager at least 982m/,
  },
  {
    name: "jm-memory-small",
    field: "spec.jobManager.resource.memory",
    change: (s) => s.jobManager = { resource: { memory: "500m", cpu: 1 } },
    mentions: /leaving no heap; give the JobManager at least 577m/,
  },
  {
    name: "flink-size-vs-process",
    field: "taskmanager.memory.flink.size",
    change: (s) =>
      (s.flinkConfiguration as Record<string, string>)["taskmanager.memory.flink.size"] = "4g",
    mentions: /JVM overhead/,
  },
  {
    name: "k8s-unit-in-option",
    field: "jobmanager.memory.jvm-metaspace.size",
    change: (s) =>
      (s.flinkConfiguration as Record<string, string>)["jobmanager.memory.jvm-metaspace.size"] =
        "256Mi",
    mentions: /Flink's memory syntax/,
  },
  {
    name: "zero-slots",
    field: "taskmanager.numberOfTaskSlots",
    change: (s) =>
      (s.flinkConfiguration as Record<string, string>)["taskmanager.numberOfTaskSlots"] = "0",
  },
  {
    name: "http-jar",
    field: "spec.job.jarURI",
    change: (s) =>
      (s.job as Record<string, unknown>).jarURI = "http://artifacts.example.com/job.jar",
    mentions: /user\.artifacts\.raw-http-enabled/,
  },
  {
    name: "bad-operator-option",
    field: "last-state-fallback",
    change: (s) =>
      (s.flinkConfiguration as Record<string, string>)[
        "kubernetes.operator.job.upgrade.last-state-fallback.enabled"
      ] = "maybe",
  },
];

integrationTest(
  "bad input: each invalid spec gets a status error and an Event, no cluster",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      const create = async (c: (typeof INVALID)[number]) => {
        const obj = application(ns, c.name) as unknown as { spec: Record<string, unknown> };
        c.change(obj.spec);
        await client.create(FlinkDeployments, ns, obj as never);
      };
      for (const c of INVALID.filter((c) => !c.admission)) await create(c);
      await withoutAdmissionRules(client, async () => {
        for (const c of INVALID.filter((c) => c.admission)) await create(c);
      });
      for (const c of INVALID) {
        const fd = await waitForFd(
          client,
          ns,
          c.name,
          `a validation error naming ${c.field}`,
          (f) => (f.status?.error ?? "").includes(c.field),
        );
        assert.equal(fd.status!.lifecycleState, "FAILED", c.name);
        if (c.mentions) assert.match(fd.status!.error!, c.mentions, c.name);
        assert.equal(fd.status!.reconciliationStatus?.lastReconciledSpec ?? undefined, undefined);
        const events = await eventsFor(client, ns, c.name);
        assert.ok(
          events.some((e) => e.reason === "ValidationError" && e.message.includes(c.field)),
          `${c.name}: ${JSON.stringify(events)}`,
        );
        assert.equal(await client.get(Resources.deployments, ns, c.name), undefined, c.name);
      }
      // The operator keeps working on valid resources meanwhile.
      await client.create(FlinkDeployments, ns, application(ns, "good"));
      await waitForFd(client, ns, "good", "running", isRunningStable);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "bad input after deploy: the last valid spec keeps running",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(FlinkDeployments, ns, application(ns, "keep"));
      const good = await waitForFd(client, ns, "keep", "running", isRunningStable);
      // The CRDs' rules would refuse the patch; the operator must hold on without them too.
      await withoutAdmissionRules(
        client,
        () => patchSpec(client, ns, "keep", { serviceAccount: null, job: { args: ["--never"] } }),
      );
      const fd = await waitForFd(
        client,
        ns,
        "keep",
        "validation error",
        (f) => (f.status?.error ?? "").includes("serviceAccount"),
      );
      assert.equal(fd.status!.jobStatus!.jobId, good.status!.jobStatus!.jobId);
      assert.equal(
        fd.status!.reconciliationStatus!.lastReconciledSpec,
        good.status!.reconciliationStatus!.lastReconciledSpec,
        "nothing of the invalid spec was deployed",
      );
      await new Promise((r) => setTimeout(r, 1500));
      const kept = (await getFd(client, ns, "keep"))!;
      assert.equal(kept.status!.jobStatus!.state, "RUNNING");
      // As FKO: the invalid generation is not recorded as observed.
      assert.equal(kept.status!.observedGeneration, good.status!.observedGeneration);
      // Fixing the spec applies it.
      await patchSpec(client, ns, "keep", { serviceAccount: "flink" });
      await waitForFd(
        client,
        ns,
        "keep",
        "upgraded once fixed",
        (f) =>
          isRunningStable(f) && f.status!.jobStatus!.jobId !== good.status!.jobStatus!.jobId &&
          (f.status?.error ?? "") === "",
      );
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "a crash-looping JobManager is reported as ERROR with the pod's reason",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      const obj = application(ns, "crashy");
      obj.metadata.annotations = { [CRASH]: "true" };
      await client.create(FlinkDeployments, ns, obj);
      const fd = await waitForFd(
        client,
        ns,
        "crashy",
        "JobManager ERROR",
        (f) => f.status?.jobManagerDeploymentStatus === "ERROR",
        120_000,
      );
      assert.equal(fd.status!.jobStatus!.state, "RECONCILING");
      assert.match(fd.status!.error ?? "", /CrashLoopBackOff/);
      const events = await eventsFor(client, ns, "crashy");
      assert.ok(
        events.some((e) => e.reason === "CrashLoopBackOff"),
        JSON.stringify(events),
      );
    } finally {
      await op.stop();
    }
  },
);

integrationTest("a lost JobManager Deployment is recovered (stateless)", async ({ client, ns }) => {
  const op = await startOperator(client, ns);
  try {
    await client.create(FlinkDeployments, ns, application(ns, "lost"));
    const before = await waitForFd(client, ns, "lost", "running", isRunningStable);
    const jm = await client.get(Resources.deployments, ns, "lost");
    await client.delete(Resources.deployments, ns, "lost", { propagationPolicy: "Background" });
    await waitFor(
      "a RecoverDeployment event",
      async () =>
        (await eventsFor(client, ns, "lost")).some((e) => e.reason === "RecoverDeployment"),
    );
    await waitForFd(client, ns, "lost", "running again", isRunningStable);
    const jmAfter = await client.get(Resources.deployments, ns, "lost");
    assert.notEqual(jmAfter?.metadata.uid, jm?.metadata.uid);
    assert.equal(
      (await getFd(client, ns, "lost"))!.metadata.generation,
      before.metadata.generation,
    );
  } finally {
    await op.stop();
  }
});

integrationTest(
  "savepoint mode falls back to last-state (HA) when the JobManager is unhealthy",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "fb", { upgradeMode: "savepoint", ha: true }),
      );
      const before = await waitForFd(client, ns, "fb", "running", isRunningStable);
      await waitFor(
        "a checkpoint worth of state",
        async () => (await jobCounter(client, ns, "fb")) >= 15,
      );
      await new Promise((r) => setTimeout(r, 1500));
      const counter = await jobCounter(client, ns, "fb");
      // The JobManager starts crash-looping: no stop-with-savepoint is possible any more.
      await client.patch(FlinkDeployments, ns, "fb", {
        metadata: { annotations: { [CRASH]: "true" } },
      });
      await waitForFd(
        client,
        ns,
        "fb",
        "JobManager ERROR",
        (f) => f.status?.jobManagerDeploymentStatus === "ERROR",
        120_000,
      );
      // Fix the crash and upgrade at once: the upgrade must use HA metadata, not start empty.
      await client.patch(FlinkDeployments, ns, "fb", {
        metadata: { annotations: { [CRASH]: null } },
        spec: { job: { args: ["--after-crash"] } },
      });
      const fd = await waitForFd(
        client,
        ns,
        "fb",
        "upgraded via last-state",
        (f) =>
          f.status?.observedGeneration === before.metadata.generation! + 1 && isRunningStable(f),
        120_000,
      );
      assert.equal(
        fd.status!.jobStatus!.jobId,
        before.status!.jobStatus!.jobId,
        "HA restore keeps the job id",
      );
      const rec = JSON.parse(fd.status!.reconciliationStatus!.lastReconciledSpec!);
      assert.equal(rec.spec.job.upgradeMode, "last-state");
      assert.ok((await jobCounter(client, ns, "fb")) >= counter - 15, "state restored from HA");
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "savepoint mode without HA fails clearly when the JobManager is gone",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "nofb", { upgradeMode: "savepoint" }),
      );
      const before = await waitForFd(client, ns, "nofb", "running", isRunningStable);
      // The JobManager Deployment has been available: it ran, so the operator must not take it
      // for one that never started (which it may delete and retry).
      await waitFor("an available JobManager Deployment", async () => {
        const jm = await client.get<KubeObject & { status?: { availableReplicas?: number } }>(
          Resources.deployments,
          ns,
          "nofb",
        );
        return (jm?.status?.availableReplicas ?? 0) >= 1;
      });
      await client.patch(FlinkDeployments, ns, "nofb", {
        metadata: { annotations: { [CRASH]: "true" } },
      });
      await waitForFd(
        client,
        ns,
        "nofb",
        "JobManager ERROR",
        (f) => f.status?.jobManagerDeploymentStatus === "ERROR",
        120_000,
      );
      await patchSpec(client, ns, "nofb", { job: { args: ["--x"] } });
      const fd = await waitForFd(
        client,
        ns,
        "nofb",
        "manual restore required",
        (f) => (f.status?.error ?? "").includes("Manual restore required"),
        60_000,
      );
      assert.equal(
        fd.status!.reconciliationStatus!.lastReconciledSpec,
        before.status!.reconciliationStatus!.lastReconciledSpec,
        "never silently restarted stateless",
      );
      const events = await eventsFor(client, ns, "nofb");
      assert.ok(
        events.some((e) => e.reason === "UpgradeFailed"),
        JSON.stringify(events.map((e) => e.reason)),
      );
    } finally {
      await op.stop();
    }
  },
);
