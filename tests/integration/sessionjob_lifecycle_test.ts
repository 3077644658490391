import assert from "node:assert/strict";
import { FlinkDeployments, FlinkSessionJobs } from "../../lib/flink/resources.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import { eventsFor, jobManagerUrl } from "../support/flink.ts";
import {
  clusterJobs,
  createReadySession,
  errorOf,
  getSj,
  isSjRunningStable,
  localJar,
  patchSjSpec,
  sessionCluster,
  sessionJob,
  sessionJobCounter,
  sessionJobSettings,
  sjRunningWithState,
  sjUpgraded,
  waitForSj,
} from "../support/session_job.ts";

integrationTest(
  "session job: waits for its session cluster with a clear message, then runs on it",
  async ({ client, ns }) => {
    const settings = await sessionJobSettings();
    const op = await startOperator(client, ns, settings);
    try {
      const jar = await localJar();
      await client.create(FlinkSessionJobs, ns, sessionJob(ns, "job", "session", jar));
      const waiting = await waitForSj(
        client,
        ns,
        "job",
        "waiting for its session cluster",
        (sj) => errorOf(sj).includes("Waiting for the session cluster"),
      );
      assert.match(errorOf(waiting), /FlinkDeployment [^ ]+\/session: it does not exist/);
      assert.equal(waiting.metadata.labels?.["target.session"], "session", "FKO's label");
      const waitEvents = (await eventsFor(client, ns, "job")).filter((e) => e.reason === "Waiting");
      assert.equal(waitEvents.length, 1, "one Event object, counted up: no event storm");

      await client.create(FlinkDeployments, ns, sessionCluster(ns, "session"));
      const sj = await waitForSj(client, ns, "job", "running and stable", isSjRunningStable);
      const js = sj.status!.jobStatus!;
      assert.equal(sj.status?.error, undefined, "the waiting message is gone");
      assert.match(js.jobId ?? "", /^[0-9a-f]{32}$/);
      assert.equal(js.jobName, "job", "pipeline.name defaults to the resource name");
      const jobs = await clusterJobs(client, ns, "session");
      assert.deepEqual([...jobs.entries()], [[js.jobId, "RUNNING"]]);
      // The uploaded jar is deleted from the cluster after the run, the local copy too.
      const jars = await (await fetch(`${await jobManagerUrl(client, ns, "session")}/jars`))
        .json() as { files: unknown[] };
      assert.deepEqual(jars.files, []);
      const leftovers = await filesUnder(settings["kubernetes.operator.user.artifacts.base.dir"]);
      assert.deepEqual(leftovers, [], "no jar left in the artifacts directory");
      const reasons = (await eventsFor(client, ns, "job")).map((e) => e.reason);
      assert.ok(reasons.includes("Submit") && reasons.includes("JobStatusChanged"), `${reasons}`);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "session job: stateless upgrade starts a new job from empty state",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, await sessionJobSettings());
    try {
      await createReadySession(client, ns, "session");
      await client.create(FlinkSessionJobs, ns, sessionJob(ns, "job", "session", await localJar()));
      const before = await sjRunningWithState(client, ns, "job", 10);
      await patchSjSpec(client, ns, "job", { job: { parallelism: 1 } });
      const sj = await sjUpgraded(client, ns, "job", before.generation + 1);
      const jobId = sj.status!.jobStatus!.jobId!;
      assert.notEqual(jobId, before.jobId);
      const jobs = await clusterJobs(client, ns, "session");
      assert.equal(jobs.get(before.jobId), "CANCELED", "the old job was cancelled");
      assert.equal(jobs.get(jobId), "RUNNING");
      assert.equal([...jobs.values()].filter((s) => s === "RUNNING").length, 1, "one job runs");
      assert.ok(
        (await sessionJobCounter(client, ns, "session", jobId)) < 10,
        "stateless: the new job starts from empty state",
      );
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "session job: suspend stops with a savepoint, resume continues from it",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, await sessionJobSettings());
    try {
      await createReadySession(client, ns, "session");
      await client.create(
        FlinkSessionJobs,
        ns,
        sessionJob(ns, "job", "session", await localJar(), { upgradeMode: "savepoint" }),
      );
      const before = await sjRunningWithState(client, ns, "job");
      // At most what the savepoint (taken after this) holds.
      const stoppedAt = await sessionJobCounter(client, ns, "session", before.jobId);
      await patchSjSpec(client, ns, "job", { job: { state: "suspended" } });
      const suspended = await waitForSj(
        client,
        ns,
        "job",
        "suspended",
        (sj) => sj.status?.lifecycleState === "SUSPENDED",
      );
      const js = suspended.status!.jobStatus!;
      assert.equal(js.state, "FINISHED");
      assert.match(js.upgradeSavepointPath ?? "", /savepoint-/);
      const jobs = await clusterJobs(client, ns, "session");
      assert.equal(jobs.get(before.jobId), "FINISHED");

      // suspended -> suspended: the change is recorded, nothing starts.
      await patchSjSpec(client, ns, "job", { job: { args: ["--v2"] } });
      const still = await waitForSj(
        client,
        ns,
        "job",
        "the change recorded while suspended",
        (sj) => sj.status?.observedGeneration === before.generation + 2,
      );
      assert.equal(still.status?.lifecycleState, "SUSPENDED");
      const recorded = JSON.parse(still.status!.reconciliationStatus!.lastReconciledSpec!);
      assert.deepEqual(recorded.spec.job.args, ["--v2"]);
      assert.equal(recorded.spec.job.state, "suspended");
      assert.equal((await clusterJobs(client, ns, "session")).size, 1, "no new job");

      await patchSjSpec(client, ns, "job", { job: { state: "running" } });
      const resumed = await sjUpgraded(client, ns, "job", before.generation + 3);
      const jobId = resumed.status!.jobStatus!.jobId!;
      assert.notEqual(jobId, before.jobId);
      const restored = await sessionJobCounter(client, ns, "session", jobId);
      assert.ok(restored >= stoppedAt, `resumed from the savepoint: ${restored} < ${stoppedAt}`);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "session job: created suspended, nothing runs until it is resumed",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, await sessionJobSettings());
    try {
      await createReadySession(client, ns, "session");
      await client.create(
        FlinkSessionJobs,
        ns,
        sessionJob(ns, "job", "session", await localJar(), { state: "suspended" }),
      );
      const created = await waitForSj(
        client,
        ns,
        "job",
        "labelled and seen",
        (sj) => sj.metadata.labels?.["target.session"] === "session",
      );
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await clusterJobs(client, ns, "session")).size, 0, "nothing submitted");
      assert.equal(
        (await getSj(client, ns, "job"))?.status?.reconciliationStatus?.lastReconciledSpec,
        undefined,
        "as FKO: the spec is recorded once the job first runs",
      );
      await patchSjSpec(client, ns, "job", { job: { state: "running" } });
      await sjUpgraded(client, ns, "job", created.metadata.generation! + 1);
      assert.equal((await clusterJobs(client, ns, "session")).size, 1);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "session job: a jar over http carries user.artifacts.http.header",
  async ({ client, ns }) => {
    const seen: (string | null)[] = [];
    await using server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (req) => {
        seen.push(req.headers.get("x-artifact-token"));
        return req.headers.get("x-artifact-token") === "let-me-in"
          ? new Response(new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]))
          : new Response("denied", { status: 403 });
      },
    );
    const op = await startOperator(client, ns, await sessionJobSettings());
    try {
      await createReadySession(client, ns, "session");
      const url = `http://127.0.0.1:${server.addr.port}/jobs/counter.jar`;
      await client.create(FlinkSessionJobs, ns, sessionJob(ns, "denied", "session", url));
      await waitForSj(
        client,
        ns,
        "denied",
        "the 403 in status",
        (sj) => /HTTP 403/.test(errorOf(sj)),
      );
      await client.create(
        FlinkSessionJobs,
        ns,
        sessionJob(ns, "allowed", "session", url, {
          flinkConfiguration: {
            "kubernetes.operator.user.artifacts.http.header": "x-artifact-token:let-me-in",
          },
        }),
      );
      await waitForSj(client, ns, "allowed", "running", isSjRunningStable);
      assert.ok(seen.includes("let-me-in") && seen.includes(null), JSON.stringify(seen));
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "session job: deletion cancels the job; the session cluster then deletes",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, await sessionJobSettings());
    try {
      await createReadySession(client, ns, "session");
      await client.create(FlinkSessionJobs, ns, sessionJob(ns, "job", "session", await localJar()));
      const { jobId } = await sjRunningWithState(client, ns, "job", 1);
      await client.delete(FlinkDeployments, ns, "session");
      await waitFor(
        "the session cluster's deletion to be blocked",
        async () =>
          (await eventsFor(client, ns, "session")).some((e) =>
            e.reason === "CleanupFailed" && e.message.includes("job")
          ),
      );
      await client.delete(FlinkSessionJobs, ns, "job");
      await waitFor("the session job to be gone", async () => !(await getSj(client, ns, "job")));
      const reasons = (await eventsFor(client, ns, "job")).map((e) => e.reason);
      assert.ok(reasons.includes("Cleanup"), `${reasons}`);
      // The session cluster's deletion proceeds at once (watch), not after a resync.
      await waitFor(
        "the session cluster to be deleted",
        async () => !(await client.get(FlinkDeployments, ns, "session")),
        { timeoutMs: 30_000 },
      );
      assert.ok(jobId);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "session job: deleting one that never ran, and one whose cluster is gone, does not hang",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, await sessionJobSettings());
    try {
      const jar = await localJar();
      await client.create(FlinkSessionJobs, ns, sessionJob(ns, "orphan", "missing", jar));
      await waitForSj(client, ns, "orphan", "waiting", (sj) => !!sj.status?.error);
      await client.delete(FlinkSessionJobs, ns, "orphan");
      await waitFor(
        "the never-deployed job to go",
        async () => !(await getSj(client, ns, "orphan")),
      );

      await createReadySession(client, ns, "session", {
        flinkConfiguration: {
          "kubernetes.operator.session.deletion.block-on-session-jobs": "false",
        },
      });
      await client.create(FlinkSessionJobs, ns, sessionJob(ns, "job", "session", jar));
      await sjRunningWithState(client, ns, "job", 1);
      await client.delete(FlinkDeployments, ns, "session");
      await waitFor(
        "the unblocked session cluster to be deleted",
        async () => !(await client.get(FlinkDeployments, ns, "session")),
      );
      await client.delete(FlinkSessionJobs, ns, "job");
      await waitFor(
        "the job of the gone cluster to go",
        async () => !(await getSj(client, ns, "job")),
      );
    } finally {
      await op.stop();
    }
  },
);

async function filesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) files.push(...await filesUnder(path));
    else files.push(path);
  }
  return files;
}
