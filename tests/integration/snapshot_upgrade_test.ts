import assert from "node:assert/strict";
import { FlinkDeployments, FlinkStateSnapshots } from "../../lib/flink/resources.ts";
import type { ResourceType } from "../../lib/kube/resource.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import {
  application,
  type Fd,
  getFd,
  isRunningStable,
  jobCounter,
  patchSpec,
  waitForFd,
} from "../support/flink.ts";
import {
  jobManagerConfig,
  listSnapshots,
  restorePathOf,
  snapshotEvents,
  snapshotMetadata,
  snapshotResource,
  waitForSnapshot,
} from "./snapshot_helpers.ts";

const admission = (plural: string, kind: string): ResourceType => ({
  group: "admissionregistration.k8s.io",
  version: "v1",
  plural,
  kind,
  namespaced: false,
});
const VALIDATING_POLICIES = admission("validatingadmissionpolicies", "ValidatingAdmissionPolicy");
const VALIDATING_POLICY_BINDINGS = admission(
  "validatingadmissionpolicybindings",
  "ValidatingAdmissionPolicyBinding",
);

integrationTest(
  "upgrade savepoint: recorded as an UPGRADE FlinkStateSnapshot and restored from by its labels",
  async ({ client, ns }) => {
    let op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "up", { upgradeMode: "savepoint" }),
      );
      await waitForFd(client, ns, "up", "running", isRunningStable);
      await waitFor("some state", async () => (await jobCounter(client, ns, "up")) >= 5);

      // Suspending stops the job with a savepoint, recorded as a snapshot resource.
      await patchSpec(client, ns, "up", { job: { state: "suspended" } });
      const suspended = await waitForFd(
        client,
        ns,
        "up",
        "suspended with a savepoint",
        (fd) =>
          fd.status?.lifecycleState === "SUSPENDED" && !!fd.status?.jobStatus?.upgradeSavepointPath,
      );
      const path = suspended.status!.jobStatus!.upgradeSavepointPath!;
      const upgrade = await waitFor("the UPGRADE snapshot resource", async () => {
        const found = await listSnapshots(
          client,
          ns,
          "snapshot.trigger-type=UPGRADE,job-reference.name=up",
        );
        return found.length === 1 ? found[0] : undefined;
      });
      const name = upgrade.metadata.name!;
      assert.match(name, /^up-savepoint-upgrade-\d{13}$/);
      assert.equal(upgrade.spec.savepoint?.alreadyExists, true);
      assert.equal(upgrade.spec.savepoint?.path, path);
      assert.equal(upgrade.spec.savepoint?.disposeOnDelete, false, "savepoint.dispose-on-delete");
      assert.deepEqual(upgrade.spec.jobReference, { kind: "FlinkDeployment", name: "up" });
      assert.equal(upgrade.metadata.ownerReferences, undefined, "outlives the deployment");
      const completed = await waitForSnapshot(
        client,
        ns,
        name,
        "COMPLETED",
        (s) => s.status?.state === "COMPLETED",
      );
      assert.equal(completed.status!.path, path);
      assert.equal(completed.metadata.labels?.["snapshot.type"], "SAVEPOINT");
      // With snapshot resources, the legacy status fields stay empty (as in FKO).
      const js = suspended.status!.jobStatus!;
      assert.equal(js.savepointInfo?.lastSavepoint ?? undefined, undefined);
      assert.deepEqual(js.savepointInfo?.savepointHistory ?? [], []);
      const savedCounter = (await snapshotMetadata(path)).counter;

      // Lose the status path (operator stopped meanwhile): the restore finds the snapshot by its
      // labels instead.
      await op.stop();
      await client.patch(
        FlinkDeployments,
        ns,
        "up",
        {
          status: { jobStatus: { upgradeSavepointPath: null } },
        },
        "merge",
        { subresource: "status" },
      );
      const lost = await getFd(client, ns, "up");
      assert.equal(lost?.status?.jobStatus?.upgradeSavepointPath ?? undefined, undefined);
      op = await startOperator(client, ns);
      await patchSpec(client, ns, "up", { job: { state: "running" } });
      const resumed = await waitForFd(
        client,
        ns,
        "up",
        "running again",
        (fd: Fd) =>
          isRunningStable(fd) &&
          fd.status?.observedGeneration === suspended.metadata.generation! + 1,
      );
      assert.equal(resumed.status!.jobStatus!.upgradeSavepointPath, path);
      assert.equal(restorePathOf(await jobManagerConfig(client, ns, "up")), path);
      const counter = await jobCounter(client, ns, "up");
      assert.ok(counter >= savedCounter, `state continues: ${counter} >= ${savedCounter}`);
      assert.ok((await getFd(client, ns, "up"))?.status?.jobStatus?.jobId);
    } finally {
      await op.stop();
    }
  },
);

integrationTest(
  "upgrade savepoint: the status path is written first, so a failed resource creation still restores",
  async ({ client, ns }) => {
    // An admission policy (scoped to this namespace) refuses UPGRADE snapshot resources.
    const policy = `deny-upgrade-snapshots-${ns}`;
    await client.create(VALIDATING_POLICIES, undefined, {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicy",
      metadata: { name: policy },
      spec: {
        failurePolicy: "Fail",
        matchConstraints: {
          resourceRules: [{
            apiGroups: ["flink.apache.org"],
            apiVersions: ["*"],
            operations: ["CREATE"],
            resources: ["flinkstatesnapshots"],
          }],
        },
        validations: [{
          expression: "!object.metadata.name.contains('-savepoint-upgrade-')",
          message: "upgrade snapshots are refused in this namespace",
        }],
      },
    });
    await client.create(VALIDATING_POLICY_BINDINGS, undefined, {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name: policy },
      spec: {
        policyName: policy,
        validationActions: ["Deny"],
        matchResources: {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
        },
      },
    });
    let op: Awaited<ReturnType<typeof startOperator>> | undefined;
    try {
      await waitFor("the admission policy to be in force", async () => {
        try {
          await client.create(
            FlinkStateSnapshots,
            ns,
            snapshotResource(ns, "probe-savepoint-upgrade-0", {
              savepoint: { alreadyExists: true, path: "x" },
            }),
          );
        } catch {
          return true;
        }
        await client.delete(FlinkStateSnapshots, ns, "probe-savepoint-upgrade-0");
        return false;
      });
      op = await startOperator(client, ns);
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "nq", { upgradeMode: "savepoint" }),
      );
      await waitForFd(client, ns, "nq", "running", isRunningStable);
      await waitFor("some state", async () => (await jobCounter(client, ns, "nq")) >= 5);
      await patchSpec(client, ns, "nq", { job: { state: "suspended" } });
      const suspended = await waitForFd(
        client,
        ns,
        "nq",
        "suspended with a savepoint",
        (fd) =>
          fd.status?.lifecycleState === "SUSPENDED" && !!fd.status?.jobStatus?.upgradeSavepointPath,
      );
      const path = suspended.status!.jobStatus!.upgradeSavepointPath!;
      await waitFor(
        "a SavepointError event about the snapshot resource",
        async () =>
          (await snapshotEvents(client, ns, "nq")).some((e) =>
            e.reason === "SavepointError" && e.message.includes(`upgrade savepoint ${path}`)
          ),
      );
      assert.deepEqual(
        (await listSnapshots(client, ns)).filter((s) => !s.metadata.deletionTimestamp),
        [],
      );

      await patchSpec(client, ns, "nq", { job: { state: "running" } });
      await waitForFd(
        client,
        ns,
        "nq",
        "running again",
        (fd: Fd) =>
          isRunningStable(fd) &&
          fd.status?.observedGeneration === suspended.metadata.generation! + 1,
      );
      assert.equal(restorePathOf(await jobManagerConfig(client, ns, "nq")), path);
    } finally {
      await op?.stop();
      await client.delete(VALIDATING_POLICY_BINDINGS, undefined, policy);
      await client.delete(VALIDATING_POLICIES, undefined, policy);
    }
  },
);
