/**
 * The operator metrics FKO users' dashboards and alerts read, under the names FKO's Prometheus
 * reporter gives them (reference §2.5; FKO's FlinkDeploymentMetrics, FlinkSessionJobMetrics,
 * FlinkStateSnapshotMetrics and lifecycle metrics):
 *
 *   system scope, labels host, namespace, name (the operator's pod host, namespace and name):
 *     flink_k8soperator_<Kind>_Lifecycle_State_<STATE>_TimeSeconds        summary
 *     flink_k8soperator_<Kind>_Lifecycle_Transition_<T>_TimeSeconds       summary
 *   namespace scope, plus labels resourcens (the resources' namespace) and resourcetype (<Kind>):
 *     flink_k8soperator_namespace_Count                                   gauge
 *     flink_k8soperator_namespace_Lifecycle_State_<STATE>_Count           gauge
 *     flink_k8soperator_namespace_Lifecycle_State_<STATE>_TimeSeconds     summary
 *     flink_k8soperator_namespace_Lifecycle_Transition_<T>_TimeSeconds    summary
 *     flink_k8soperator_namespace_JmDeploymentStatus_<STATUS>_Count       gauge (FlinkDeployment)
 *     flink_k8soperator_namespace_FlinkVersion_Count{FlinkVersion}        gauge (FlinkDeployment)
 *     flink_k8soperator_namespace_FlinkMinorVersion_Count{FlinkMinorVersion}
 *     flink_k8soperator_namespace_ResourceUsage_Cpu / _Memory / _StateSize
 *     flink_k8soperator_namespace_{Checkpoint,Savepoint}_Count            gauge (FlinkStateSnapshot)
 *     flink_k8soperator_namespace_{Checkpoint,Savepoint}_State_<STATE>_Count
 *
 * Flink's reporter exports a histogram as a summary of its last `histogram.sample.size` values
 * (quantiles 0.5 … 0.999, plus `_count` of all values ever), and a namespace's gauges exist from
 * the first resource of that kind seen there on (a count that drops to 0 stays, as in FKO).
 *
 * Fed from the controllers' watch caches (every status the operator writes comes back as a watch
 * event, as do resources it finds at start): `update(kind, object)` per change, `remove` when the
 * object is gone.
 */
import { RESOURCE_LIFECYCLE_STATES, type ResourceLifecycleState } from "../api/mod.ts";
import type { KubeObject } from "../kube/resource.ts";
import { computeLifecycleState } from "../flink/spec/lifecycle.ts";
import type { OperatorConfig } from "../config/operator_config.ts";
import { OPTIONS } from "../config/options.ts";

/** Every lifecycle state, in FKO's order (ResourceLifecycleState). */
const LIFECYCLE_STATES: readonly ResourceLifecycleState[] = RESOURCE_LIFECYCLE_STATES;

/** States whose time is measured until another terminal state is reached (FKO's "terminal"). */
const TERMINAL = new Set<ResourceLifecycleState>([
  "SUSPENDED",
  "STABLE",
  "ROLLED_BACK",
  "FAILED",
  "DELETED",
]);

export const JM_DEPLOYMENT_STATUSES = [
  "READY",
  "DEPLOYED_NOT_READY",
  "DEPLOYING",
  "MISSING",
  "ERROR",
] as const;

export const SNAPSHOT_STATES = [
  "COMPLETED",
  "FAILED",
  "IN_PROGRESS",
  "TRIGGER_PENDING",
  "ABANDONED",
] as const;

interface Transition {
  from: ResourceLifecycleState;
  to: ResourceLifecycleState;
  /** Measure from the last update in `from` (true) or from entering it (false). */
  fromLastUpdate: boolean;
  name: string;
}

/** The transitions FKO times, with its names. */
export const TRANSITIONS: readonly Transition[] = [
  { from: "SUSPENDED", to: "STABLE", fromLastUpdate: true, name: "Resume" },
  { from: "STABLE", to: "STABLE", fromLastUpdate: true, name: "Upgrade" },
  { from: "DEPLOYED", to: "UPGRADING", fromLastUpdate: true, name: "Suspend" },
  { from: "STABLE", to: "UPGRADING", fromLastUpdate: true, name: "Suspend" },
  { from: "ROLLED_BACK", to: "UPGRADING", fromLastUpdate: true, name: "Suspend" },
  { from: "DEPLOYED", to: "SUSPENDED", fromLastUpdate: true, name: "Suspend" },
  { from: "STABLE", to: "SUSPENDED", fromLastUpdate: true, name: "Suspend" },
  { from: "ROLLED_BACK", to: "SUSPENDED", fromLastUpdate: true, name: "Suspend" },
  { from: "DEPLOYED", to: "STABLE", fromLastUpdate: false, name: "Stabilization" },
  { from: "DEPLOYED", to: "ROLLED_BACK", fromLastUpdate: false, name: "Rollback" },
  { from: "UPGRADING", to: "DEPLOYED", fromLastUpdate: true, name: "Submission" },
  { from: "ROLLING_BACK", to: "ROLLED_BACK", fromLastUpdate: true, name: "Submission" },
];
export const TRANSITION_NAMES = [...new Set(TRANSITIONS.map((t) => t.name))];

/** States whose accumulated time ends (is recorded and forgotten) when `to` is entered. */
function statesClosedBy(
  to: ResourceLifecycleState,
  from: ResourceLifecycleState,
): ResourceLifecycleState[] {
  if (to === from) return [];
  if (TERMINAL.has(to)) return LIFECYCLE_STATES.filter((s) => s !== to);
  if (to === "UPGRADING") return LIFECYCLE_STATES.filter((s) => s !== to && s !== from);
  return [];
}

/**
 * A sliding window of the last `size` values, summarised as Flink's DescriptiveStatistics
 * histogram is (commons-math's default percentile estimate), plus the count of all values.
 */
export class SampleHistogram {
  readonly #values: number[] = [];
  #count = 0;
  constructor(private readonly size: number) {}

  update(value: number): void {
    this.#values.push(value);
    if (this.#values.length > this.size) this.#values.shift();
    this.#count++;
  }

  get count(): number {
    return this.#count;
  }

  quantile(q: number): number {
    const sorted = [...this.#values].sort((a, b) => a - b);
    const n = sorted.length;
    if (n === 0) return NaN;
    if (n === 1) return sorted[0];
    const pos = q * (n + 1);
    if (pos < 1) return sorted[0];
    if (pos >= n) return sorted[n - 1];
    const lower = sorted[Math.floor(pos) - 1];
    const upper = sorted[Math.floor(pos)];
    return lower + (pos - Math.floor(pos)) * (upper - lower);
  }
}

const QUANTILES = [0.5, 0.75, 0.95, 0.98, 0.99, 0.999];

/** Time in, and transitions between, the lifecycle states of one resource (FKO's tracker). */
export class LifecycleTracker {
  /** Per state: when it was entered and when it was last seen, in ms. */
  readonly #times = new Map<ResourceLifecycleState, { entered: number; last: number }>();
  #current: ResourceLifecycleState;

  constructor(
    initial: ResourceLifecycleState,
    atMs: number,
    private readonly record: {
      transition(name: string, seconds: number): void;
      stateTime(state: ResourceLifecycleState, seconds: number): void;
    },
  ) {
    this.#current = initial;
    this.#enter(initial, atMs);
  }

  get current(): ResourceLifecycleState {
    return this.#current;
  }

  update(state: ResourceLifecycleState, atMs: number): void {
    if (state !== this.#current) {
      for (const t of TRANSITIONS) {
        if (t.to !== state) continue;
        const from = this.#times.get(t.from);
        if (!from) continue;
        this.record.transition(
          t.name,
          seconds(atMs - (t.fromLastUpdate ? from.last : from.entered)),
        );
      }
    }
    this.#enter(state, atMs);
  }

  #enter(state: ResourceLifecycleState, atMs: number): void {
    const times = this.#times.get(state);
    if (!times) this.#times.set(state, { entered: atMs, last: atMs });
    else {
      if (state !== this.#current) times.entered = atMs;
      times.last = atMs;
    }
    if (state === this.#current) return;
    for (const closed of statesClosedBy(state, this.#current)) {
      const t = this.#times.get(closed);
      if (!t) continue;
      this.#times.delete(closed);
      this.record.stateTime(closed, seconds(t.last - t.entered));
    }
    this.#current = state;
  }
}

function seconds(ms: number): number {
  return Math.max(0, Math.floor(ms / 1000));
}

export type TrackedKind = "FlinkDeployment" | "FlinkSessionJob" | "FlinkStateSnapshot";

export interface FkoMetricsOptions {
  /** The operator pod's host name, namespace and name (FKO: HOSTNAME, OPERATOR_NAMESPACE/_NAME). */
  host: string;
  operatorNamespace: string;
  operatorName: string;
  /** kubernetes.operator.resource.metrics.enabled */
  resourceMetrics: boolean;
  /** kubernetes.operator.resource.lifecycle.metrics.enabled */
  lifecycleMetrics: boolean;
  /** kubernetes.operator.resource.lifecycle.namespace.histograms.enabled */
  namespaceHistograms: boolean;
  /** kubernetes.operator.metrics.histogram.sample.size */
  histogramSampleSize: number;
  now?: () => number;
}

interface DeploymentInfo {
  jmStatus: string;
  flinkVersion: string;
  minorVersion: string;
  cpu: number;
  memory: number;
  stateSize: number;
}

interface ResourceEntry {
  kind: TrackedKind;
  namespace: string;
  name: string;
  tracker?: LifecycleTracker;
  deployment?: DeploymentInfo;
  snapshot?: { type: "Savepoint" | "Checkpoint"; state: string };
}

interface Family {
  type: "gauge" | "summary";
  help: string;
  lines: string[];
}

type Labels = Record<string, string>;

interface FlinkStatusLike {
  lifecycleState?: ResourceLifecycleState;
  jobManagerDeploymentStatus?: string;
  clusterInfo?: Record<string, string>;
  state?: string;
}

/** FKO's operator metrics, rendered in the Prometheus text format by `render()`. */
export class FkoOperatorMetrics {
  readonly #resources = new Map<string, ResourceEntry>();
  /** Namespaces per kind whose gauges exist (created on first sight, as FKO registers them). */
  readonly #namespaces = new Map<TrackedKind, Set<string>>();
  /** Versions seen per namespace (FKO registers a version gauge on first sight). */
  readonly #versions = new Map<string, Set<string>>();
  readonly #minorVersions = new Map<string, Set<string>>();
  /** Histograms by (kind, scope namespace or "" for system, "State"/"Transition", name). */
  readonly #histograms = new Map<string, SampleHistogram>();
  /** Kinds with lifecycle histograms, and the namespaces with their own (FKO: on first tracker). */
  readonly #lifecycleScopes = new Map<TrackedKind, Set<string>>();
  readonly #now: () => number;

  constructor(private readonly opts: FkoMetricsOptions) {
    this.#now = opts.now ?? Date.now;
  }

  /** ResourceObserver: every primary object a controller's watch delivers. */
  applied(kind: string, obj: KubeObject): void {
    if (isTracked(kind)) this.update(kind, obj);
  }

  deleted(kind: string, obj: KubeObject): void {
    if (isTracked(kind)) this.remove(kind, obj);
  }

  /** A resource was seen (listed, or changed: its status was written). */
  update(kind: TrackedKind, obj: KubeObject & { status?: unknown }): void {
    if (!this.opts.resourceMetrics) return;
    const namespace = obj.metadata.namespace ?? "default";
    const name = obj.metadata.name ?? "";
    const key = `${kind}/${namespace}/${name}`;
    const status = (obj.status ?? {}) as FlinkStatusLike;
    if (kind === "FlinkStateSnapshot") {
      // FKO counts a snapshot once it has a state.
      if (!status.state) return;
      const spec = (obj as { spec?: { savepoint?: unknown } }).spec;
      this.#seenNamespace(kind, namespace);
      this.#resources.set(key, {
        kind,
        namespace,
        name,
        snapshot: { type: spec?.savepoint ? "Savepoint" : "Checkpoint", state: status.state },
      });
      return;
    }
    this.#seenNamespace(kind, namespace);
    const entry: ResourceEntry = this.#resources.get(key) ?? { kind, namespace, name };
    if (kind === "FlinkDeployment") entry.deployment = this.#deploymentInfo(namespace, status);
    if (this.opts.lifecycleMetrics) {
      const state = lifecycleOf(kind, status);
      const now = this.#now();
      if (!entry.tracker) {
        addTo(this.#lifecycleScopes, kind, namespace);
        const created = Date.parse(obj.metadata.creationTimestamp ?? "");
        const at = state === "CREATED" && Number.isFinite(created) ? created : now;
        entry.tracker = new LifecycleTracker(state, at, {
          transition: (t, s) => this.#observe(kind, namespace, "Transition", t, s),
          stateTime: (st, s) => this.#observe(kind, namespace, "State", st, s),
        });
      } else {
        entry.tracker.update(state, now);
      }
    }
    this.#resources.set(key, entry);
  }

  /** The resource is gone from the cluster. */
  remove(kind: TrackedKind, obj: KubeObject): void {
    this.#resources.delete(`${kind}/${obj.metadata.namespace ?? "default"}/${obj.metadata.name}`);
  }

  #seenNamespace(kind: TrackedKind, namespace: string): void {
    let set = this.#namespaces.get(kind);
    if (!set) this.#namespaces.set(kind, set = new Set());
    set.add(namespace);
  }

  #deploymentInfo(namespace: string, status: FlinkStatusLike): DeploymentInfo {
    const info = status.clusterInfo ?? {};
    const flinkVersion = info["flink-version"]?.trim() || "UNKNOWN";
    const parts = flinkVersion.split(".");
    const minorVersion = parts.length >= 2 ? `${parts[0]}.${parts[1]}` : "MALFORMED";
    addTo(this.#versions, namespace, flinkVersion);
    addTo(this.#minorVersions, namespace, minorVersion);
    const cpu = Number(info["total-cpu"] ?? 0);
    const memory = Math.trunc(Number(info["total-memory"] ?? 0));
    const stateSize = Math.trunc(Number(info["state-size"] ?? 0));
    return {
      jmStatus: status.jobManagerDeploymentStatus ?? "MISSING",
      flinkVersion,
      minorVersion,
      cpu: Number.isFinite(cpu) ? cpu : 0,
      memory: Number.isFinite(memory) ? memory : 0,
      stateSize: Number.isFinite(stateSize) && stateSize > 0 ? stateSize : 0,
    };
  }

  #histogram(kind: TrackedKind, scopeNs: string, group: string, name: string): SampleHistogram {
    const key = `${kind}\0${scopeNs}\0${group}\0${name}`;
    let h = this.#histograms.get(key);
    if (!h) this.#histograms.set(key, h = new SampleHistogram(this.opts.histogramSampleSize));
    return h;
  }

  #observe(kind: TrackedKind, ns: string, group: string, name: string, value: number): void {
    this.#histogram(kind, "", group, name).update(value);
    if (this.opts.namespaceHistograms) this.#histogram(kind, ns, group, name).update(value);
  }

  /** The families in the Prometheus text exposition format ("" when there are none yet). */
  render(): string {
    const families = new Map<string, Family>();
    const system: Labels = {
      host: this.opts.host,
      name: this.opts.operatorName,
      namespace: this.opts.operatorNamespace,
    };
    const gauge = (name: string, help: string, labels: Labels, value: number) =>
      sample(families, name, "gauge", help, labels, value);
    const resources = [...this.#resources.values()];

    for (const [kind, namespaces] of this.#namespaces) {
      for (const ns of namespaces) {
        const labels = { ...system, resourcens: ns, resourcetype: kind };
        const here = resources.filter((r) => r.kind === kind && r.namespace === ns);
        if (kind === "FlinkStateSnapshot") {
          for (const type of ["Checkpoint", "Savepoint"] as const) {
            const ofType = here.filter((r) => r.snapshot?.type === type);
            gauge(
              `flink_k8soperator_namespace_${type}_Count`,
              `${type} FlinkStateSnapshots per namespace.`,
              labels,
              ofType.length,
            );
            for (const state of SNAPSHOT_STATES) {
              gauge(
                `flink_k8soperator_namespace_${type}_State_${state}_Count`,
                `${type} FlinkStateSnapshots in state ${state} per namespace.`,
                labels,
                ofType.filter((r) => r.snapshot?.state === state).length,
              );
            }
          }
          continue;
        }
        gauge(
          "flink_k8soperator_namespace_Count",
          "Managed resources per namespace and kind.",
          labels,
          here.length,
        );
        if (this.opts.lifecycleMetrics) {
          for (const state of LIFECYCLE_STATES) {
            gauge(
              `flink_k8soperator_namespace_Lifecycle_State_${state}_Count`,
              `Resources in lifecycle state ${state} per namespace and kind.`,
              labels,
              here.filter((r) => r.tracker?.current === state).length,
            );
          }
        }
        if (kind === "FlinkDeployment") this.#renderDeployments(families, labels, ns, here);
      }
    }

    if (this.opts.lifecycleMetrics) {
      for (const [kind, namespaces] of this.#lifecycleScopes) {
        const scopes: [string, Labels, string][] = [[
          "",
          system,
          `flink_k8soperator_${kind}_Lifecycle`,
        ]];
        if (this.opts.namespaceHistograms) {
          for (const ns of namespaces) {
            scopes.push([
              ns,
              { ...system, resourcens: ns, resourcetype: kind },
              "flink_k8soperator_namespace_Lifecycle",
            ]);
          }
        }
        for (const [scopeNs, labels, prefix] of scopes) {
          for (const state of LIFECYCLE_STATES) {
            summary(
              families,
              `${prefix}_State_${state}_TimeSeconds`,
              `Seconds spent in lifecycle state ${state}.`,
              labels,
              this.#histogram(kind, scopeNs, "State", state),
            );
          }
          for (const t of TRANSITION_NAMES) {
            summary(
              families,
              `${prefix}_Transition_${t}_TimeSeconds`,
              `Seconds taken by ${t} lifecycle transitions.`,
              labels,
              this.#histogram(kind, scopeNs, "Transition", t),
            );
          }
        }
      }
    }

    const out: string[] = [];
    for (const [name, f] of families) {
      out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`, ...f.lines);
    }
    return out.join("\n");
  }

  #renderDeployments(
    families: Map<string, Family>,
    labels: Labels,
    ns: string,
    here: ResourceEntry[],
  ): void {
    const infos = here.map((r) => r.deployment).filter((d): d is DeploymentInfo => !!d);
    for (const status of JM_DEPLOYMENT_STATUSES) {
      sample(
        families,
        `flink_k8soperator_namespace_JmDeploymentStatus_${status}_Count`,
        "gauge",
        `FlinkDeployments whose JobManager deployment status is ${status}.`,
        labels,
        infos.filter((d) => d.jmStatus === status).length,
      );
    }
    for (const v of this.#versions.get(ns) ?? []) {
      sample(
        families,
        "flink_k8soperator_namespace_FlinkVersion_Count",
        "gauge",
        "FlinkDeployments per Flink version (as the JobManager reports it).",
        { ...labels, FlinkVersion: v },
        infos.filter((d) => d.flinkVersion === v).length,
      );
    }
    for (const v of this.#minorVersions.get(ns) ?? []) {
      sample(
        families,
        "flink_k8soperator_namespace_FlinkMinorVersion_Count",
        "gauge",
        "FlinkDeployments per Flink minor version.",
        { ...labels, FlinkMinorVersion: v },
        infos.filter((d) => d.minorVersion === v).length,
      );
    }
    const sum = (f: (d: DeploymentInfo) => number) => infos.reduce((a, d) => a + f(d), 0);
    const usage: [string, string, number][] = [
      ["Cpu", "CPUs requested by the namespace's Flink clusters.", sum((d) => d.cpu)],
      ["Memory", "Memory bytes requested by the namespace's Flink clusters.", sum((d) => d.memory)],
      ["StateSize", "Checkpointed state bytes of the namespace's jobs.", sum((d) => d.stateSize)],
    ];
    for (const [name, help, value] of usage) {
      sample(
        families,
        `flink_k8soperator_namespace_ResourceUsage_${name}`,
        "gauge",
        help,
        labels,
        value,
      );
    }
  }
}

function isTracked(kind: string): kind is TrackedKind {
  return kind === "FlinkDeployment" || kind === "FlinkSessionJob" ||
    kind === "FlinkStateSnapshot";
}

/**
 * FKO's metrics for an operator configured by `config`, named after its pod (env as in FKO).
 * `hostname` and `now` are for tests.
 */
export function fkoMetricsFor(
  config: OperatorConfig,
  env: Record<string, string | undefined>,
  opts: { hostname?: () => string; now?: () => number } = {},
): FkoOperatorMetrics {
  let host = env["HOSTNAME"];
  if (!host) {
    try {
      host = (opts.hostname ?? Deno.hostname)();
    } catch {
      host = "localhost";
    }
  }
  return new FkoOperatorMetrics({
    host,
    operatorNamespace: env["OPERATOR_NAMESPACE"] || "default",
    operatorName: env["OPERATOR_NAME"] || "flinkop",
    resourceMetrics: config.get(OPTIONS.resourceMetricsEnabled),
    lifecycleMetrics: config.get(OPTIONS.resourceLifecycleMetricsEnabled),
    namespaceHistograms: config.get(OPTIONS.resourceLifecycleNamespaceHistogramsEnabled),
    histogramSampleSize: Math.max(1, config.get(OPTIONS.metricsHistogramSampleSize)),
    now: opts.now,
  });
}

function lifecycleOf(kind: TrackedKind, status: FlinkStatusLike): ResourceLifecycleState {
  if (status.lifecycleState) return status.lifecycleState;
  if (Object.keys(status).length === 0) return "CREATED";
  return computeLifecycleState(status as Parameters<typeof computeLifecycleState>[0], {
    kind: kind as "FlinkDeployment" | "FlinkSessionJob",
  });
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (!set) map.set(key, set = new Set());
  set.add(value);
}

function family(
  families: Map<string, Family>,
  name: string,
  type: Family["type"],
  help: string,
): Family {
  let f = families.get(name);
  if (!f) families.set(name, f = { type, help, lines: [] });
  return f;
}

function sample(
  families: Map<string, Family>,
  name: string,
  type: Family["type"],
  help: string,
  labels: Labels,
  value: number,
): void {
  family(families, name, type, help).lines.push(`${name}{${renderLabels(labels)}} ${num(value)}`);
}

function summary(
  families: Map<string, Family>,
  name: string,
  help: string,
  labels: Labels,
  h: SampleHistogram,
): void {
  const f = family(families, name, "summary", help);
  const base = renderLabels(labels);
  for (const q of QUANTILES) {
    f.lines.push(`${name}{${base},quantile="${q}"} ${num(h.quantile(q))}`);
  }
  f.lines.push(`${name}_count{${base}} ${h.count}`);
}

function renderLabels(labels: Labels): string {
  return Object.keys(labels).sort().map((k) => `${k}="${escapeLabel(labels[k])}"`).join(",");
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function num(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}
