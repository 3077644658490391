/**
 * Migration from FKO (docs/migrating-from-fko.md): a FlinkDeployment whose status FKO wrote — its
 * lastReconciledSpec/lastStableSpec JSON with explicit nulls and resource_metadata, the legacy
 * savepoint history, FKO's Running condition, clusterInfo — with its job running, is adopted by a
 * freshly started flinkop without restarting the job: same job id, the same JobManager Deployment
 * (same uid, no new rollout), the job's counter going on, and no upgrade or submit event.
 *
 * There is no FKO here to start the cluster: the first operator start creates it (with FKO's
 * object names and labels, docs/cluster-objects.md), is stopped, and the status is then replaced
 * by one in FKO's format, as if FKO had been managing the resource until now.
 */
import assert from "node:assert/strict";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { jobManagerDeploymentName } from "../../lib/flink/render/cluster_names.ts";
import { objectPath, Resources } from "../../lib/kube/resource.ts";
import type { KubeObject } from "../../lib/kube/resource.ts";
import { freshNamespace, waitFor } from "../support/cluster.ts";
import {
  application,
  eventsFor,
  getFd,
  isRunningStable,
  jobCounter,
  waitForFd,
} from "../support/flink.ts";
import { startOperator } from "../support/operator.ts";

/** A FlinkDeployment spec as FKO's Jackson mapper writes it into lastReconciledSpec: nulls kept. */
function fkoSpecJson(ns: string, name: string): string {
  const base = `file:///flink-data/${ns}/${name}`;
  const spec = {
    job: {
      jarURI: "local:///opt/flink/examples/streaming/StateMachineExample.jar",
      parallelism: 2,
      entryClass: null,
      args: [],
      state: "running",
      savepointTriggerNonce: null,
      initialSavepointPath: null,
      checkpointTriggerNonce: null,
      upgradeMode: "savepoint",
      allowNonRestoredState: null,
      savepointRedeployNonce: null,
      autoscalerResetNonce: null,
    },
    restartNonce: null,
    flinkConfiguration: {
      "taskmanager.numberOfTaskSlots": "2",
      "state.checkpoints.dir": `${base}/checkpoints`,
      "state.savepoints.dir": `${base}/savepoints`,
      "execution.checkpointing.interval": "1 s",
    },
    image: "flink:1.20",
    imagePullPolicy: null,
    serviceAccount: "flink",
    flinkVersion: "v1_20",
    ingress: null,
    podTemplate: null,
    jobManager: {
      resource: { cpu: 0.5, memory: "1024m", ephemeralStorage: null },
      replicas: 1,
      podTemplate: null,
    },
    taskManager: {
      resource: { cpu: 0.5, memory: "1024m", ephemeralStorage: null },
      replicas: null,
      podTemplate: null,
    },
    logConfiguration: null,
    mode: null,
  };
  return JSON.stringify({
    spec,
    resource_metadata: {
      apiVersion: "flink.apache.org/v1beta1",
      metadata: { generation: 1 },
      firstDeployment: true,
    },
  });
}

Deno.test("migration: flinkop adopts an FKO-managed FlinkDeployment without restarting its job", async () => {
  await using namespace = await freshNamespace("migrate-fko");
  const { client, name: ns } = namespace;

  // The running cluster and job.
  let operator = await startOperator(client, ns);
  let stopped = false;
  try {
    await client.create(
      FlinkDeployments,
      ns,
      application(ns, "app", { upgradeMode: "savepoint" }),
    );
    const running = await waitForFd(client, ns, "app", "RUNNING and STABLE", isRunningStable);
    await operator.stop();
    stopped = true;
    const jobId = running.status!.jobStatus!.jobId!;
    const jm = await client.get(Resources.deployments, ns, jobManagerDeploymentName("app"));
    assert.ok(jm);

    // FKO's status, as FKO 1.x writes it for a stable savepoint-mode application.
    const now = Date.now();
    const spec = fkoSpecJson(ns, "app");
    const savepoint = {
      timeStamp: now - 60_000,
      location: `file:/flink-data/${ns}/app/savepoints/savepoint-fko-1`,
      triggerType: "PERIODIC",
      formatType: "CANONICAL",
      triggerNonce: null,
    };
    const fd = (await getFd(client, ns, "app"))!;
    const fkoStatus = {
      jobStatus: {
        jobName: running.status!.jobStatus!.jobName,
        jobId,
        state: "RUNNING",
        startTime: running.status!.jobStatus!.startTime,
        updateTime: String(now - 5_000),
        upgradeSavepointPath: null,
        savepointInfo: {
          lastSavepoint: savepoint,
          triggerId: null,
          triggerTimestamp: null,
          triggerType: null,
          formatType: null,
          savepointHistory: [savepoint],
          lastPeriodicSavepointTimestamp: now - 60_000,
        },
        checkpointInfo: {
          lastCheckpoint: null,
          triggerId: null,
          triggerTimestamp: null,
          triggerType: null,
          formatType: null,
          lastPeriodicCheckpointTimestamp: 0,
        },
      },
      error: null,
      observedGeneration: 1,
      lifecycleState: "STABLE",
      clusterInfo: {
        "flink-version": "1.20.1",
        "flink-revision": "unknown",
        "total-cpu": "1.0",
        "total-memory": "2147483648",
      },
      jobManagerDeploymentStatus: "READY",
      reconciliationStatus: {
        reconciliationTimestamp: now - 120_000,
        lastReconciledSpec: spec,
        lastStableSpec: spec,
        state: "DEPLOYED",
      },
      taskManager: { labelSelector: `component=taskmanager,app=app`, replicas: 1 },
      conditions: [{
        type: "Running",
        status: "True",
        reason: "RunningJobManager",
        message: "Job Manager is running",
        lastTransitionTime: new Date(now - 120_000).toISOString().replace(/\.\d+Z$/, "Z"),
        observedGeneration: 1,
      }],
    };
    await client.request("PUT", `${objectPath(FlinkDeployments, ns, "app")}/status`, {
      body: { ...fd, status: fkoStatus },
    });
    const counterBefore = await jobCounter(client, ns, "app");
    const eventsBefore = (await eventsFor(client, ns, "app")).length;

    // flinkop takes over.
    operator = await startOperator(client, ns);
    stopped = false;
    // Several passes of the new operator (reconcile interval 2 s in the tests).
    await waitFor("flinkop to have reconciled the FKO status", async () => {
      const now = await getFd(client, ns, "app");
      const conditions = now?.status?.conditions?.map((c) => c.type) ?? [];
      return now && conditions.includes("Ready") && now.status?.lifecycleState === "STABLE";
    }, { timeoutMs: 30_000 });
    await waitFor(
      "the job's counter to go on",
      async () => await jobCounter(client, ns, "app") > counterBefore,
      { timeoutMs: 30_000 },
    );

    const after = (await getFd(client, ns, "app"))!;
    assert.equal(after.status!.jobStatus!.jobId, jobId, "the same job");
    assert.equal(after.status!.jobStatus!.state, "RUNNING");
    assert.equal(after.status!.reconciliationStatus!.state, "DEPLOYED");
    const jmAfter = await client.get(Resources.deployments, ns, jobManagerDeploymentName("app"));
    assert.equal(jmAfter?.metadata.uid, jm.metadata.uid, "the same JobManager Deployment");
    assert.equal(
      (jmAfter as KubeObject & { metadata: { generation?: number } }).metadata.generation,
      (jm as KubeObject & { metadata: { generation?: number } }).metadata.generation,
      "the JobManager Deployment was not rolled",
    );
    // FKO's savepoint history is kept (it is what a later upgrade or restore may use).
    const history =
      (after.status!.jobStatus as { savepointInfo?: { savepointHistory?: unknown[] } })
        .savepointInfo?.savepointHistory;
    assert.equal(history?.length, 1);
    const newEvents = (await eventsFor(client, ns, "app")).slice(eventsBefore);
    const disruptive = newEvents.filter((e) =>
      ["SpecChanged", "Submit", "Suspended", "Cleanup"].includes(e.reason)
    );
    assert.deepEqual(disruptive, [], "no upgrade, submit or cleanup after the takeover");
  } finally {
    if (!stopped) await operator.stop();
  }
});
