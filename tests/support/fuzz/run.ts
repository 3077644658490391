/**
 * The fuzz run: generated FlinkDeployments, FlinkSessionJobs and FlinkStateSnapshots (mutations
 * of FKO's examples, tests/support/fuzz/mutate.ts) applied to the real API server while the
 * operator runs as a process. Every resource must be refused at admission, or get `status.error`
 * with a Warning event, or run (or wait, suspended or for another resource, saying so) within a
 * bound; the checks below are the invariants, and each broken one is a violation:
 *
 * - the operator process never exits, and logs no JavaScript programming error;
 * - no JobManager crash-loops at start: what Flink refuses at start, validation refuses first;
 * - an accepted resource reaches an outcome within the bound;
 * - `status.error` comes with an event (Warning, or Normal `Waiting` for another resource);
 * - a spec refused by validation has no Deployment, Service or ConfigMap;
 * - deleted resources go away within the bound (nothing stays Terminating);
 * - the values of secret-looking keys appear in no log line, event or status (except the copies
 *   of the spec FKO keeps in `status.reconciliationStatus.lastReconciledSpec`/`lastStableSpec`,
 *   which are the spec itself, readable by the same users, and compared byte for byte);
 * - a valid resource applied after all of it still runs.
 */
import type { KubeClient } from "../../../lib/kube/client.ts";
import { errorMessage } from "../../../lib/error_message.ts";
import { collectionPath, type KubeObject, Resources } from "../../../lib/kube/resource.ts";
import {
  FlinkDeployments,
  FlinkSessionJobs,
  FlinkStateSnapshots,
} from "../../../lib/flink/resources.ts";
import {
  FLINK_DEPLOYMENT_RULES,
  FLINK_SESSION_JOB_RULES,
  FLINK_STATE_SNAPSHOT_RULES,
  type ObjectRule,
  ruleMessage,
} from "../../../lib/api/mod.ts";
import { freshNamespace, waitFor } from "../cluster.ts";
import { prepareNamespace } from "../operator.ts";
import { type OperatorProcess, spawnOperator } from "../operator_process.ts";
import { localJar, sessionJobSettings } from "../session_job.ts";
import { type FuzzCase, generateCase } from "./mutate.ts";
import { Rng } from "./rng.ts";
import {
  type Doc,
  fkoExampleSeeds,
  type FuzzKind,
  type Seed,
  type SeedContext,
  SEEDS,
} from "./seeds.ts";

export interface FuzzOptions {
  count: number;
  seed: number;
  /** Resources applied together before their outcomes are awaited. */
  batchSize?: number;
  /** How long an accepted resource may take to show its outcome. */
  outcomeBoundMs?: number;
  /** A checkout's `examples/` directory: FKO's own files become seeds too. */
  fkoExamples?: string;
  log?: (line: string) => void;
  /** Where to write the operator's output after the run (`deno task fuzz --operator-log`). */
  operatorLog?: string;
  /** Called with each case and its outcome (`deno task fuzz --dump FILE` writes them out). */
  onCase?: (record: CaseRecord) => void;
}

export interface CaseRecord {
  index: number;
  kind: FuzzKind;
  name: string;
  seed: string;
  mutations: string[];
  outcome: string;
  detail?: string;
  /** Deployments, Services and ConfigMaps of a FlinkDeployment that did not run. */
  clusterObjects?: string[];
}

export interface FuzzReport {
  seed: number;
  count: number;
  byKind: Record<string, number>;
  /** Refusals at admission by rule (CEL rule id, schema cause, strict decoding, ...). */
  refused: Record<string, number>;
  /** Accepted resources with `status.error`, by the reason of their Warning event. */
  statusErrors: Record<string, number>;
  /** Accepted resources waiting for another resource (status.error, Normal Waiting event). */
  waiting: number;
  running: number;
  suspended: number;
  violations: string[];
  /** Cases per mutation operation, for the record. */
  operations: Record<string, number>;
  markers: number;
  durationMs: number;
  /** The run itself broke (not the operator); the counts cover what ran before. */
  harnessError?: string;
}

const RULES: Record<FuzzKind, readonly ObjectRule[]> = {
  FlinkDeployment: FLINK_DEPLOYMENT_RULES,
  FlinkSessionJob: FLINK_SESSION_JOB_RULES,
  FlinkStateSnapshot: FLINK_STATE_SNAPSHOT_RULES,
};

const TYPES = {
  FlinkDeployment: FlinkDeployments,
  FlinkSessionJob: FlinkSessionJobs,
  FlinkStateSnapshot: FlinkStateSnapshots,
} as const;

/** Where a JavaScript programming error shows up in the operator's log. */
const PROGRAMMING_ERRORS =
  /\b(TypeError|ReferenceError)\b|is not a function|Cannot read properties|Uncaught/;

/** A resource whose outcome stays the same this long counts as settled. */
const SETTLE_MS = 5_000;

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

interface Event {
  involvedObject?: { name?: string; kind?: string };
  reason?: string;
  type?: string;
  message?: string;
  reportingComponent?: string;
}

type Outcome =
  | { kind: "running" }
  | { kind: "suspended" }
  | { kind: "error"; reason: string; validation: boolean; message: string }
  | { kind: "waiting" }
  | { kind: "none"; detail: string };

interface Tracked {
  c: FuzzCase;
  name: string;
  created: number;
  outcome?: Outcome;
  since?: number;
}

export async function runFuzz(client: KubeClient, opts: FuzzOptions): Promise<FuzzReport> {
  const log = opts.log ?? (() => {});
  const started = Date.now();
  const report: FuzzReport = {
    seed: opts.seed,
    count: opts.count,
    byKind: {},
    refused: {},
    statusErrors: {},
    waiting: 0,
    running: 0,
    suspended: 0,
    violations: [],
    operations: {},
    markers: 0,
    durationMs: 0,
  };
  const batchSize = opts.batchSize ?? 20;
  const bound = opts.outcomeBoundMs ?? 45_000;
  const seeds: Seed[] = [...SEEDS];
  if (opts.fkoExamples) seeds.push(...await fkoExampleSeeds(opts.fkoExamples));
  const allMarkers: string[] = [];

  await using namespace = await freshNamespace("fuzz", { client });
  const ns = namespace.name;
  await prepareNamespace(client, ns);
  const settings = await sessionJobSettings();
  const op = await spawnOperator(ns, { settings });
  try {
    const ctx = await prepareTargets(client, ns, log).catch((err) => {
      throw new Error(`${errorMessage(err)}\noperator output (tail):\n${op.output.slice(-4000)}`);
    });
    const rng = new Rng(opts.seed);
    for (let first = 0; first < opts.count; first += batchSize) {
      const cases: FuzzCase[] = [];
      for (let i = first; i < Math.min(opts.count, first + batchSize); i++) {
        cases.push(generateCase(rng.fork(), seeds, ctx, i));
      }
      for (const c of cases) {
        report.byKind[c.kind] = (report.byKind[c.kind] ?? 0) + 1;
        for (const m of c.mutations) report.operations[m.op] = (report.operations[m.op] ?? 0) + 1;
        allMarkers.push(...c.markers);
      }
      await runBatch(client, ns, cases, { bound, report, op, onCase: opts.onCase });
      alive(op, report);
      log(
        `fuzz: ${Math.min(opts.count, first + batchSize)}/${opts.count} applied, ` +
          `${report.violations.length} violations`,
      );
      if (report.violations.length > 0 && op.exitCode !== undefined) break;
    }

    // The operator still manages a valid resource after all of it.
    const final = SEEDS[0].build(ctx, "fz-final-valid");
    await client.create(FlinkDeployments, ns, final);
    try {
      await waitFor("the valid resource applied last to run", async () => {
        const fd = await client.get<Obj>(FlinkDeployments, ns, "fz-final-valid");
        return jobState(fd) === "RUNNING";
      }, { timeoutMs: 90_000 });
    } catch (err) {
      report.violations.push(
        `a valid FlinkDeployment applied last did not run: ${errorMessage(err)}`,
      );
    }
    alive(op, report);
    await checkEvents(client, ns, allMarkers, report);
  } catch (err) {
    report.harnessError = err instanceof Error ? err.stack ?? err.message : String(err);
  } finally {
    if (op.exitCode === undefined) await op.stop();
  }
  if (opts.operatorLog) await Deno.writeTextFile(opts.operatorLog, op.output);
  checkLog(op.output, allMarkers, report);
  report.markers = allMarkers.length;
  report.durationMs = Date.now() - started;
  return report;
}

function alive(op: OperatorProcess, report: FuzzReport): void {
  if (
    op.exitCode !== undefined && !report.violations.some((v) => v.startsWith("operator exited"))
  ) {
    report.violations.push(`operator exited with code ${op.exitCode}`);
  }
}

/** The session cluster, application and savepoint the seeds refer to. */
async function prepareTargets(
  client: KubeClient,
  ns: string,
  log: (line: string) => void,
): Promise<SeedContext> {
  const jarURI = await localJar();
  const partial = {
    namespace: ns,
    sessionCluster: "fz-session",
    application: "fz-app",
    jarURI,
    savepointPath: "",
  };
  const session = SEEDS.find((s) => s.name === "basic-session-deployment-only")!.build(
    partial,
    "fz-session",
  );
  const app = SEEDS.find((s) => s.name === "job-from-savepoint")!.build(partial, "fz-app");
  delete (app.spec.job as Record<string, unknown>).initialSavepointPath;
  await client.create(FlinkDeployments, ns, session);
  await client.create(FlinkDeployments, ns, app);
  await waitFor("the fuzz run's session cluster and application", async () => {
    const s = await client.get<Obj>(FlinkDeployments, ns, "fz-session");
    const a = await client.get<Obj>(FlinkDeployments, ns, "fz-app");
    return s?.status?.jobManagerDeploymentStatus === "READY" && jobState(a) === "RUNNING";
  }, { timeoutMs: 120_000 });
  await client.create(FlinkStateSnapshots, ns, {
    apiVersion: "flink.apache.org/v1beta1",
    kind: "FlinkStateSnapshot",
    metadata: { name: "fz-savepoint", namespace: ns },
    spec: {
      jobReference: { kind: "FlinkDeployment", name: "fz-app" },
      savepoint: { disposeOnDelete: false },
    },
  });
  const savepointPath = await waitFor("a savepoint of the fuzz run's application", async () => {
    const snap = await client.get<Obj>(FlinkStateSnapshots, ns, "fz-savepoint");
    return snap?.status?.state === "COMPLETED" ? String(snap.status.path) : undefined;
  }, { timeoutMs: 60_000 });
  log(`fuzz: targets ready in ${ns} (savepoint ${savepointPath})`);
  return { ...partial, savepointPath };
}

async function runBatch(
  client: KubeClient,
  ns: string,
  cases: FuzzCase[],
  run: {
    bound: number;
    report: FuzzReport;
    op: OperatorProcess;
    onCase?: (record: CaseRecord) => void;
  },
): Promise<void> {
  const { report } = run;
  const tracked: Tracked[] = [];
  const record = (
    c: FuzzCase,
    name: string,
    outcome: string,
    detail?: string,
    clusterObjects?: string[],
  ) =>
    run.onCase?.({
      index: c.index,
      kind: c.kind,
      name,
      seed: c.seed,
      mutations: c.mutations.map((m) => `${m.op} ${m.path}`),
      outcome,
      detail,
      clusterObjects,
    });
  await Promise.all(cases.map(async (c) => {
    const result = await create(client, ns, c);
    if (result.refused) {
      report.refused[result.refused] = (report.refused[result.refused] ?? 0) + 1;
      record(c, result.name, `refused: ${result.refused}`, result.message);
    } else tracked.push({ c, name: result.name, created: Date.now() });
  }));

  const deadline = Date.now() + run.bound;
  let view: View | undefined;
  while (tracked.length > 0) {
    view = await snapshotOf(client, ns);
    const now = Date.now();
    for (const t of tracked) {
      const outcome = outcomeOf(t, view);
      if (!t.outcome || outcomeKey(outcome) !== outcomeKey(t.outcome)) {
        t.outcome = outcome;
        t.since = now;
      }
      checkResource(t, view, report);
    }
    const settled = tracked.every((t) => settledNow(t, now));
    if (settled || now > deadline || run.op.exitCode !== undefined) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  for (const t of tracked) {
    tally(t, report);
    const o = t.outcome;
    const leftovers = t.c.kind === "FlinkDeployment" && o?.kind !== "running" && view
      ? clusterObjectNames(t.name).filter((n) => view!.clusterObjects.has(n))
      : undefined;
    record(
      t.c,
      t.name,
      o ? outcomeKey(o) : "none",
      o?.kind === "none" ? o.detail : o?.kind === "error" ? o.message : undefined,
      leftovers,
    );
  }

  // Delete the batch; nothing may stay Terminating.
  await Promise.all(tracked.map((t) => client.delete(TYPES[t.c.kind], ns, t.name).catch(() => {})));
  const names = new Set(tracked.map((t) => `${t.c.kind}/${t.name}`));
  try {
    await waitFor("the batch's resources to be deleted", async () => {
      const view = await snapshotOf(client, ns, { objectsOnly: true });
      return ![...view.objects.keys()].some((k) => names.has(k));
    }, { timeoutMs: run.bound, intervalMs: 500 });
  } catch {
    const view = await snapshotOf(client, ns, { objectsOnly: true });
    for (const key of names) {
      const obj = view.objects.get(key);
      if (!obj) continue;
      report.violations.push(
        `${key} still exists ${run.bound / 1000}s after deletion ` +
          `(finalizers ${JSON.stringify(obj.metadata.finalizers ?? [])}; ` +
          `status.error ${JSON.stringify(obj.status?.error ?? null)})`,
      );
      await client.patch(TYPES[key.split("/")[0] as FuzzKind], ns, obj.metadata.name!, {
        metadata: { finalizers: null },
      }).catch(() => {});
    }
  }
}

/** Creates the case's object; a refusal is classified by the rule or schema check behind it. */
async function create(
  client: KubeClient,
  ns: string,
  c: FuzzCase,
): Promise<{ refused?: string; message?: string; name: string }> {
  let res: Response;
  try {
    res = await client.fetch("POST", collectionPath(TYPES[c.kind], ns), {
      body: c.doc,
      query: { fieldValidation: c.strict ? "Strict" : undefined },
      timeoutMs: 60_000,
    });
  } catch (err) {
    // Deno's fetch refuses an answer whose headers exceed its limit: the API server's warnings
    // about thousands of pruned unknown fields. Whether the object was stored decides.
    if (!/message head is too large/.test(errorMessage(err))) throw err;
    const name = String(c.doc.metadata.name);
    const stored = await client.get(TYPES[c.kind], ns, name).catch(() => undefined);
    return stored ? { name } : { refused: "client: answer headers too large", name };
  }
  const text = await res.text();
  if (res.ok) {
    const created = JSON.parse(text) as KubeObject;
    return { name: created.metadata.name! };
  }
  return {
    refused: refusalRule(c.kind, res.status, text),
    message: text.slice(0, 1000),
    name: String(c.doc.metadata.name),
  };
}

interface KubeStatus {
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; field?: string; message?: string }[] };
}

export function refusalRule(kind: FuzzKind, status: number, text: string): string {
  let body: KubeStatus = {};
  try {
    body = JSON.parse(text) as KubeStatus;
  } catch {
    return `HTTP ${status} ${text.slice(0, 80)}`;
  }
  const message = body.message ?? "";
  const rule = RULES[kind].find((r) => message.includes(ruleMessage(r)));
  if (rule) return `rule ${rule.id}`;
  if (/strict decoding error|unknown field/.test(message)) return "strict: unknown field";
  const decode = /cannot unmarshal (\w+) into Go struct field \S*?\.?([\w.]+) of type (\S+)/.exec(
    message,
  );
  if (decode) return `decode ${decode[2]}: ${decode[1]} is not ${decode[3]}`;
  const cause = body.details?.causes?.[0];
  if (cause?.field) {
    const field = cause.field.replace(/\[\d+\]/g, "[]").replace(/\[(['"]).*?\1\]/g, "[*]");
    return `schema ${cause.reason ?? "?"} ${field.split(".").slice(0, 4).join(".")}`;
  }
  if (/metadata\.name|a lowercase RFC 1123/.test(message)) return "schema metadata.name";
  return `HTTP ${status} ${body.reason ?? ""} ${message.slice(0, 60)}`.trim();
}

interface View {
  objects: Map<string, Obj>;
  events: Event[];
  /** Names of Deployments, Services and ConfigMaps in the namespace. */
  clusterObjects: Set<string>;
}

async function snapshotOf(
  client: KubeClient,
  ns: string,
  opts: { objectsOnly?: boolean } = {},
): Promise<View> {
  const objects = new Map<string, Obj>();
  await Promise.all((Object.keys(TYPES) as FuzzKind[]).map(async (kind) => {
    for (const obj of (await client.list<Obj>(TYPES[kind], ns)).items) {
      objects.set(`${kind}/${obj.metadata.name}`, obj);
    }
  }));
  if (opts.objectsOnly) return { objects, events: [], clusterObjects: new Set() };
  const [events, deployments, services, configMaps] = await Promise.all([
    client.list(Resources.events, ns),
    client.list(Resources.deployments, ns),
    client.list(Resources.services, ns),
    client.list(Resources.configMaps, ns),
  ]);
  const clusterObjects = new Set<string>();
  for (
    const [type, list] of [
      ["Deployment", deployments],
      ["Service", services],
      ["ConfigMap", configMaps],
    ] as const
  ) {
    for (const item of list.items) clusterObjects.add(`${type}/${item.metadata.name}`);
  }
  return { objects, events: events.items as unknown as Event[], clusterObjects };
}

function jobState(obj: Obj | undefined): string | undefined {
  return (obj?.status?.jobStatus as { state?: string } | undefined)?.state;
}

function eventsOf(t: Tracked, view: View): Event[] {
  return view.events.filter((e) =>
    e.involvedObject?.name === t.name && e.involvedObject?.kind === t.c.kind
  );
}

function outcomeOf(t: Tracked, view: View): Outcome {
  const obj = view.objects.get(`${t.c.kind}/${t.name}`);
  if (!obj) return { kind: "none", detail: "the object is gone" };
  const status = obj.status ?? {};
  const events = eventsOf(t, view);
  const warnings = events.filter((e) => e.type === "Warning");
  if (t.c.kind === "FlinkStateSnapshot") {
    if (status.state === "COMPLETED") return { kind: "running" };
  } else {
    if (status.lifecycleState === "SUSPENDED") return { kind: "suspended" };
    // Submitted suspended: FKO deploys nothing and leaves the resource CREATED.
    const desired = (obj.spec?.job as { state?: unknown } | undefined)?.state;
    if (desired === "suspended" && status.lifecycleState === "CREATED" && !status.error) {
      return { kind: "suspended" };
    }
    const isSession = t.c.kind === "FlinkDeployment" && (obj.spec?.job ?? null) === null;
    if (isSession ? status.jobManagerDeploymentStatus === "READY" : jobState(obj) === "RUNNING") {
      if (!status.error) return { kind: "running" };
    }
  }
  if (status.error) {
    const validation = String(status.error).includes("ValidationException") ||
      warnings.some((e) => e.reason === "ValidationError");
    const warning = warnings.at(-1);
    if (warning) {
      return {
        kind: "error",
        reason: warning.reason ?? "?",
        validation,
        message: warning.message ?? "",
      };
    }
    if (events.some((e) => e.reason === "Waiting")) return { kind: "waiting" };
    return { kind: "none", detail: `status.error without an event: ${String(status.error)}` };
  }
  if (warnings.length > 0) {
    return { kind: "none", detail: `Warning ${warnings.at(-1)!.reason} without status.error` };
  }
  return { kind: "none", detail: "no status.error, no Warning event, not running" };
}

function outcomeKey(o: Outcome): string {
  return o.kind === "error" ? `error ${o.reason}` : o.kind;
}

function settledNow(t: Tracked, now: number): boolean {
  const o = t.outcome;
  if (!o || o.kind === "none") return false;
  if (o.kind === "running" || o.kind === "suspended") return true;
  if (o.kind === "error" && o.validation) return true;
  return now - (t.since ?? now) >= SETTLE_MS;
}

/** Checks made every time the resource is looked at: cluster objects and secrets. */
function checkResource(t: Tracked, view: View, report: FuzzReport): void {
  const obj = view.objects.get(`${t.c.kind}/${t.name}`);
  if (!obj) return;
  if (t.outcome?.kind === "error" && t.outcome.validation && t.c.kind === "FlinkDeployment") {
    for (const name of clusterObjectNames(t.name)) {
      if (view.clusterObjects.has(name)) {
        violate(
          report,
          `${t.c.kind}/${t.name}: ${name} exists for a spec refused by validation ` +
            `(${describe(t)})`,
        );
      }
    }
  }
  if (t.c.markers.length > 0 && obj.status) {
    const status = structuredClone(obj.status) as Record<string, unknown>;
    const rs = status.reconciliationStatus as Record<string, unknown> | undefined;
    if (rs) {
      delete rs.lastReconciledSpec;
      delete rs.lastStableSpec;
    }
    const text = JSON.stringify(status);
    for (const marker of t.c.markers) {
      if (text.includes(marker)) {
        violate(report, `${t.c.kind}/${t.name}: a secret value is in its status (${describe(t)})`);
      }
    }
  }
}

function clusterObjectNames(name: string): string[] {
  return [
    `Deployment/${name}`,
    `Deployment/${name}-taskmanager`,
    `Service/${name}-rest`,
    `Service/${name}`,
    `ConfigMap/flink-config-${name}`,
  ];
}

function violate(report: FuzzReport, message: string): void {
  if (!report.violations.includes(message)) report.violations.push(message);
}

function describe(t: Tracked): string {
  const mutations = t.c.mutations.map((m) => `${m.op} ${m.path}`).join(", ");
  return `case ${t.c.index}, seed ${t.c.seed}: ${mutations || "no mutation"}`;
}

function tally(t: Tracked, report: FuzzReport): void {
  const o = t.outcome ?? { kind: "none", detail: "never observed" };
  switch (o.kind) {
    case "running":
      report.running++;
      break;
    case "suspended":
      report.suspended++;
      break;
    case "waiting":
      report.waiting++;
      break;
    case "error":
      report.statusErrors[o.reason] = (report.statusErrors[o.reason] ?? 0) + 1;
      // The simulator refuses at start exactly what Flink does (docs/simulator.md); the
      // operator's validation claims to refuse all of it before deploying anything.
      // A bind failure is the local node's doing (a pod address reused while the deleted pod's
      // listener still holds it), not the configuration's.
      if (o.reason === "CrashLoopBackOff" && !/AddrInUse|Address already in use/.test(o.message)) {
        violate(
          report,
          `${t.c.kind}/${t.name}: the JobManager crash-looped at start — Flink refused what ` +
            `validation accepted: ${o.message.split("\n")[0].slice(0, 300)} (${describe(t)})`,
        );
      }
      break;
    case "none":
      violate(
        report,
        `${t.c.kind}/${t.name}: no outcome within the bound: ${o.detail} (${describe(t)})`,
      );
  }
}

async function checkEvents(
  client: KubeClient,
  ns: string,
  markers: string[],
  report: FuzzReport,
): Promise<void> {
  const events = (await client.list(Resources.events, ns)).items as unknown as Event[];
  for (const e of events) {
    const text = JSON.stringify(e);
    if (markers.some((m) => text.includes(m))) {
      violate(
        report,
        `event ${e.reason} on ${e.involvedObject?.kind}/${e.involvedObject?.name} ` +
          `(by ${e.reportingComponent ?? "?"}) carries a secret value`,
      );
    }
  }
}

function checkLog(output: string, markers: string[], report: FuzzReport): void {
  const lines = output.split("\n");
  for (const marker of markers) {
    const line = lines.find((l) => l.includes(marker));
    if (line) violate(report, `operator log line carries a secret value: ${line.slice(0, 300)}`);
  }
  for (const line of lines) {
    if (PROGRAMMING_ERRORS.test(line)) {
      violate(report, `operator log shows a programming error: ${line.slice(0, 300)}`);
    }
  }
}

/** The report as printed by `deno task fuzz` and recorded in docs/reliability.md. */
export function formatReport(report: FuzzReport): string {
  const sorted = (counts: Record<string, number>) =>
    Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const refused = Object.values(report.refused).reduce((a, b) => a + b, 0);
  const errors = Object.values(report.statusErrors).reduce((a, b) => a + b, 0);
  const lines = [
    `fuzz: seed ${report.seed}, ${report.count} resources (${
      sorted(report.byKind).map(([k, n]) => `${k} ${n}`).join(", ")
    }) in ${(report.durationMs / 1000).toFixed(0)} s; ${report.markers} secret markers`,
    `mutations: ${sorted(report.operations).map(([k, n]) => `${k} ${n}`).join(", ")}`,
    `refused at admission: ${refused}`,
    ...sorted(report.refused).map(([k, n]) => `  ${String(n).padStart(5)}  ${k}`),
    `status.error with a Warning event: ${errors}`,
    ...sorted(report.statusErrors).map(([k, n]) => `  ${String(n).padStart(5)}  ${k}`),
    `waiting for another resource (status.error, Normal Waiting event): ${report.waiting}`,
    `accepted and running (snapshots: completed): ${report.running}`,
    `accepted and suspended: ${report.suspended}`,
    `violations: ${report.violations.length}`,
    ...report.violations.map((v) => `  - ${v}`),
    ...(report.harnessError ? [`the fuzz run itself failed: ${report.harnessError}`] : []),
  ];
  return lines.join("\n");
}

export type { Doc };
