/**
 * The operator's everyday verbs, as `flinkop <verb>` and as the kubectl plugin `kubectl flink
 * <verb>` (an executable named kubectl-flink on the PATH: kubectl runs it with the words after
 * `flink`). Each is a thin wrapper over the resources — nothing here talks to Flink:
 *
 *   status NAME       lifecycle, job, last savepoint and its age, conditions, recent events
 *   savepoint NAME    a FlinkStateSnapshot (savepoint) for the job, waited for
 *   checkpoint NAME   a FlinkStateSnapshot (checkpoint), waited for
 *   suspend NAME      spec.job.state: suspended, waited until SUSPENDED
 *   resume NAME       spec.job.state: running, waited until the job runs
 *   restart NAME      a new spec.restartNonce, waited until the restarted job runs
 *
 * Exit codes: 0 done; 1 failed (resource or snapshot failed, not found, API error); 2 usage;
 * 3 `status` of a resource in lifecycle state FAILED or with an error; 124 timed out waiting.
 */
import { parse as parseYaml } from "yaml";
import { KubeClient } from "../kube/client.ts";
import type { KubeObject } from "../kube/resource.ts";
import { FlinkDeployments, FlinkSessionJobs, FlinkStateSnapshots } from "../flink/resources.ts";
import { Resources } from "../kube/resource.ts";
import { errorMessage } from "../error_message.ts";
import { flag, parseArgs, type ParsedArgs } from "./args.ts";

export const VERBS = ["status", "savepoint", "checkpoint", "suspend", "resume", "restart"] as const;
export type Verb = typeof VERBS[number];

export const EXIT = { ok: 0, failed: 1, usage: 2, unhealthy: 3, timeout: 124 } as const;

const VERB_FLAGS = new Set(["namespace", "n", "kubeconfig", "timeout", "no-wait", "path", "kind"]);

export const VERBS_HELP =
  `Operating a FlinkDeployment or FlinkSessionJob (also as \`kubectl flink <verb>\`):
  flinkop status NAME       lifecycle, job, last savepoint and its age, conditions, events
  flinkop savepoint NAME    take a savepoint (a FlinkStateSnapshot) and wait for it
  flinkop checkpoint NAME   take a checkpoint (a FlinkStateSnapshot) and wait for it
  flinkop suspend NAME      suspend the job (spec.job.state: suspended) and wait
  flinkop resume NAME       resume the job (spec.job.state: running) and wait until it runs
  flinkop restart NAME      restart the job (a new spec.restartNonce) and wait until it runs

Flags: -n/--namespace NS (default: the kubeconfig context's namespace, else default),
  --kubeconfig PATH, --kind FlinkDeployment|FlinkSessionJob (default: whichever NAME is),
  --timeout DURATION (default 10m; e.g. 90s, 5m), --no-wait (return once the change is
  accepted), --path DIR (savepoint only: the target directory).
Exit codes: 0 done, 1 failed, 2 usage, 3 status shows FAILED or an error, 124 timed out.`;

export interface Target {
  kind: "FlinkDeployment" | "FlinkSessionJob";
  obj: FlinkObject;
}

export interface FlinkObject extends KubeObject {
  spec: {
    restartNonce?: number;
    job?: { state?: string; upgradeMode?: string; jarURI?: string };
    [key: string]: unknown;
  };
  status?: {
    lifecycleState?: string;
    observedGeneration?: number;
    error?: string;
    jobManagerDeploymentStatus?: string;
    jobStatus?: {
      jobId?: string;
      jobName?: string;
      state?: string;
      startTime?: string;
      upgradeSavepointPath?: string;
      savepointInfo?: { lastSavepoint?: { location?: string; timeStamp?: number } };
    };
    reconciliationStatus?: { state?: string; lastReconciledSpec?: string };
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

interface Snapshot extends KubeObject {
  spec: {
    savepoint?: { path?: string };
    checkpoint?: unknown;
    jobReference?: { kind?: string; name?: string };
  };
  status?: {
    state?: string;
    path?: string;
    error?: string;
    failures?: number;
    resultTimestamp?: string;
    triggerTimestamp?: string;
  };
}

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

const defaultIo: Io = {
  out: (l) => console.log(l),
  err: (l) => console.error(l),
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export function isVerb(word: string | undefined): word is Verb {
  return (VERBS as readonly string[]).includes(word ?? "");
}

/** `flinkop <verb> …`: the process exit code. */
export async function runVerb(
  verb: Verb,
  argv: string[],
  io: Io = defaultIo,
): Promise<number> {
  let args: ParsedArgs;
  let name: string;
  let timeoutMs: number;
  try {
    args = parseArgs(argv.map((a) => (a === "-n" ? "--n" : a)), ["no-wait"]);
    for (const key of args.flags.keys()) {
      if (!VERB_FLAGS.has(key)) throw new Error(`unknown flag --${key} for ${verb} (see --help)`);
    }
    if (!args.command) throw new Error(`${verb} needs the resource's NAME`);
    if (args.positionals.length > 0) {
      throw new Error(`unexpected argument "${args.positionals[0]}"`);
    }
    name = args.command;
    timeoutMs = parseTimeout(flag(args, "timeout") ?? "10m");
  } catch (err) {
    io.err(`flinkop ${verb}: ${errorMessage(err)}`);
    return EXIT.usage;
  }
  const kubeconfig = flag(args, "kubeconfig");
  const namespace = flag(args, "namespace") ?? flag(args, "n") ?? contextNamespace(kubeconfig);
  let client: KubeClient;
  try {
    client = await KubeClient.connect({ kubeconfig });
  } catch (err) {
    io.err(`flinkop ${verb}: ${errorMessage(err)}`);
    return EXIT.failed;
  }
  try {
    const target = await findTarget(client, namespace, name, flag(args, "kind"));
    if (typeof target === "string") {
      io.err(`flinkop ${verb}: ${target}`);
      return EXIT.failed;
    }
    const wait = !args.flags.has("no-wait");
    const ctx = { client, namespace, name, target, io, wait, deadline: io.now() + timeoutMs };
    switch (verb) {
      case "status":
        return await status(ctx);
      case "savepoint":
      case "checkpoint":
        return await snapshot(ctx, verb, flag(args, "path"));
      case "suspend":
      case "resume":
        return await setJobState(ctx, verb === "suspend" ? "suspended" : "running");
      case "restart":
        return await restart(ctx);
    }
  } catch (err) {
    io.err(`flinkop ${verb}: ${errorMessage(err)}`);
    return EXIT.failed;
  } finally {
    client.close();
  }
}

interface Ctx {
  client: KubeClient;
  namespace: string;
  name: string;
  target: Target;
  io: Io;
  wait: boolean;
  deadline: number;
}

/** `90s`, `5m`, `1h`, or plain seconds. */
export function parseTimeout(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`--timeout "${text}" is not a duration (examples: 90s, 5m, 1h)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? "s"]!;
  return Number(m[1]) * unit;
}

/** The kubeconfig's current context's namespace (as kubectl resolves it), else "default". */
export function contextNamespace(kubeconfig?: string): string {
  const path = kubeconfig ?? Deno.env.get("KUBECONFIG")?.split(":").find((p) => p) ??
    (Deno.env.get("HOME") ? `${Deno.env.get("HOME")}/.kube/config` : undefined);
  if (!path) return "default";
  try {
    const doc = parseYaml(Deno.readTextFileSync(path)) as {
      "current-context"?: string;
      contexts?: { name: string; context?: { namespace?: string } }[];
    };
    const ctx = doc.contexts?.find((c) => c.name === doc["current-context"]);
    return ctx?.context?.namespace || "default";
  } catch {
    return "default";
  }
}

export async function findTarget(
  client: KubeClient,
  namespace: string,
  name: string,
  kind: string | undefined,
): Promise<Target | string> {
  const wanted = kind?.toLowerCase();
  if (wanted && !["flinkdeployment", "flinksessionjob"].includes(wanted)) {
    return `--kind ${kind}: expected FlinkDeployment or FlinkSessionJob`;
  }
  if (wanted !== "flinksessionjob") {
    const fd = await client.get<FlinkObject>(FlinkDeployments, namespace, name);
    if (fd) return { kind: "FlinkDeployment", obj: fd };
  }
  if (wanted !== "flinkdeployment") {
    const job = await client.get<FlinkObject>(FlinkSessionJobs, namespace, name);
    if (job) return { kind: "FlinkSessionJob", obj: job };
  }
  return `no ${kind ?? "FlinkDeployment or FlinkSessionJob"} "${name}" in namespace ${namespace} ` +
    "(check the name, or pass -n/--namespace)";
}

function typeOf(target: Target) {
  return target.kind === "FlinkDeployment" ? FlinkDeployments : FlinkSessionJobs;
}

async function reload(ctx: Ctx): Promise<FlinkObject> {
  const obj = await ctx.client.get<FlinkObject>(typeOf(ctx.target), ctx.namespace, ctx.name);
  if (!obj) throw new Error(`${ctx.target.kind} ${ctx.namespace}/${ctx.name} was deleted`);
  return obj;
}

/** Polls `check` until it returns an exit code; prints `progress` lines when they change. */
async function waitUntil(
  ctx: Ctx,
  what: string,
  check: () => Promise<{ done?: number; progress?: string }>,
): Promise<number> {
  let last = "";
  while (true) {
    const { done, progress } = await check();
    if (progress && progress !== last) {
      ctx.io.out(progress);
      last = progress;
    }
    if (done !== undefined) return done;
    if (ctx.io.now() >= ctx.deadline) {
      ctx.io.err(`flinkop: timed out waiting for ${what} (last: ${last || "no progress"})`);
      return EXIT.timeout;
    }
    await ctx.io.sleep(500);
  }
}

function describeJob(obj: FlinkObject): string {
  const s = obj.status ?? {};
  return `lifecycle ${s.lifecycleState ?? "-"}, job ${s.jobStatus?.state ?? "-"}` +
    (s.error ? `, error: ${shortError(s.error)}` : "");
}

function shortError(error: string): string {
  try {
    const parsed = JSON.parse(error) as { message?: string };
    if (parsed.message) return parsed.message;
  } catch {
    // not FKO's error JSON
  }
  return error;
}

function age(fromIso: string | number | undefined, now: number): string {
  if (fromIso === undefined) return "-";
  const t = typeof fromIso === "number" ? fromIso : Date.parse(fromIso);
  if (!Number.isFinite(t)) return "-";
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

async function status(ctx: Ctx): Promise<number> {
  const { obj, kind } = ctx.target;
  const s = obj.status ?? {};
  const now = ctx.io.now();
  const rows: [string, string][] = [
    [kind, `${ctx.namespace}/${ctx.name}`],
    ["Lifecycle", s.lifecycleState ?? "CREATED (not reconciled yet)"],
    ["Reconciliation", s.reconciliationStatus?.state ?? "-"],
  ];
  if (kind === "FlinkDeployment") rows.push(["JobManager", s.jobManagerDeploymentStatus ?? "-"]);
  const job = s.jobStatus ?? {};
  rows.push(
    ["Job", `${job.state ?? "-"}${job.jobName ? ` (${job.jobName})` : ""}`],
    ["Job id", job.jobId ?? "-"],
    [
      "Desired",
      `${obj.spec.job?.state ?? "running"}, upgrade mode ${
        obj.spec.job?.upgradeMode ?? "stateless"
      }`,
    ],
  );
  const savepoint = await lastSavepoint(ctx, obj);
  rows.push([
    "Last savepoint",
    savepoint ? `${savepoint.path} (${age(savepoint.at, now)} ago${savepoint.source})` : "none",
  ]);
  if (s.error) rows.push(["Error", shortError(s.error)]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  for (const [k, v] of rows) ctx.io.out(`${`${k}:`.padEnd(width)}${v}`);
  if (s.conditions?.length) {
    ctx.io.out("Conditions:");
    for (const c of s.conditions) {
      ctx.io.out(
        `  ${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ""}${
          c.message ? `: ${c.message}` : ""
        }`,
      );
    }
  }
  const events = await recentEvents(ctx, obj);
  ctx.io.out(events.length ? "Recent events:" : "Recent events: none");
  for (const e of events) {
    ctx.io.out(`  ${age(e.at, now)} ago  ${e.type}  ${e.reason}: ${e.message}`);
  }
  return s.lifecycleState === "FAILED" || s.error ? EXIT.unhealthy : EXIT.ok;
}

async function lastSavepoint(
  ctx: Ctx,
  obj: FlinkObject,
): Promise<{ path: string; at?: string | number; source: string } | undefined> {
  const snapshots = await ctx.client.list<Snapshot>(FlinkStateSnapshots, ctx.namespace)
    .then((l) => l.items, () => [] as Snapshot[]);
  const done = snapshots
    .filter((x) =>
      x.spec.savepoint && x.status?.state === "COMPLETED" && x.status.path &&
      x.spec.jobReference?.name === obj.metadata.name &&
      (x.spec.jobReference?.kind ?? ctx.target.kind) === ctx.target.kind
    )
    .sort((a, b) =>
      Date.parse(b.status?.resultTimestamp ?? "") - Date.parse(a.status?.resultTimestamp ?? "")
    );
  if (done[0]) {
    return {
      path: done[0].status!.path!,
      at: done[0].status?.resultTimestamp,
      source: `, FlinkStateSnapshot ${done[0].metadata.name}`,
    };
  }
  const legacy = obj.status?.jobStatus?.savepointInfo?.lastSavepoint;
  if (legacy?.location) return { path: legacy.location, at: legacy.timeStamp, source: "" };
  const upgrade = obj.status?.jobStatus?.upgradeSavepointPath;
  if (upgrade) return { path: upgrade, source: ", from the last upgrade" };
  return undefined;
}

interface EventLike extends KubeObject {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  involvedObject?: { uid?: string; name?: string; kind?: string };
}

async function recentEvents(
  ctx: Ctx,
  obj: FlinkObject,
): Promise<{ type: string; reason: string; message: string; at?: string }[]> {
  const list = await ctx.client.list<EventLike>(Resources.events, ctx.namespace, {
    fieldSelector: `involvedObject.name=${obj.metadata.name}`,
  }).then((l) => l.items, () => [] as EventLike[]);
  return list
    .filter((e) => e.involvedObject?.kind === ctx.target.kind)
    .map((e) => ({
      type: e.type ?? "Normal",
      reason: e.reason ?? "",
      message: (e.message ?? "").split("\n")[0],
      at: e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp,
    }))
    .sort((a, b) => Date.parse(a.at ?? "") - Date.parse(b.at ?? ""))
    .slice(-8);
}

async function snapshot(
  ctx: Ctx,
  type: "savepoint" | "checkpoint",
  path: string | undefined,
): Promise<number> {
  const body = {
    apiVersion: "flink.apache.org/v1beta1",
    kind: "FlinkStateSnapshot",
    metadata: {
      generateName: `${ctx.name}-${type}-`,
      namespace: ctx.namespace,
      labels: { "app.kubernetes.io/managed-by": "flinkop-cli" },
    },
    spec: {
      ...(type === "savepoint"
        ? { savepoint: { ...(path ? { path } : {}), alreadyExists: false } }
        : { checkpoint: {} }),
      jobReference: { kind: ctx.target.kind, name: ctx.name },
    },
  };
  const created = await ctx.client.create<Snapshot>(
    FlinkStateSnapshots,
    ctx.namespace,
    body as unknown as Snapshot,
  );
  const snap = created.metadata.name!;
  ctx.io.out(`FlinkStateSnapshot ${ctx.namespace}/${snap} created (${type} of ${ctx.name})`);
  if (!ctx.wait) return EXIT.ok;
  return await waitUntil(ctx, `${type} ${snap}`, async () => {
    const s = await ctx.client.get<Snapshot>(FlinkStateSnapshots, ctx.namespace, snap);
    if (!s) return { done: EXIT.failed, progress: `${snap} was deleted` };
    const st = s.status ?? {};
    const state = st.state ?? "TRIGGER_PENDING";
    const retries = st.failures ? `, ${st.failures} failed attempt(s)` : "";
    const error = st.error ? `: ${shortError(st.error)}` : "";
    if (state === "COMPLETED") {
      return { done: EXIT.ok, progress: `${snap}: COMPLETED ${st.path ?? ""}`.trim() };
    }
    if (state === "FAILED" || state === "ABANDONED") {
      return { done: EXIT.failed, progress: `${snap}: ${state}${error}` };
    }
    return { progress: `${snap}: ${state}${retries}${error}` };
  });
}

async function setJobState(ctx: Ctx, state: "suspended" | "running"): Promise<number> {
  const { obj } = ctx.target;
  if (!obj.spec.job) {
    ctx.io.err(`flinkop: ${ctx.target.kind} ${ctx.name} is a session cluster without a job`);
    return EXIT.failed;
  }
  const patched = await ctx.client.patch<FlinkObject>(
    typeOf(ctx.target),
    ctx.namespace,
    ctx.name,
    { spec: { job: { state } } },
  );
  ctx.io.out(`${ctx.target.kind} ${ctx.namespace}/${ctx.name}: spec.job.state set to ${state}`);
  if (!ctx.wait) return EXIT.ok;
  const generation = patched.metadata.generation;
  return await waitUntil(ctx, `${ctx.name} to be ${state}`, async () => {
    const now = await reload(ctx);
    const progress = `${ctx.name}: ${describeJob(now)}`;
    if (!reconciledWith(now, generation, (spec) => (spec.job?.state ?? "running") === state)) {
      return { progress };
    }
    const s = now.status ?? {};
    if (state === "suspended" && s.lifecycleState === "SUSPENDED") {
      return { done: EXIT.ok, progress };
    }
    if (state === "running" && s.jobStatus?.state === "RUNNING") return { done: EXIT.ok, progress };
    if (s.lifecycleState === "FAILED") return { done: EXIT.failed, progress };
    return { progress };
  });
}

async function restart(ctx: Ctx): Promise<number> {
  const { obj } = ctx.target;
  const nonce = (obj.spec.restartNonce ?? 0) + 1;
  const previousJob = obj.status?.jobStatus?.jobId;
  const patched = await ctx.client.patch<FlinkObject>(
    typeOf(ctx.target),
    ctx.namespace,
    ctx.name,
    { spec: { restartNonce: nonce } },
  );
  ctx.io.out(`${ctx.target.kind} ${ctx.namespace}/${ctx.name}: spec.restartNonce set to ${nonce}`);
  if (!ctx.wait) return EXIT.ok;
  const generation = patched.metadata.generation;
  return await waitUntil(ctx, `${ctx.name} to restart`, async () => {
    const now = await reload(ctx);
    const progress = `${ctx.name}: ${describeJob(now)}`;
    if (!reconciledWith(now, generation, (spec) => spec.restartNonce === nonce)) {
      return { progress };
    }
    const s = now.status ?? {};
    if (s.lifecycleState === "FAILED") return { done: EXIT.failed, progress };
    const restarted = s.jobStatus?.jobId !== previousJob || obj.spec.job?.state === "suspended";
    if (restarted && s.jobStatus?.state === "RUNNING") return { done: EXIT.ok, progress };
    return { progress };
  });
}

/**
 * The operator has taken up the change: it has observed the generation our patch produced (or a
 * later one), its recorded spec (lastReconciledSpec) carries `has`, and no upgrade is half done.
 * Without the generation, a status written before the operator saw the patch could pass: e.g.
 * `resume` right after `suspend --no-wait` would find the job still running from before.
 */
function reconciledWith(
  obj: FlinkObject,
  generation: number | undefined,
  has: (spec: FlinkObject["spec"]) => boolean,
): boolean {
  if (generation !== undefined && (obj.status?.observedGeneration ?? -1) < generation) return false;
  const r = obj.status?.reconciliationStatus;
  if (!r?.lastReconciledSpec || r.state === "UPGRADING") return false;
  try {
    const parsed = JSON.parse(r.lastReconciledSpec) as { spec?: FlinkObject["spec"] };
    return parsed.spec !== undefined && has(parsed.spec);
  } catch {
    return false;
  }
}
