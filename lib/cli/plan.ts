/**
 * `flinkop plan` (also `kubectl flink plan`): what the operator would do with a changed
 * FlinkDeployment or FlinkSessionJob, without doing it.
 *
 *   flinkop plan NAME --set spec.job.parallelism=4      the live resource, edited
 *   flinkop plan NAME --patch '{"spec":{"job":{"state":"suspended"}}}'
 *   flinkop plan -f my-job.yaml                          a changed (or new) resource from a file
 *
 * The plan is made by the controller's own pass over a read-only context (caches filled by one
 * list per watched type, status and event writes refused, GET requests only) with the decision
 * functions the controller acts on (lib/flink/job/plan_job.ts). The JobManager is reached through
 * the API server's service proxy unless `--rest-access` says otherwise, so it works from a laptop.
 *
 * Exit codes: 0 planned; 1 failed (not found, API error); 2 usage (flags, an unreadable file or
 * edit); 3 planned, and the operator would refuse the change or fail on it.
 */
import { parseAllDocuments } from "yaml";
import { safeParseFlinkDeployment, safeParseFlinkSessionJob } from "../api/parse.ts";
import { loadOperatorConfig, type OperatorConfig } from "../config/operator_config.ts";
import { errorMessage } from "../error_message.ts";
import {
  flinkDeploymentController,
  passOf as deploymentPassOf,
  validateDeploymentPass,
} from "../flink/deployment/controller.ts";
import { JobMemory } from "../flink/job/job_memory.ts";
import type { JobPlan, PlannedOutcome } from "../flink/job/plan_job.ts";
import { planJob } from "../flink/job/plan_job.ts";
import { readOnlyContext } from "../flink/job/read_only_context.ts";
import type { JobEnv, RawResource } from "../flink/job/resource_pass.ts";
import { FlinkDeployments, FlinkSessionJobs } from "../flink/resources.ts";
import { parseRestAccessMode, type RestAccessMode } from "../flink/rest/access_mode.ts";
import { snapshotCrdServed } from "../flink/snapshot/availability.ts";
import {
  flinkSessionJobController,
  passOf as sessionJobPassOf,
  sessionJobValidation,
} from "../flink/sessionjob/controller.ts";
import { sessionClusterWait } from "../flink/sessionjob/session_cluster.ts";
import { KubeClient } from "../kube/client.ts";
import { type KubeObject, Resources } from "../kube/resource.ts";
import { flag, parseArgs, type ParsedArgs } from "./args.ts";
import { applySet, mergePatch, parsePatch, parseSetExpression } from "./plan_edit.ts";
import { contextNamespace, EXIT, findTarget, parseTimeout } from "./verbs.ts";

export const PLAN_HELP = `Planning a change (also as \`kubectl flink plan\`):
  flinkop plan NAME --set PATH=VALUE ...   what the operator would do with the live resource
                                           edited (e.g. --set spec.job.parallelism=4)
  flinkop plan NAME --patch JSON           ... edited by a JSON merge patch
  flinkop plan -f FILE                     ... changed to (or created as) the resource in FILE

  Prints the diff class per changed field, the action, the upgrade mode and why, what the job
  restores from, the downtime, and facts that could not be learned. Nothing is changed.
  Flags: -n/--namespace, --kubeconfig, --kind, -o/--output text|json, --rest-access
  api-proxy|pod-ip|service-dns (default api-proxy), --config-file FILE / --config-dir DIR /
  --operator-config NAMESPACE/CONFIGMAP (the operator's configuration; default: its defaults),
  --timeout (default 1m).
  Exit codes: 0 planned, 1 failed, 2 usage, 3 the operator would refuse or fail on the change.`;

const PLAN_FLAGS = new Set([
  "namespace",
  "kubeconfig",
  "kind",
  "filename",
  "live",
  "set",
  "patch",
  "output",
  "rest-access",
  "config-file",
  "config-dir",
  "operator-config",
  "timeout",
]);

const SHORT_FLAGS: Record<string, string> = {
  "-n": "--namespace",
  "-f": "--filename",
  "-o": "--output",
};

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: Io = { out: (l) => console.log(l), err: (l) => console.error(l) };

type Kind = "FlinkDeployment" | "FlinkSessionJob";

interface Request {
  kind?: Kind;
  name?: string;
  file?: { path: string; doc: RawResource };
  patch?: Record<string, unknown>;
  sets: string[];
  output: "text" | "json";
  restAccess: RestAccessMode;
  timeoutMs: number;
  kubeconfig?: string;
  namespace?: string;
}

/** `flinkop plan …`: the process exit code. */
export async function runPlan(argv: string[], io: Io = defaultIo): Promise<number> {
  let args: ParsedArgs;
  let request: Request;
  try {
    args = parseArgs(argv.map((a) => SHORT_FLAGS[a] ?? a));
    request = await parseRequest(args);
  } catch (err) {
    io.err(`flinkop plan: ${errorMessage(err)}`);
    return EXIT.usage;
  }
  let config: OperatorConfig;
  let client: KubeClient;
  try {
    client = await KubeClient.connect({ kubeconfig: request.kubeconfig });
  } catch (err) {
    io.err(`flinkop plan: ${errorMessage(err)}`);
    return EXIT.failed;
  }
  const signal = AbortSignal.timeout(request.timeoutMs);
  try {
    try {
      config = await operatorConfig(client, args);
    } catch (err) {
      io.err(`flinkop plan: the operator's configuration: ${errorMessage(err)}`);
      return EXIT.usage;
    }
    const namespace = request.namespace ??
      (request.file?.doc.metadata.namespace || contextNamespace(request.kubeconfig));
    const target = await resolveTarget(client, namespace, request);
    if (typeof target === "string") {
      io.err(`flinkop plan: ${target}`);
      // Not found is a failure; a resource the edit or file cannot make is a usage error.
      return target.startsWith("no ") ? EXIT.failed : EXIT.usage;
    }
    const plan = await Promise.race([
      makePlan(client, config, request, target, signal),
      new Promise<never>((_, reject) => {
        const timedOut = () =>
          reject(new Error(`no plan within --timeout ${request.timeoutMs / 1000}s`));
        if (signal.aborted) timedOut();
        else signal.addEventListener("abort", timedOut);
      }),
    ]);
    if (request.output === "json") io.out(JSON.stringify(plan, null, 2));
    else for (const line of renderPlan(plan)) io.out(line);
    return plan.outcomes.some((o) => o.action === "fail" || o.action === "refused")
      ? EXIT.unhealthy
      : EXIT.ok;
  } catch (err) {
    io.err(`flinkop plan: ${errorMessage(err)}`);
    return EXIT.failed;
  } finally {
    client.close();
  }
}

async function parseRequest(args: ParsedArgs): Promise<Request> {
  for (const key of args.flags.keys()) {
    if (!PLAN_FLAGS.has(key)) throw new Error(`unknown flag --${key} for plan (see --help)`);
  }
  const positionals = [...(args.command ? [args.command] : []), ...args.positionals];
  const live = flag(args, "live");
  if (positionals.length > (live ? 0 : 1)) {
    throw new Error(`unexpected argument "${positionals.at(-1)}"`);
  }
  const name = live ?? positionals[0];
  const filePath = flag(args, "filename");
  const sets = args.flags.get("set") ?? [];
  const patchText = flag(args, "patch");
  if (filePath && name) {
    throw new Error("give either -f FILE or a NAME (with --set/--patch), not both");
  }
  if (!filePath && !name) throw new Error("plan needs a NAME (with --set/--patch) or -f FILE");
  if (filePath && (sets.length || patchText)) {
    throw new Error("--set and --patch edit the live resource NAME; with -f, edit the file");
  }
  const kind = flag(args, "kind");
  const output = flag(args, "output") ?? "text";
  if (output !== "text" && output !== "json") throw new Error(`--output ${output}: text or json`);
  for (const set of sets) parseSetExpression(set); // malformed PATH=VALUE: before connecting
  const file = filePath ? await readResourceFile(filePath) : undefined;
  return {
    kind: kindOf(kind ?? file?.doc.kind),
    name,
    file,
    patch: patchText === undefined ? undefined : parsePatch(patchText),
    sets,
    output,
    restAccess: parseRestAccessMode(flag(args, "rest-access") ?? "api-proxy"),
    timeoutMs: parseTimeout(flag(args, "timeout") ?? "1m"),
    kubeconfig: flag(args, "kubeconfig"),
    namespace: flag(args, "namespace"),
  };
}

function kindOf(kind: string | undefined): Kind | undefined {
  if (kind === undefined) return undefined;
  const k = kind.toLowerCase();
  if (k === "flinkdeployment") return "FlinkDeployment";
  if (k === "flinksessionjob") return "FlinkSessionJob";
  throw new Error(`kind ${kind}: expected FlinkDeployment or FlinkSessionJob`);
}

async function readResourceFile(path: string): Promise<{ path: string; doc: RawResource }> {
  let text: string;
  try {
    text = path === "-"
      ? await new Response(Deno.stdin.readable).text()
      : await Deno.readTextFile(path);
  } catch (err) {
    throw new Error(`cannot read ${path}: ${errorMessage(err)}`);
  }
  const docs = parseAllDocuments(text).filter((d) => d.contents !== null);
  if (docs.length !== 1) {
    throw new Error(`${path} must hold exactly one resource (it has ${docs.length})`);
  }
  if (docs[0].errors.length) throw new Error(`${path}: ${docs[0].errors[0].message}`);
  const doc = docs[0].toJS() as RawResource;
  if (typeof doc !== "object" || doc === null || !doc.metadata?.name) {
    throw new Error(`${path}: not a resource with metadata.name`);
  }
  return { path, doc };
}

/**
 * The operator's configuration, as `flinkop run` would load it from the same flags, or from the
 * operator's ConfigMap (`config.yaml` or `flink-conf.yaml`).
 */
async function operatorConfig(client: KubeClient, args: ParsedArgs): Promise<OperatorConfig> {
  const passed: string[] = [];
  for (const name of ["config-file", "config-dir"]) {
    const value = flag(args, name);
    if (value !== undefined) passed.push(`--${name}`, value);
  }
  const ref = flag(args, "operator-config");
  if (ref === undefined) return loadOperatorConfig({ args: passed, env: {} });
  const [namespace, name, extra] = ref.split("/");
  if (!namespace || !name || extra !== undefined) {
    throw new Error(`--operator-config ${ref}: expected NAMESPACE/CONFIGMAP`);
  }
  const cm = await client.get<KubeObject & { data?: Record<string, string> }>(
    Resources.configMaps,
    namespace,
    name,
  );
  if (!cm) throw new Error(`ConfigMap ${ref} not found`);
  const key = ["config.yaml", "flink-conf.yaml"].find((k) => cm.data?.[k] !== undefined);
  if (!key) throw new Error(`ConfigMap ${ref} has no config.yaml or flink-conf.yaml`);
  const path = `configmap ${ref}/${key}`;
  return loadOperatorConfig({
    args: [...passed, "--config-file", path],
    env: {},
    readFile: (p) => (p === path ? cm.data![key] : null),
  });
}

interface Target {
  kind: Kind;
  live?: RawResource;
  edited: RawResource;
}

async function resolveTarget(
  client: KubeClient,
  namespace: string,
  request: Request,
): Promise<Target | string> {
  if (request.file) {
    const doc = request.file.doc;
    const kind = request.kind;
    if (!kind) return `${request.file.path}: kind must be FlinkDeployment or FlinkSessionJob`;
    const type = kind === "FlinkDeployment" ? FlinkDeployments : FlinkSessionJobs;
    const live = await client.get<RawResource>(type, namespace, doc.metadata.name!);
    // As an apply would leave it: the file's spec, labels and annotations on the live object.
    const edited: RawResource = live
      ? {
        ...live,
        metadata: {
          ...live.metadata,
          labels: doc.metadata.labels ?? live.metadata.labels,
          annotations: doc.metadata.annotations ?? live.metadata.annotations,
        },
        spec: doc.spec,
      }
      : {
        ...doc,
        apiVersion: doc.apiVersion ?? "flink.apache.org/v1beta1",
        kind,
        metadata: { ...doc.metadata, namespace, generation: 1 },
        status: undefined,
      };
    return { kind, live: live ?? undefined, edited };
  }
  const found = await findTarget(client, namespace, request.name!, request.kind);
  if (typeof found === "string") return found;
  let edited = structuredClone(found.obj) as unknown as Record<string, unknown>;
  if (request.patch) edited = mergePatch(edited, request.patch) as Record<string, unknown>;
  try {
    for (const set of request.sets) edited = applySet(edited, set);
  } catch (err) {
    return errorMessage(err);
  }
  const result = edited as unknown as RawResource;
  // Only spec and metadata are the user's to edit; status stays the operator's.
  result.status = found.obj.status;
  return { kind: found.kind, live: found.obj as unknown as RawResource, edited: result };
}

async function makePlan(
  client: KubeClient,
  config: OperatorConfig,
  request: Request,
  target: Target,
  signal: AbortSignal,
): Promise<JobPlan> {
  const env: JobEnv = {
    config,
    restAccess: request.restAccess,
    now: () => Date.now(),
    snapshotResources: config.snapshotResourceEnabled && await snapshotCrdServed(client),
  };
  const memory = new JobMemory();
  if (target.kind === "FlinkDeployment") {
    const parsed = safeParseFlinkDeployment(target.edited);
    if (!parsed.ok) throw new Error(`the edited FlinkDeployment: ${parsed.error.message}`);
    const controller = flinkDeploymentController(env);
    const ctx = await readOnlyContext(client, target.edited, controller.watches ?? [], signal);
    const pass = deploymentPassOf(target.edited, parsed.value, ctx, env, memory);
    return await planJob({ pass, validate: validateDeploymentPass, exists: !!target.live });
  }
  const parsed = safeParseFlinkSessionJob(target.edited);
  if (!parsed.ok) throw new Error(`the edited FlinkSessionJob: ${parsed.error.message}`);
  const controller = flinkSessionJobController(env);
  const ctx = await readOnlyContext(client, target.edited, controller.watches ?? [], signal);
  const pass = sessionJobPassOf(target.edited, parsed.value, ctx, env, memory);
  return await planJob({
    pass,
    validate: await sessionJobValidation(pass),
    waitsFor: (p) => sessionClusterWait(p.ns, p.driver.clusterId(p), p.session),
    exists: !!target.live,
  });
}

const DOWNTIME: Record<PlannedOutcome["downtime"], string> = {
  "none": "none",
  "in-place": "in-place (same job, rescaled by the adaptive scheduler)",
  "job-restart": "job restart (the job is stopped and started again)",
  "cluster-redeploy": "cluster redeploy (the JobManager Deployment is replaced)",
  "until-resumed": "the job is stopped until it is resumed",
};

/** The plan as text, one line per entry. */
export function renderPlan(plan: JobPlan): string[] {
  const lines: string[] = [];
  const c = plan.current;
  lines.push(`Plan for ${plan.kind} ${plan.namespace}/${plan.name}`);
  if (!c.exists) {
    lines.push("  Now:          does not exist (a first deployment)");
  } else {
    const parts = [
      `lifecycle ${c.lifecycleState ?? "-"}`,
      ...(c.jobState || c.jobId
        ? [`job ${c.jobState ?? "-"}${c.jobId ? ` (${c.jobId})` : ""}`]
        : []),
      ...(c.jobManager ? [`JobManager ${c.jobManager}`] : []),
      `reconciliation ${c.reconciliationState ?? "-"}`,
      ...(c.recordedUpgradeMode ? [`recorded restore mode ${c.recordedUpgradeMode}`] : []),
    ];
    lines.push(`  Now:          ${parts.join(", ")}`);
  }
  if (plan.diff.changes.length) {
    lines.push(`  Changes:      ${plan.diff.type} (against lastReconciledSpec)`);
    const width = Math.min(60, Math.max(...plan.diff.changes.map((ch) => ch.path.length)));
    for (const ch of plan.diff.changes) {
      lines.push(`    ${ch.type.padEnd(18)} ${ch.path.padEnd(width)}  ${ch.before} -> ${ch.after}`);
    }
  } else {
    lines.push(
      `  Changes:      ${c.exists ? "none against lastReconciledSpec" : "a new resource"}`,
    );
  }
  const several = plan.outcomes.length > 1;
  if (several) lines.push("  Outcomes, depending on what could not be learned (see Unknown):");
  for (const o of plan.outcomes) {
    const pad = several ? "    " : "  ";
    if (several) lines.push(`  - ${o.when ?? "otherwise"}:`);
    lines.push(`${pad}Action:       ${o.action}`);
    lines.push(`${pad}              ${o.summary}`);
    if (o.upgrade) {
      lines.push(
        `${pad}Upgrade mode: ${o.upgrade.restoreMode} (spec: ${o.upgrade.specUpgradeMode}; ` +
          `stop: ${o.upgrade.suspend})`,
      );
      lines.push(`${pad}Why:          ${o.upgrade.why}`);
    } else if (o.restoreMode) {
      lines.push(`${pad}Restore mode: ${o.restoreMode}`);
    }
    if (o.restoreFrom) lines.push(`${pad}Restores from: ${o.restoreFrom.detail}`);
    lines.push(`${pad}Downtime:     ${DOWNTIME[o.downtime]}`);
    lines.push(`${pad}Job id:       ${o.jobId}`);
    if (o.jobManager !== "n/a") lines.push(`${pad}JobManager:   ${o.jobManager}`);
    lines.push(`${pad}Events:       ${o.events.length ? o.events.join(", ") : "none"}`);
  }
  if (plan.notes.length) {
    lines.push("  Notes:");
    for (const note of plan.notes) lines.push(`    - ${note}`);
  }
  if (plan.unknown.length) {
    lines.push("  Unknown:");
    for (const u of plan.unknown) lines.push(`    - ${u.fact}: ${u.reason}`);
  }
  return lines;
}
