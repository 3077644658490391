/**
 * `flinkop plan` against reality: for a table of changes, plan the change, apply it, and check
 * that what the operator then did agrees with the plan — its job id kept or changed, its
 * JobManager Deployment (uid) kept, replaced or deleted, the events it recorded (SpecChanged,
 * Suspended, Scaling, Submit), the UPGRADE snapshots it took, the restore mode it recorded in
 * lastReconciledSpec and the path the new JobManager was started from. Local cluster, operator in
 * process on the simulator; plan runs as `flinkop plan` does (in process, JSON output), through
 * the API server's service proxy where the cluster has a pod network.
 *
 * Scenarios run concurrently, one resource each, their steps in order.
 */
import assert from "node:assert/strict";
import { runPlan } from "../../lib/cli/plan.ts";
import type { JobPlan, PlannedOutcome } from "../../lib/flink/job/plan_job.ts";
import {
  FlinkDeployments,
  FlinkSessionJobs,
  FlinkStateSnapshots,
} from "../../lib/flink/resources.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { testKubeconfig } from "../support/cluster.ts";
import {
  application,
  eventsFor,
  isRunningStable,
  jobCounter,
  jobManagerUrl,
  waitForFd,
} from "../support/flink.ts";
import { integrationTest, waitFor } from "../support/integration.ts";
import { startOperator } from "../support/operator.ts";
import { testPodCidr } from "../support/pod_network.ts";
import {
  createReadySession,
  localJar,
  sessionJob,
  sessionJobSettings,
  sjRunningWithState,
} from "../support/session_job.ts";
import { errorMessageOf } from "../../lib/flink/spec/error_json.ts";
import { jobManagerConfig, restorePathOf } from "./snapshot_helpers.ts";

const CRASH = "sim.flinkop.dev/jobmanager-crash";
const OVERRIDES = "pipeline.jobvertex-parallelism-overrides";
const repoRoot = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
/** plan's default (api-proxy) needs pods the API server can proxy to; loopback pods cannot. */
const REST_ACCESS = testPodCidr() ? [] : ["--rest-access", "pod-ip"];

type Kind = "FlinkDeployment" | "FlinkSessionJob";

interface JobResource extends KubeObject {
  spec: { job?: { upgradeMode?: string }; [field: string]: unknown };
  status?: {
    lifecycleState?: string;
    observedGeneration?: number;
    error?: string;
    jobStatus?: { jobId?: string; state?: string; upgradeSavepointPath?: string };
    reconciliationStatus?: { state?: string; lastReconciledSpec?: string };
  };
}

interface Ctx {
  client: KubeClient;
  ns: string;
  kubeconfig: string;
  configFile: string;
}

/** What the test compares before and after a change. */
interface Observed {
  resource: JobResource;
  jobManagerUid?: string;
  /** Event count per reason. */
  events: Map<string, number>;
  upgradeSnapshots: { name: string; path?: string }[];
}

interface Target {
  kind: Kind;
  name: string;
  /** The FlinkDeployment whose JobManager Deployment runs the job. */
  cluster: string;
}

async function plan(ctx: Ctx, args: string[]): Promise<{ code: number; plan: JobPlan }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPlan(
    [
      ...args,
      "-n",
      ctx.ns,
      "-o",
      "json",
      "--kubeconfig",
      ctx.kubeconfig,
      ...REST_ACCESS,
      "--config-file",
      ctx.configFile,
    ],
    { out: (l) => out.push(l), err: (l) => err.push(l) },
  );
  assert.ok(code === 0 || code === 3, `plan ${args.join(" ")} exited ${code}: ${err.join("\n")}`);
  return { code, plan: JSON.parse(out.join("\n")) as JobPlan };
}

function typeOf(kind: Kind) {
  return kind === "FlinkDeployment" ? FlinkDeployments : FlinkSessionJobs;
}

async function observe(ctx: Ctx, target: Target): Promise<Observed> {
  const resource = await ctx.client.get<JobResource>(typeOf(target.kind), ctx.ns, target.name);
  assert.ok(resource, `${target.name} exists`);
  const jm = await ctx.client.get(Resources.deployments, ctx.ns, target.cluster);
  const events = new Map<string, number>();
  for (const e of await eventsFor(ctx.client, ctx.ns, target.name)) {
    events.set(e.reason, (events.get(e.reason) ?? 0) + (e.count ?? 1));
  }
  const snapshots = await ctx.client.list<KubeObject & { status?: { path?: string } }>(
    FlinkStateSnapshots,
    ctx.ns,
    { labelSelector: `job-reference.name=${target.name},snapshot.trigger-type=UPGRADE` },
  );
  return {
    resource,
    jobManagerUid: jm && !jm.metadata.deletionTimestamp ? jm.metadata.uid : undefined,
    events,
    upgradeSnapshots: snapshots.items.map((s) => ({ name: s.metadata.name!, path: s.status?.path }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

function recordedUpgradeMode(r: JobResource): string | undefined {
  const rec = r.status?.reconciliationStatus?.lastReconciledSpec;
  return rec ? JSON.parse(rec).spec.job?.upgradeMode : undefined;
}

/** Waits until the operator has done what `outcome` says for `generation`. */
async function settled(
  ctx: Ctx,
  target: Target,
  generation: number,
  outcome: PlannedOutcome,
): Promise<void> {
  await waitFor(`${target.name}: generation ${generation} ${outcome.action} done`, async () => {
    const r = await ctx.client.get<JobResource>(typeOf(target.kind), ctx.ns, target.name);
    const s = r?.status;
    // A failure is recorded in status.error; the generation is then not taken as reconciled.
    if (outcome.action === "fail") {
      return (errorMessageOf(s?.error) ?? "").includes(outcome.summary.replace(/^\w+: /, ""));
    }
    if (!s || (s.observedGeneration ?? 0) < generation) return false;
    if (s.reconciliationStatus?.state !== "DEPLOYED") return false;
    switch (outcome.action) {
      case "nothing":
      case "record-only":
        return true;
      case "suspend":
        return s.lifecycleState === "SUSPENDED";
      default:
        return s.jobStatus?.state === "RUNNING" && s.lifecycleState === "STABLE";
    }
  }, { timeoutMs: 120_000, intervalMs: 300 });
}

const WATCHED_EVENTS = ["SpecChanged", "Suspended", "Scaling", "Submit"];

/** What the operator did (before → after) agrees with `o`. */
async function assertAgrees(
  ctx: Ctx,
  target: Target,
  o: PlannedOutcome,
  before: Observed,
  after: Observed,
): Promise<void> {
  const what = `${target.name} (${o.action}: ${o.summary})`;
  const js = (x: Observed) => x.resource.status?.jobStatus ?? {};
  switch (o.jobId) {
    case "kept":
      assert.equal(js(after).jobId, js(before).jobId, `${what}: job id kept`);
      break;
    case "new":
      assert.ok(js(after).jobId, `${what}: a job id`);
      assert.notEqual(js(after).jobId, js(before).jobId, `${what}: a new job id`);
      break;
    case "none":
      assert.notEqual(js(after).state, "RUNNING", `${what}: no job runs`);
      break;
  }
  switch (o.jobManager) {
    case "kept":
      assert.equal(after.jobManagerUid, before.jobManagerUid, `${what}: same JobManager`);
      break;
    case "replaced":
      assert.ok(after.jobManagerUid, `${what}: a JobManager`);
      assert.notEqual(after.jobManagerUid, before.jobManagerUid, `${what}: a new JobManager`);
      break;
    case "created":
      assert.ok(after.jobManagerUid && !before.jobManagerUid, `${what}: a JobManager created`);
      break;
    case "deleted":
      assert.equal(after.jobManagerUid, undefined, `${what}: JobManager deleted`);
      break;
  }
  if (o.restoreMode && !["nothing", "record-only"].includes(o.action)) {
    assert.equal(recordedUpgradeMode(after.resource), o.restoreMode, `${what}: restore mode`);
  }
  for (const reason of new Set([...WATCHED_EVENTS, ...o.events])) {
    const grew = (after.events.get(reason) ?? 0) > (before.events.get(reason) ?? 0);
    assert.equal(grew, o.events.includes(reason), `${what}: event ${reason} (plan: ${o.events})`);
  }
  if (o.action === "fail") {
    assert.equal(
      after.resource.status?.reconciliationStatus?.lastReconciledSpec,
      before.resource.status?.reconciliationStatus?.lastReconciledSpec,
      `${what}: nothing deployed`,
    );
  }
  const upgradeSnapshotTaken = o.restoreFrom?.kind === "savepoint-taken-now";
  assert.equal(
    after.upgradeSnapshots.length,
    before.upgradeSnapshots.length + (upgradeSnapshotTaken ? 1 : 0),
    `${what}: UPGRADE snapshots`,
  );
  const path = js(after).upgradeSavepointPath;
  switch (o.restoreFrom?.kind) {
    case "savepoint-taken-now": {
      const taken = after.upgradeSnapshots.find((s) =>
        !before.upgradeSnapshots.some((b) => b.name === s.name)
      );
      assert.equal(path, taken?.path, `${what}: restores from the savepoint taken`);
      break;
    }
    case "newest-checkpoint":
      assert.ok(path && !/savepoint-/.test(path), `${what}: a checkpoint path, got ${path}`);
      assert.notEqual(path, js(before).upgradeSavepointPath, `${what}: a new restore point`);
      break;
    case "recorded-savepoint":
    case "initial-savepoint":
      assert.equal(path, o.restoreFrom.path, `${what}: upgradeSavepointPath`);
      break;
  }
  if (target.kind === "FlinkDeployment" && o.jobManager !== "kept" && o.jobId !== "none") {
    // What the new JobManager was started from.
    const started = restorePathOf(await jobManagerConfig(ctx.client, ctx.ns, target.cluster));
    switch (o.restoreFrom?.kind) {
      case "nothing":
        assert.equal(started, undefined, `${what}: started without state`);
        break;
      case "savepoint-taken-now":
      case "newest-checkpoint":
      case "recorded-savepoint":
      case "initial-savepoint":
        assert.equal(started, path, `${what}: started from ${path}`);
        break;
    }
  }
}

interface Step {
  /** plan's arguments after NAME (or instead of it, for -f). */
  args: string[];
  /** Applies the change (the same one plan was given). */
  apply: (ctx: Ctx, target: Target) => Promise<void>;
  /** What the plan must say (beyond agreeing with reality). */
  expect: (plan: JobPlan, o: PlannedOutcome) => void;
  /** Uses the NAME form unless false (then args hold -f FILE). */
  byName?: boolean;
}

/** Plans `step`, applies it and checks that the operator did what was planned. */
async function planThenApply(ctx: Ctx, target: Target, step: Step): Promise<PlannedOutcome> {
  const before = await observe(ctx, target);
  const { plan: p } = await plan(
    ctx,
    step.byName === false ? step.args : [target.name, ...step.args],
  );
  assert.equal(p.outcomes.length, 1, `one outcome expected: ${JSON.stringify(p, null, 1)}`);
  const o = p.outcomes[0];
  try {
    step.expect(p, o);
  } catch (err) {
    throw new Error(
      `plan for ${target.name} ${step.args.join(" ")}: ${err}\n${JSON.stringify(p, null, 1)}`,
    );
  }
  const generation = (before.resource.metadata.generation ?? 0) + 1;
  await step.apply(ctx, target);
  await settled(ctx, target, generation, o);
  await assertAgrees(ctx, target, o, before, await observe(ctx, target));
  return o;
}

function patchWith(patch: Record<string, unknown>): Pick<Step, "args" | "apply"> {
  return {
    args: ["--patch", JSON.stringify(patch)],
    apply: async (ctx, t) => {
      await ctx.client.patch(typeOf(t.kind), ctx.ns, t.name, patch);
    },
  };
}

/** `--set` expressions, and the merge patch that makes the same change when applied. */
function setting(sets: string[], patch: Record<string, unknown>): Pick<Step, "args" | "apply"> {
  return {
    args: sets.flatMap((s) => ["--set", s]),
    apply: async (ctx, t) => {
      await ctx.client.patch(typeOf(t.kind), ctx.ns, t.name, patch);
    },
  };
}

async function runningWithCheckpoint(ctx: Ctx, name: string) {
  const fd = await waitForFd(ctx.client, ctx.ns, name, "running", isRunningStable);
  await waitFor(
    `${name}: some state`,
    async () => (await jobCounter(ctx.client, ctx.ns, name)) >= 5,
  );
  await completedCheckpointSeen(ctx, name);
  return fd;
}

/**
 * The running job's checkpoint statistics, as the JobManager's REST API serves them (cached by
 * Flink for a few seconds), show a checkpoint completed after the job started: what a plan reads.
 */
async function completedCheckpointSeen(ctx: Ctx, name: string): Promise<void> {
  await waitFor(`${name}: a completed checkpoint in the REST statistics`, async () => {
    const fd = await waitForFd(ctx.client, ctx.ns, name, "running", isRunningStable);
    const js = fd.status!.jobStatus!;
    const url = await jobManagerUrl(ctx.client, ctx.ns, name);
    const res = await fetch(`${url}/v1/jobs/${js.jobId}/checkpoints`);
    if (!res.ok) {
      await res.body?.cancel();
      return false;
    }
    const stats = await res.json() as {
      latest?: { completed?: { latest_ack_timestamp?: number } | null };
    };
    const acked = stats.latest?.completed?.latest_ack_timestamp ?? 0;
    return acked > Number(js.startTime ?? 0);
  }, { timeoutMs: 60_000 });
}

/** Savepoint mode, no HA: no-op, savepoint upgrade, suspend, resume, redeploy, stateless. */
async function savepointLifecycle(ctx: Ctx): Promise<void> {
  const target: Target = { kind: "FlinkDeployment", name: "sp", cluster: "sp" };
  await ctx.client.create(
    FlinkDeployments,
    ctx.ns,
    application(ctx.ns, "sp", { upgradeMode: "savepoint" }),
  );
  await runningWithCheckpoint(ctx, "sp");

  // The same value again: no change. (The recorded upgradeMode is the first start's restore
  // mode, stateless, which differs from the spec's: an IGNORE difference, always there.)
  const same = (await plan(ctx, ["sp", "--set", "spec.job.parallelism=2"])).plan;
  assert.deepEqual(same.diff.changes.map((c) => `${c.path}:${c.type}`), ["job.upgradeMode:IGNORE"]);
  assert.equal(same.outcomes[0].action, "nothing");

  await planThenApply(ctx, target, {
    ...setting(
      ["spec.flinkConfiguration.kubernetes.operator.savepoint.history.max.count=5"],
      { spec: { flinkConfiguration: { "kubernetes.operator.savepoint.history.max.count": "5" } } },
    ),
    expect: (p, o) => {
      assert.equal(p.diff.type, "IGNORE");
      assert.equal(o.action, "nothing");
      assert.equal(o.jobId, "kept");
      assert.deepEqual(o.events, []);
    },
  });

  // Planning writes nothing: the resource (status included) and its events stay as they are.
  const untouched = await observe(ctx, target);
  const upgrade = patchWith({ spec: { job: { args: ["--v2"] } } });
  await plan(ctx, ["sp", ...upgrade.args]);
  const stillUntouched = await observe(ctx, target);
  assert.equal(
    stillUntouched.resource.metadata.resourceVersion,
    untouched.resource.metadata.resourceVersion,
    "plan changed the resource",
  );
  assert.deepEqual(stillUntouched.events, untouched.events, "plan recorded events");

  await planThenApply(ctx, target, {
    ...upgrade,
    expect: (p, o) => {
      assert.equal(p.diff.type, "UPGRADE");
      assert.equal(o.action, "upgrade");
      assert.equal(o.upgrade?.suspend, "SAVEPOINT");
      assert.equal(o.restoreMode, "savepoint");
      assert.equal(o.restoreFrom?.kind, "savepoint-taken-now");
      assert.equal(o.downtime, "cluster-redeploy");
      assert.equal(o.jobId, "new");
      assert.equal(o.jobManager, "replaced");
    },
  });
  const upgradeSavepoint = (await observe(ctx, target)).resource.status!.jobStatus!
    .upgradeSavepointPath!;

  await planThenApply(ctx, target, {
    ...patchWith({ spec: { job: { state: "suspended" } } }),
    expect: (_p, o) => {
      assert.equal(o.action, "suspend");
      assert.equal(o.upgrade?.suspend, "SAVEPOINT");
      assert.equal(o.downtime, "until-resumed");
      assert.equal(
        o.jobManager,
        "deleted",
        "a native JobManager without HA goes with its finished job (its restart would rerun it)",
      );
    },
  });
  const suspendedAt = (await observe(ctx, target)).resource.status!.jobStatus!
    .upgradeSavepointPath!;
  assert.notEqual(suspendedAt, upgradeSavepoint);

  await planThenApply(ctx, target, {
    ...patchWith({ spec: { job: { state: "running" } } }),
    expect: (_p, o) => {
      assert.equal(o.action, "resume");
      assert.equal(o.restoreMode, "savepoint");
      assert.equal(o.restoreFrom?.kind, "recorded-savepoint");
      assert.equal(o.restoreFrom?.path, suspendedAt);
      assert.equal(o.jobManager, "created", "the suspend removed it");
    },
  });

  await planThenApply(ctx, target, {
    ...patchWith({
      spec: { job: { savepointRedeployNonce: 1, initialSavepointPath: upgradeSavepoint } },
    }),
    expect: (p, o) => {
      assert.equal(p.diff.type, "SAVEPOINT_REDEPLOY");
      assert.equal(o.action, "redeploy-from-savepoint");
      assert.equal(o.restoreFrom?.kind, "initial-savepoint");
      assert.equal(o.restoreFrom?.path, upgradeSavepoint);
      assert.equal(o.jobId, "new");
    },
  });

  await planThenApply(ctx, target, {
    ...setting(
      ["spec.job.upgradeMode=stateless", "spec.job.args=[--v3]"],
      { spec: { job: { upgradeMode: "stateless", args: ["--v3"] } } },
    ),
    expect: (_p, o) => {
      assert.equal(o.action, "upgrade");
      assert.equal(o.upgrade?.suspend, "STATELESS");
      assert.equal(o.restoreMode, "stateless");
      assert.equal(o.restoreFrom?.kind, "nothing");
      assert.equal(o.jobId, "new");
    },
  });
}

/** A parallelism override alone with the adaptive scheduler: in place; unknown without REST. */
async function inPlaceScale(ctx: Ctx): Promise<void> {
  const target: Target = { kind: "FlinkDeployment", name: "scale", cluster: "scale" };
  await ctx.client.create(
    FlinkDeployments,
    ctx.ns,
    application(ctx.ns, "scale", {
      upgradeMode: "savepoint",
      flinkConfiguration: { "jobmanager.scheduler": "adaptive" },
    }),
  );
  const fd = await runningWithCheckpoint(ctx, "scale");
  const url = await jobManagerUrl(ctx.client, ctx.ns, "scale");
  const job = await (await fetch(`${url}/v1/jobs/${fd.status!.jobStatus!.jobId}`)).json() as {
    vertices: { id: string }[];
  };
  const set = `spec.flinkConfiguration.${OVERRIDES}=${job.vertices[0].id}:3`;

  // Without the JobManager (no cluster DNS here) whether it scales in place is unknown.
  const out: string[] = [];
  const code = await runPlan(
    [
      "scale",
      "--set",
      set,
      "-n",
      ctx.ns,
      "-o",
      "json",
      "--kubeconfig",
      ctx.kubeconfig,
      "--rest-access",
      "service-dns",
      "--config-file",
      ctx.configFile,
    ],
    { out: (l) => out.push(l), err: (l) => out.push(l) },
  );
  assert.equal(code, 0, out.join("\n"));
  const blind = JSON.parse(out.join("\n")) as JobPlan;
  assert.match(blind.unknown.map((u) => u.fact).join(";"), /resource requirements/);
  assert.deepEqual(blind.outcomes.map((o) => o.action), ["in-place-scale", "upgrade"]);
  assert.match(blind.outcomes[0].when ?? "", /JobManager answers/);
  assert.match(blind.outcomes[1].when ?? "", /not possible/);

  await planThenApply(ctx, target, {
    ...setting([set], { spec: { flinkConfiguration: { [OVERRIDES]: `${job.vertices[0].id}:3` } } }),
    expect: (p, o) => {
      assert.equal(p.diff.type, "SCALE");
      assert.equal(p.unknown.length, 0);
      assert.equal(o.action, "in-place-scale");
      assert.equal(o.downtime, "in-place");
      assert.deepEqual(o.events, ["SpecChanged", "Scaling"]);
    },
  });
}

/** Savepoint mode with HA, JobManager crash-looping: falls back to last-state through HA. */
async function crashLoopingFallback(ctx: Ctx): Promise<void> {
  const target: Target = { kind: "FlinkDeployment", name: "crash", cluster: "crash" };
  await ctx.client.create(
    FlinkDeployments,
    ctx.ns,
    application(ctx.ns, "crash", { upgradeMode: "savepoint", ha: true }),
  );
  await runningWithCheckpoint(ctx, "crash");
  await ctx.client.patch(FlinkDeployments, ctx.ns, "crash", {
    metadata: { annotations: { [CRASH]: "true" } },
  });
  await waitForFd(
    ctx.client,
    ctx.ns,
    "crash",
    "JobManager ERROR",
    (f) => f.status?.jobManagerDeploymentStatus === "ERROR",
    120_000,
  );
  await planThenApply(ctx, target, {
    args: ["--set", "spec.job.args=[--after-crash]"],
    // Fixed and upgraded at once, as in deployment_failures_test.
    apply: async (c, t) => {
      await c.client.patch(FlinkDeployments, c.ns, t.name, {
        metadata: { annotations: { [CRASH]: null } },
        spec: { job: { args: ["--after-crash"] } },
      });
    },
    expect: (_p, o) => {
      assert.equal(o.action, "upgrade");
      assert.equal(o.upgrade?.specUpgradeMode, "savepoint");
      assert.equal(o.upgrade?.suspend, "LAST_STATE");
      assert.equal(o.restoreMode, "last-state");
      assert.match(o.upgrade?.why ?? "", /falls back to last-state/);
      assert.equal(o.restoreFrom?.kind, "ha-metadata");
      assert.equal(o.jobId, "kept");
    },
  });
}

/** Savepoint mode without HA, JobManager crash-looping: "Manual restore required", as planned. */
async function crashLoopingWithoutHa(ctx: Ctx): Promise<void> {
  const target: Target = { kind: "FlinkDeployment", name: "nofb", cluster: "nofb" };
  await ctx.client.create(
    FlinkDeployments,
    ctx.ns,
    application(ctx.ns, "nofb", { upgradeMode: "savepoint" }),
  );
  await runningWithCheckpoint(ctx, "nofb");
  // The JobManager has run (so it is not taken for one that never started).
  await waitFor("an available JobManager Deployment", async () => {
    const jm = await ctx.client.get<KubeObject & { status?: { availableReplicas?: number } }>(
      Resources.deployments,
      ctx.ns,
      "nofb",
    );
    return (jm?.status?.availableReplicas ?? 0) >= 1;
  });
  await ctx.client.patch(FlinkDeployments, ctx.ns, "nofb", {
    metadata: { annotations: { [CRASH]: "true" } },
  });
  await waitForFd(
    ctx.client,
    ctx.ns,
    "nofb",
    "JobManager ERROR",
    (f) => f.status?.jobManagerDeploymentStatus === "ERROR",
    120_000,
  );
  const step = setting(["spec.job.args=[--x]"], { spec: { job: { args: ["--x"] } } });
  assert.equal((await plan(ctx, ["nofb", ...step.args])).code, 3, "exit 3: it would fail");
  await planThenApply(ctx, target, {
    ...step,
    expect: (_p, o) => {
      assert.equal(o.action, "fail");
      assert.match(o.summary, /^UpgradeFailed: .*Manual restore required/);
      assert.deepEqual(o.events, ["SpecChanged", "UpgradeFailed"]);
      assert.equal(o.jobManager, "kept");
    },
  });
}

/** Last-state with HA, the change given as a file (-f). */
async function lastStateWithHa(ctx: Ctx): Promise<void> {
  const target: Target = { kind: "FlinkDeployment", name: "ls", cluster: "ls" };
  await ctx.client.create(
    FlinkDeployments,
    ctx.ns,
    application(ctx.ns, "ls", { upgradeMode: "last-state", ha: true }),
  );
  const fd = await runningWithCheckpoint(ctx, "ls");
  const changed = {
    apiVersion: "flink.apache.org/v1beta1",
    kind: "FlinkDeployment",
    metadata: { name: "ls", namespace: ctx.ns },
    spec: { ...fd.spec, job: { ...fd.spec.job!, parallelism: 1 } },
  };
  const file = await Deno.makeTempFile({ suffix: ".yaml" });
  await Deno.writeTextFile(file, JSON.stringify(changed));
  await planThenApply(ctx, target, {
    byName: false,
    args: ["-f", file],
    apply: async (c, t) => {
      const live = await c.client.get<JobResource>(FlinkDeployments, c.ns, t.name);
      await c.client.replace(FlinkDeployments, c.ns, { ...live!, spec: changed.spec });
    },
    expect: (_p, o) => {
      assert.equal(o.upgrade?.suspend, "LAST_STATE");
      assert.equal(o.restoreFrom?.kind, "ha-metadata");
      assert.equal(o.jobId, "kept");
      assert.equal(o.jobManager, "replaced");
    },
  });
  await Deno.remove(file);

  // A newest checkpoint older than max.allowed.checkpoint.age: a savepoint instead. Without the
  // JobManager the age is unknown, and the plan says what each possibility leads to.
  await completedCheckpointSeen(ctx, "ls");
  const maxAge = "kubernetes.operator.job.upgrade.last-state.max.allowed.checkpoint.age";
  const sets = [`spec.flinkConfiguration.${maxAge}=10 ms`, "spec.job.args=[--aged]"];
  const out: string[] = [];
  const code = await runPlan(
    [
      "ls",
      ...sets.flatMap((s) => ["--set", s]),
      "-n",
      ctx.ns,
      "-o",
      "json",
      "--kubeconfig",
      ctx.kubeconfig,
      "--rest-access",
      "service-dns",
      "--config-file",
      ctx.configFile,
    ],
    { out: (l) => out.push(l), err: (l) => out.push(l) },
  );
  assert.equal(code, 0, out.join("\n"));
  const blind = JSON.parse(out.join("\n")) as JobPlan;
  assert.match(blind.unknown.map((u) => u.fact).join(";"), /newest checkpoint/);
  assert.deepEqual(
    blind.outcomes.map((o) => `${o.action}/${o.upgrade?.suspend ?? "-"}`),
    ["upgrade/LAST_STATE", "wait/-", "upgrade/SAVEPOINT"],
  );
  await planThenApply(ctx, target, {
    ...setting(sets, {
      spec: { flinkConfiguration: { [maxAge]: "10 ms" }, job: { args: ["--aged"] } },
    }),
    expect: (_p, o) => {
      assert.equal(o.upgrade?.specUpgradeMode, "last-state");
      assert.equal(o.upgrade?.suspend, "SAVEPOINT");
      assert.match(o.upgrade?.why ?? "", /older than kubernetes\.operator\.job\.upgrade/);
      assert.equal(o.restoreMode, "savepoint");
      assert.equal(o.restoreFrom?.kind, "savepoint-taken-now");
      assert.equal(o.jobId, "new");
    },
  });
}

/** Last-state without HA: cancel, restore from the newest checkpoint. */
async function lastStateWithoutHa(ctx: Ctx): Promise<void> {
  const target: Target = { kind: "FlinkDeployment", name: "lsnoha", cluster: "lsnoha" };
  await ctx.client.create(
    FlinkDeployments,
    ctx.ns,
    application(ctx.ns, "lsnoha", { upgradeMode: "last-state" }),
  );
  await runningWithCheckpoint(ctx, "lsnoha");
  await planThenApply(ctx, target, {
    ...setting(["spec.job.args=[--x]"], { spec: { job: { args: ["--x"] } } }),
    expect: (_p, o) => {
      assert.equal(o.upgrade?.suspend, "CANCEL");
      assert.match(o.upgrade?.why ?? "", /no HA metadata/);
      assert.equal(o.restoreMode, "savepoint");
      assert.equal(o.restoreFrom?.kind, "newest-checkpoint");
      assert.ok(o.restoreFrom?.path, "the newest checkpoint now");
      assert.equal(o.jobId, "new");
    },
  });
}

/** A FlinkSessionJob's savepoint upgrade: a job restart, its session cluster untouched. */
async function sessionJobUpgrade(ctx: Ctx): Promise<void> {
  await createReadySession(ctx.client, ctx.ns, "session");
  await ctx.client.create(
    FlinkSessionJobs,
    ctx.ns,
    sessionJob(ctx.ns, "sj", "session", await localJar(), { upgradeMode: "savepoint" }),
  );
  await sjRunningWithState(ctx.client, ctx.ns, "sj");
  await planThenApply(ctx, { kind: "FlinkSessionJob", name: "sj", cluster: "session" }, {
    ...setting(["spec.job.parallelism=1"], { spec: { job: { parallelism: 1 } } }),
    expect: (p, o) => {
      assert.equal(p.kind, "FlinkSessionJob");
      assert.equal(o.upgrade?.suspend, "SAVEPOINT");
      assert.equal(o.restoreFrom?.kind, "savepoint-taken-now");
      assert.equal(o.downtime, "job-restart");
      assert.equal(o.jobManager, "n/a");
      assert.equal(o.jobId, "new");
    },
  });
}

integrationTest(
  "flinkop plan agrees with what the operator then does, for a table of changes",
  async ({ client, ns }) => {
    const settings = await sessionJobSettings();
    const configFile = await Deno.makeTempFile({ suffix: ".yaml" });
    // The operator's configuration, given to plan as `--config-file` like to `flinkop run`.
    await Deno.writeTextFile(
      configFile,
      Object.entries(settings).map(([k, v]) => `${k}: ${v}`).join("\n") + "\n",
    );
    const op = await startOperator(client, ns, settings);
    const ctx: Ctx = { client, ns, kubeconfig: await testKubeconfig(), configFile };
    try {
      const scenarios = {
        "savepoint lifecycle": savepointLifecycle,
        "in-place scaling": inPlaceScale,
        "crash-looping JobManager": crashLoopingFallback,
        "crash-looping JobManager without HA": crashLoopingWithoutHa,
        "last-state with HA": lastStateWithHa,
        "last-state without HA": lastStateWithoutHa,
        "session job": sessionJobUpgrade,
      };
      const results = await Promise.allSettled(Object.values(scenarios).map((run) => run(ctx)));
      const failures = results.flatMap((r, i) =>
        r.status === "rejected"
          ? [`${Object.keys(scenarios)[i]}: ${r.reason?.stack ?? r.reason}`]
          : []
      );
      assert.deepEqual(failures, []);
    } finally {
      await op.stop();
      await Deno.remove(configFile);
    }
  },
);

integrationTest(
  "flinkop plan: text output, usage and not-found exit codes",
  async ({ client, ns }) => {
    const op = await startOperator(client, ns);
    try {
      await client.create(
        FlinkDeployments,
        ns,
        application(ns, "app", { upgradeMode: "savepoint" }),
      );
      await waitForFd(client, ns, "app", "running", isRunningStable);
      const run = async (args: string[]) => {
        const out = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            `${repoRoot}/main.ts`,
            "plan",
            ...args,
            "--kubeconfig",
            await testKubeconfig(),
            ...REST_ACCESS,
          ],
          env: { NO_COLOR: "1" },
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).output();
        const dec = new TextDecoder();
        return { code: out.code, out: dec.decode(out.stdout), err: dec.decode(out.stderr) };
      };
      const r = await run([
        "app",
        "-n",
        ns,
        "--set",
        "spec.job.parallelism=3",
        "--set",
        "spec.flinkConfiguration.s3.secret-key=hunter2",
      ]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, new RegExp(`Plan for FlinkDeployment ${ns}/app`));
      assert.match(r.out, /UPGRADE +job\.parallelism +2 -> 3/);
      assert.match(r.out, /Action: +upgrade/);
      assert.match(r.out, /Upgrade mode: +savepoint \(spec: savepoint; stop: SAVEPOINT\)/);
      assert.match(r.out, /Downtime: +cluster redeploy/);
      assert.doesNotMatch(r.out, /hunter2/, "a secret value is printed");
      assert.match(r.out, /s3\.secret-key +null -> \*+/);

      const invalid = await run(["app", "-n", ns, "--set", "spec.job.parallelism=0"]);
      assert.equal(invalid.code, 3, invalid.out + invalid.err);
      assert.match(invalid.out, /Action: +refused/);

      const missing = await run(["nope", "-n", ns, "--set", "spec.job.parallelism=3"]);
      assert.equal(missing.code, 1, missing.err);
      assert.match(missing.err, /no FlinkDeployment or FlinkSessionJob "nope"/);
      for (const usage of [[], ["app", "--set", "spec.job.parallelism"], ["app", "--bogus", "x"]]) {
        const u = await run(["-n", ns, ...usage]);
        assert.equal(u.code, 2, `${usage}: ${u.out}${u.err}`);
      }
    } finally {
      await op.stop();
    }
  },
);
