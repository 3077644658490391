/**
 * Classifies what changed between the deployed spec (`lastReconciledSpec`) and the current
 * spec (reference §3.5, FKO `ReflectiveDiffBuilder` + `@SpecDiff`). The aggregate type decides
 * the action: nothing (IGNORE), in-place rescale (SCALE), stop and restore (UPGRADE), or a
 * stateless stop and redeploy from `initialSavepointPath` (SAVEPOINT_REDEPLOY).
 *
 * Only fields the schema declares are compared: unknown fields never reach `lastReconciledSpec`
 * (FKO's Java classes have nowhere to keep them), so comparing them would report a change on
 * every loop and restart the job forever.
 */
import {
  type FlinkDeploymentSpec,
  FlinkDeploymentSpecSchema,
  type FlinkSessionJobSpec,
  FlinkSessionJobSpecSchema,
  type KubernetesDeploymentMode,
  type ReconciledKind,
  toKnownFields,
} from "../../api/mod.ts";
import { flattenFlinkConfiguration } from "../../config/flatten.ts";
import { isSecretKey, REDACTED } from "../../log.ts";

/** Ordered from least to most disruptive; the aggregate of a diff is the maximum. */
export const DIFF_TYPES = ["IGNORE", "SCALE", "UPGRADE", "SAVEPOINT_REDEPLOY"] as const;
export type DiffType = (typeof DIFF_TYPES)[number];

export interface SpecChange {
  /** Dotted path, e.g. `job.parallelism` or `flinkConfiguration.state.backend.type`. */
  readonly path: string;
  readonly type: DiffType;
  /** undefined when the field was absent. */
  readonly before: unknown;
  readonly after: unknown;
  /**
   * The values may be secrets (a secret-looking key or env var name on the way), so messages
   * must not show them.
   */
  readonly sensitive: boolean;
}

export interface SpecDiff {
  /** Kind of the compared specs; FKO names it in the SpecChanged message. */
  readonly kind: ReconciledKind;
  readonly type: DiffType;
  /** Every differing field, IGNORE ones included (they are shown in the SpecChanged event). */
  readonly changes: readonly SpecChange[];
}

export interface DiffOptions {
  /**
   * Deployment mode of the running cluster (`spec.mode` of the deployed spec, null = native; a
   * session job's is its session cluster's).
   */
  readonly mode: KubernetesDeploymentMode;
}

/** Job fields that only matter at specific moments and never require a redeploy by themselves. */
const IGNORED_JOB_FIELDS = new Set([
  "savepointTriggerNonce",
  "checkpointTriggerNonce",
  "initialSavepointPath",
  "flinkStateSnapshotReference",
  "upgradeMode",
  "allowNonRestoredState",
  "autoscalerResetNonce",
]);

/**
 * Config keys the operator reads live from the current spec (observe config) or that the
 * autoscaler and `job.parallelism` drive, so changing them needs no redeploy.
 */
const IGNORED_CONFIG_PREFIXES = ["kubernetes.operator", "job.autoscaler", "parallelism.default"];
const PARALLELISM_OVERRIDES_KEY = "pipeline.jobvertex-parallelism-overrides";

/** Where free-form pod templates sit; inside them arrays are compared element by element. */
const POD_TEMPLATE_FIELD = "podTemplate";

const MAX_VALUE_TEXT = 256;

const SPEC_SCHEMAS = {
  FlinkDeployment: FlinkDeploymentSpecSchema,
  FlinkSessionJob: FlinkSessionJobSpecSchema,
} as const;

/** Compares two specs of a kind (both kinds' specs are accepted, as the job lifecycle is shared). */
export function diffSpecs(
  kind: ReconciledKind,
  previous: FlinkDeploymentSpec | FlinkSessionJobSpec,
  current: FlinkDeploymentSpec | FlinkSessionJobSpec,
  options: DiffOptions,
): SpecDiff {
  const before = comparable(kind, previous);
  const after = comparable(kind, current);
  const changes: SpecChange[] = [];
  const record: RecordChange = (path, was, is, sensitive) =>
    changes.push({
      path,
      type: classify(path, is, options.mode),
      before: was,
      after: is,
      sensitive: sensitive || path.split(".").some(isSecretKey),
    });

  for (const field of Object.keys(SPEC_SCHEMAS[kind].shape)) {
    const was = before[field];
    const is = after[field];
    if (field === "flinkConfiguration") {
      diffConfiguration(was, is, record);
    } else if (field === "job" && (was === undefined) !== (is === undefined)) {
      // Adding or removing the job turns one kind of cluster into another: one change, not
      // one per job field (validation rejects it for deployed resources anyway).
      record(field, was, is, false);
    } else {
      walk(field, was, is, { inPodTemplate: false, sensitive: false }, record);
    }
  }
  return { kind, type: aggregate(changes.map((change) => change.type)), changes };
}

/** The most disruptive of `types`; IGNORE for none. */
export function aggregate(types: readonly DiffType[]): DiffType {
  let highest = 0;
  for (const type of types) highest = Math.max(highest, DIFF_TYPES.indexOf(type));
  return DIFF_TYPES[highest];
}

/**
 * Message of the `SpecChanged` event, in FKO's format, e.g.
 * `SCALE change(s) detected (Diff: FlinkDeploymentSpec[job.parallelism : 2 -> 4]), starting
 * reconciliation.` Values under secret-looking keys are masked.
 */
export function describeDiff(diff: SpecDiff): string {
  const entries = diff.changes.map((change) => {
    const { path, before, after, sensitive } = change;
    return `${path} : ${renderDiffValue(before, sensitive)} -> ${
      renderDiffValue(after, sensitive)
    }`;
  });
  return `${diff.type} change(s) detected (Diff: ${diff.kind}Spec[${entries.join(", ")}]), ` +
    "starting reconciliation.";
}

type Fields = Record<string, unknown>;
type RecordChange = (path: string, before: unknown, after: unknown, sensitive: boolean) => void;

interface WalkState {
  /** Inside a pod template, where lists are compared element by element, as FKO reports them. */
  readonly inPodTemplate: boolean;
  readonly sensitive: boolean;
}

function comparable(kind: ReconciledKind, spec: FlinkDeploymentSpec | FlinkSessionJobSpec): Fields {
  if (kind === "FlinkSessionJob") {
    return toKnownFields(FlinkSessionJobSpecSchema, spec as FlinkSessionJobSpec) as Fields;
  }
  const known = toKnownFields(FlinkDeploymentSpecSchema, spec as FlinkDeploymentSpec) as Fields;
  // An absent mode means native; spelling it out must not restart the job.
  return { ...known, mode: known.mode ?? "native" };
}

function classify(path: string, after: unknown, mode: KubernetesDeploymentMode): DiffType {
  const [head, ...rest] = path.split(".");
  const field = rest.join(".");
  if (head === "flinkConfiguration") {
    if (IGNORED_CONFIG_PREFIXES.some((prefix) => field.startsWith(prefix))) return "IGNORE";
    if (field === PARALLELISM_OVERRIDES_KEY) return mode === "native" ? "SCALE" : "UPGRADE";
    return "UPGRADE";
  }
  // Removing a nonce only forgets it; only a new value asks for an action.
  if (path === "restartNonce") return after === undefined ? "IGNORE" : "UPGRADE";
  if (path === "job.savepointRedeployNonce") {
    return after === undefined ? "IGNORE" : "SAVEPOINT_REDEPLOY";
  }
  if (head === "job" && IGNORED_JOB_FIELDS.has(rest[0])) return "IGNORE";
  if (path === "job.parallelism" || path === "taskManager.replicas") {
    return mode === "standalone" ? "SCALE" : "UPGRADE";
  }
  return "UPGRADE";
}

function diffConfiguration(before: unknown, after: unknown, record: RecordChange): void {
  const was = flattenFlinkConfiguration(before);
  const is = flattenFlinkConfiguration(after);
  const keys = new Set([...Object.keys(is), ...Object.keys(was)]);
  for (const key of keys) {
    if (was[key] !== is[key]) {
      record(`flinkConfiguration.${key}`, was[key], is[key], isSecretKey(key));
    }
  }
}

function walk(
  path: string,
  before: unknown,
  after: unknown,
  state: WalkState,
  record: RecordChange,
): void {
  if (sameValue(before, after)) return;
  const atPodTemplate = path === POD_TEMPLATE_FIELD || path.endsWith(`.${POD_TEMPLATE_FIELD}`);
  const inner: WalkState = {
    inPodTemplate: state.inPodTemplate || atPodTemplate,
    // An env var or similar `{name, value}` entry named like a secret hides its value.
    sensitive: state.sensitive || namedLikeSecret(before) || namedLikeSecret(after),
  };
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = new Set([...Object.keys(after), ...Object.keys(before)]);
    for (const key of keys) walk(`${path}.${key}`, before[key], after[key], inner, record);
    return;
  }
  if (inner.inPodTemplate && Array.isArray(before) && Array.isArray(after)) {
    for (let index = 0; index < Math.max(before.length, after.length); index++) {
      walk(`${path}.${index}`, before[index], after[index], inner, record);
    }
    return;
  }
  record(path, before, after, inner.sensitive);
}

function namedLikeSecret(value: unknown): boolean {
  return isPlainObject(value) && typeof value.name === "string" && isSecretKey(value.name);
}

/** Deep equality where absent, null, an empty list and an empty object all mean "not set". */
function sameValue(a: unknown, b: unknown): boolean {
  if (isUnset(a) || isUnset(b)) return isUnset(a) && isUnset(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length &&
      a.every((item, index) => sameValue(item, b[index]));
  }
  if (isPlainObject(a) || isPlainObject(b)) {
    if (!isPlainObject(a) || !isPlainObject(b)) return false;
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((key) => sameValue(a[key], b[key]));
  }
  return Object.is(a, b);
}

function isUnset(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObject(value) && Object.keys(value).length === 0;
}

function isPlainObject(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A value of a spec change as messages show it: `null` when unset, masked when `secret` (and
 * secret-looking keys inside objects masked), long values shortened.
 */
export function renderDiffValue(value: unknown, secret: boolean): string {
  if (value === undefined || value === null) return "null";
  if (secret) return REDACTED;
  const text = typeof value === "string" ? value : JSON.stringify(masked(value));
  return text.length > MAX_VALUE_TEXT ? `${text.slice(0, MAX_VALUE_TEXT - 3)}...` : text;
}

/** Copy of a whole added/removed object with secret-looking keys and named entries masked. */
function masked(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(masked);
  if (!isPlainObject(value)) return value;
  const hideValue = namedLikeSecret(value);
  return Object.fromEntries(
    Object.entries(value).map(([key, entry]) => [
      key,
      isSecretKey(key) || (hideValue && key === "value") ? REDACTED : masked(entry),
    ]),
  );
}
