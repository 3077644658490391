/**
 * Bad FlinkSessionJob input (FKO validateSessionJob): each case gets `status.error` and a
 * ValidationError event naming the field, nothing is submitted, and once a job is deployed an
 * invalid change keeps the last valid spec running.
 */
import assert from "node:assert/strict";
import { FlinkDeployments, FlinkSessionJobs } from "../../lib/flink/resources.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import { application, eventsFor, isRunningStable, waitForFd } from "../support/flink.ts";
import {
  clusterJobs,
  createReadySession,
  errorOf,
  localJar,
  patchSjSpec,
  sessionJob,
  sessionJobSettings,
  sjRunningWithState,
  waitForSj,
} from "../support/session_job.ts";
import type { KubeObject } from "../../lib/kube/resource.ts";
import { withoutAdmissionRules } from "../support/admission.ts";

interface BadCase {
  name: string;
  build: (ns: string, jar: string) => KubeObject;
  /** Expected in status.error and the event. */
  error: RegExp;
  /**
   * The CRDs' rules refuse it at once; it is created while the CRDs lack them (as CRDs
   * installed by others may) to show the operator refuses it too.
   */
  admission?: true;
}

const CASES: BadCase[] = [
  {
    name: "no-deployment",
    build: (ns, jar) =>
      withSpec(sessionJob(ns, "no-deployment", "session", jar), { deploymentName: undefined }),
    error: /spec\.deploymentName: required/,
    admission: true,
  },
  {
    name: "bad-deployment",
    build: (ns, jar) => sessionJob(ns, "bad-deployment", "Not_A_Name", jar),
    error: /spec\.deploymentName: is not a valid FlinkDeployment name/,
    admission: true,
  },
  {
    name: "no-job",
    build: (ns, jar) => withSpec(sessionJob(ns, "no-job", "session", jar), { job: undefined }),
    error: /spec\.job: required/,
    admission: true,
  },
  {
    name: "no-scheme",
    build: (ns) => sessionJob(ns, "no-scheme", "session", "/opt/flink/job.jar"),
    error: /spec\.job\.jarURI: has no scheme/,
    admission: true,
  },
  {
    name: "bad-scheme",
    build: (ns) => sessionJob(ns, "bad-scheme", "session", "s3://bucket/job.jar"),
    error: /scheme "s3" is not allowed .*user\.artifacts\.allowed-schemes/,
  },
  {
    name: "no-savepoint-dir",
    build: (ns, jar) =>
      sessionJob(ns, "no-savepoint-dir", "session", jar, {
        upgradeMode: "savepoint",
        flinkConfiguration: { "state.savepoints.dir": "" },
      }),
    error: /savepoint needs a savepoint directory/,
  },
  {
    name: "zero-parallelism",
    build: (ns, jar) =>
      sessionJob(ns, "zero-parallelism", "session", jar, { job: { parallelism: 0 } }),
    error: /spec\.job\.parallelism: must be at least 1/,
    admission: true,
  },
  {
    name: "on-application",
    build: (ns, jar) => sessionJob(ns, "on-application", "app", jar),
    error: /is an application cluster/,
  },
];

function withSpec(obj: KubeObject, spec: Record<string, unknown>): KubeObject {
  const o = obj as KubeObject & { spec: Record<string, unknown> };
  return { ...o, spec: { ...o.spec, ...spec } } as KubeObject;
}

integrationTest(
  "session job validation: bad input is refused with the field and the fix, nothing runs",
  async ({ client, ns }) => {
    const op = await startOperator(
      client,
      ns,
      await sessionJobSettings({
        "kubernetes.operator.user.artifacts.allowed-schemes": "https,file",
      }),
    );
    try {
      await createReadySession(client, ns, "session");
      await client.create(FlinkDeployments, ns, application(ns, "app"));
      await waitForFd(client, ns, "app", "running", isRunningStable);
      const jar = await localJar();
      for (const c of CASES.filter((c) => !c.admission)) {
        await client.create(FlinkSessionJobs, ns, c.build(ns, jar));
      }
      await withoutAdmissionRules(client, async () => {
        for (const c of CASES.filter((c) => c.admission)) {
          await client.create(FlinkSessionJobs, ns, c.build(ns, jar));
        }
      });
      for (const c of CASES) {
        const sj = await waitForSj(
          client,
          ns,
          c.name,
          `refused with ${c.error}`,
          (sj) => c.error.test(errorOf(sj)),
        );
        assert.equal(sj.status?.lifecycleState, "FAILED", c.name);
        assert.equal(sj.status?.reconciliationStatus?.lastReconciledSpec, undefined, c.name);
        const events = await eventsFor(client, ns, c.name);
        assert.ok(
          events.some((e) => e.reason === "ValidationError" && c.error.test(e.message)),
          `${c.name}: ${JSON.stringify(events)}`,
        );
      }
      assert.equal((await clusterJobs(client, ns, "session")).size, 0, "nothing was submitted");
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "session job validation: an invalid change keeps the deployed job running",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns, await sessionJobSettings());
    try {
      await createReadySession(client, ns, "session");
      await createReadySession(client, ns, "other");
      await client.create(FlinkSessionJobs, ns, sessionJob(ns, "job", "session", await localJar()));
      const { jobId, generation } = await sjRunningWithState(client, ns, "job", 1);
      // The CRDs' rules refuse the change at once (tests/integration/admission_rules_test.ts);
      // without them the operator refuses it.
      await withoutAdmissionRules(
        client,
        () => patchSjSpec(client, ns, "job", { deploymentName: "other", job: { parallelism: 1 } }),
      );
      const sj = await waitForSj(
        client,
        ns,
        "job",
        "the immutable deploymentName refused",
        (sj) => /spec\.deploymentName: cannot change after the job was deployed/.test(errorOf(sj)),
      );
      assert.equal(sj.status!.jobStatus!.jobId, jobId, "the deployed job is untouched");
      assert.equal(
        sj.status!.observedGeneration,
        generation,
        "the invalid generation is not observed",
      );
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await clusterJobs(client, ns, "session")).get(jobId), "RUNNING");
      assert.equal((await clusterJobs(client, ns, "other")).size, 0);
      // Reverting the change clears the error. (With the rules, "other" would now be the
      // stored name the revert changes; CRDs that gained rules while such a change was stored
      // need the revert applied without them, or the job recreated.)
      await withoutAdmissionRules(
        client,
        () =>
          patchSjSpec(client, ns, "job", { deploymentName: "session", job: { parallelism: 2 } }),
      );
      await waitFor("the error to clear", async () => {
        const sj = await waitForSj(client, ns, "job", "any", () => true);
        return sj.status?.error === undefined;
      });
    } finally {
      await op.stop();
    }
  },
);
