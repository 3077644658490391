/**
 * Mutations of the seed resources: wrong types, missing and conflicting fields, out-of-range
 * numbers, huge and unicode values, bad Flink options, and secret-looking keys (password, secret,
 * token, key) carrying marker values that must never show up in logs, events or status.
 */
import type { Rng } from "./rng.ts";
import type { Doc, FuzzKind, Seed, SeedContext } from "./seeds.ts";

export interface Mutation {
  readonly op: string;
  readonly path: string;
}

export interface FuzzCase {
  readonly index: number;
  readonly kind: FuzzKind;
  readonly name: string;
  readonly seed: string;
  readonly doc: Doc;
  readonly mutations: readonly Mutation[];
  /** Values placed under secret-looking keys. */
  readonly markers: readonly string[];
  /** Created with strict field validation (kubectl's default) rather than pruning. */
  readonly strict: boolean;
}

type Path = (string | number)[];
type Container = Record<string, unknown> | unknown[];

/** A resource made from a seed with one to three mutations. */
export function generateCase(
  rng: Rng,
  seeds: readonly Seed[],
  ctx: SeedContext,
  index: number,
): FuzzCase {
  const kind = pickKind(rng, seeds);
  const seed = rng.pick(seeds.filter((s) => s.kind === kind));
  const name = `fz${index}-${rng.hex(4)}`;
  const doc = seed.build(ctx, name);
  const mutations: Mutation[] = [];
  const markers: string[] = [];
  const count = rng.int(1, 3);
  for (let i = 0; i < count; i++) {
    const op = rng.pick(OPERATIONS);
    let applied: Mutation | undefined;
    try {
      applied = op(rng, doc, { ctx, markers, name });
    } catch {
      // An earlier mutation left no object where this one writes (e.g. annotations a string).
      applied = undefined;
    }
    if (applied) mutations.push(applied);
  }
  return {
    index,
    kind,
    name: doc.metadata.name ?? name,
    seed: seed.name,
    doc,
    mutations,
    markers,
    strict: rng.chance(0.8),
  };
}

function pickKind(rng: Rng, seeds: readonly Seed[]): FuzzKind {
  const roll = rng.next();
  const kind: FuzzKind = roll < 0.55
    ? "FlinkDeployment"
    : roll < 0.8
    ? "FlinkSessionJob"
    : "FlinkStateSnapshot";
  return seeds.some((s) => s.kind === kind) ? kind : seeds[0].kind;
}

interface MutationContext {
  readonly ctx: SeedContext;
  readonly markers: string[];
  readonly name: string;
}

type Operation = (rng: Rng, doc: Doc, m: MutationContext) => Mutation | undefined;

// --- generic mutations at a random place of the spec -------------------------------------------

const UNICODE_VALUES = [
  "ﬂïñк-作业-😀",
  "\u202Eevil\u202C",
  "zero\u200Bwidth",
  "nul\u0000byte",
  "𝔣𝔩𝔦𝔫𝔨",
  "e\u0301",
  "\uFFFF\uFFFE",
  "\uD800",
  "line\nbreak\ttab",
  "'\"`${x}`\\",
  "../../etc/passwd",
  "%00%2e%2e",
];

const WRONG_TYPED = [42, -1, 3.75, true, false, "text", [], {}, [1, "a", null], { a: { b: 1 } }];

const OUT_OF_RANGE = [
  -1,
  0,
  -2147483649,
  2147483648,
  9007199254740993,
  1e308,
  -1e308,
  0.5,
  -0.000001,
  99999999999999999999,
];

function hugeValue(rng: Rng): unknown {
  switch (rng.int(0, 3)) {
    case 0:
      return "x".repeat(rng.int(10_000, 400_000));
    case 1:
      return Array.from({ length: rng.int(1_000, 5_000) }, (_, i) => `item-${i}`);
    case 2: {
      let nested: Record<string, unknown> = { leaf: "deep" };
      for (let i = 0; i < rng.int(20, 60); i++) nested = { [`level${i}`]: nested };
      return nested;
    }
    default:
      return Object.fromEntries(
        Array.from({ length: rng.int(500, 2_000) }, (_, i) => [`key-${i}`, `value-${i}`]),
      );
  }
}

/** Every node below `spec` (and the metadata fields users write), as paths. */
function paths(doc: Doc): Path[] {
  const out: Path[] = [["metadata", "name"], ["metadata", "labels"], ["metadata", "annotations"]];
  const walk = (value: unknown, path: Path, depth: number) => {
    out.push(path);
    if (depth > 8 || typeof value !== "object" || value === null) return;
    const entries = Array.isArray(value)
      ? value.map((v, i) => [i, v] as const)
      : Object.entries(value as Record<string, unknown>);
    for (const [key, child] of entries.slice(0, 50)) walk(child, [...path, key], depth + 1);
  };
  walk(doc.spec, ["spec"], 0);
  return out;
}

function parentOf(doc: Doc, path: Path, create = true): Container | undefined {
  let node: unknown = doc;
  for (const key of path.slice(0, -1)) {
    const container = node as Record<string | number, unknown>;
    if (typeof container[key] !== "object" || container[key] === null) {
      if (!create) return undefined;
      container[key] = {};
    }
    node = container[key];
  }
  return node as Container;
}

function setAt(doc: Doc, path: Path, value: unknown): void {
  const parent = parentOf(doc, path)!;
  (parent as Record<string | number, unknown>)[path[path.length - 1]] = value;
}

function getAt(doc: Doc, path: Path): unknown {
  let node: unknown = doc;
  for (const key of path) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

function removeAt(doc: Doc, path: Path): void {
  const parent = parentOf(doc, path, false);
  if (!parent) return;
  const key = path[path.length - 1];
  if (Array.isArray(parent) && typeof key === "number") parent.splice(key, 1);
  else delete (parent as Record<string | number, unknown>)[key];
}

const show = (path: Path) => path.join(".");

function generic(
  op: string,
  value: (rng: Rng, current: unknown) => unknown,
): Operation {
  return (rng, doc) => {
    const path = rng.pick(paths(doc));
    if (path.length === 1) return undefined; // never replace spec itself here
    setAt(doc, path, value(rng, getAt(doc, path)));
    return { op, path: show(path) };
  };
}

const wrongType = generic("wrong-type", (rng, current) => {
  const candidates = WRONG_TYPED.filter((v) => typeof v !== typeof current);
  return structuredClone(rng.pick(candidates));
});
const outOfRange = generic("out-of-range", (rng) => rng.pick(OUT_OF_RANGE));
const huge = generic("huge", (rng) => hugeValue(rng));
const unicode = generic("unicode", (rng) => rng.pick(UNICODE_VALUES));
const empty = generic("empty", (rng) => structuredClone(rng.pick(["", " ", [], {}, null])));

const remove: Operation = (rng, doc) => {
  const path = rng.pick(paths(doc));
  if (path.length === 1 || show(path) === "metadata.name") return undefined;
  removeAt(doc, path);
  return { op: "missing", path: show(path) };
};

// --- Flink options -----------------------------------------------------------------------------

/** Options with values Flink or the operator refuses, or that make it take unusual paths. */
const BAD_OPTIONS: readonly (readonly [string, readonly unknown[]])[] = [
  ["kubernetes.cluster-id", ["other-cluster"]],
  ["kubernetes.namespace", ["elsewhere"]],
  ["taskmanager.numberOfTaskSlots", ["0", "-1", "abc", "1e9", 0, 2.5]],
  ["taskmanager.memory.process.size", ["0", "1k", "lots", "2Gi", "99999999t", "-1g"]],
  ["jobmanager.memory.process.size", ["100m", "0", "1 potato"]],
  ["taskmanager.memory.flink.size", ["512m"]],
  ["parallelism.default", ["x", "-4"]],
  ["rest.port", ["abc", "-1", "70000", "8081.5"]],
  ["high-availability.type", ["kubernetes", "zookeeper", "NONE", "bogus"]],
  ["high-availability.storageDir", ["", "s3://nowhere/ha"]],
  ["kubernetes.operator.reconcile.interval", ["banana", "-1 s", "0"]],
  ["kubernetes.operator.savepoint.history.max.count", ["-3", "many"]],
  ["kubernetes.operator.periodic.savepoint.interval", ["* * bogus", "1 ms", "-2 h"]],
  ["pipeline.jobvertex-parallelism-overrides", ["::,", "abc:def", "x"]],
  ["execution.checkpointing.interval", ["-1 s", "soon"]],
  ["state.savepoints.dir", ["", "relative/dir"]],
  ["taskmanager.cpu.cores", ["0", "-2"]],
  ["kubernetes.operator.job.upgrade.last-state.max.allowed.checkpoint.age", ["-5 min"]],
  ["kubernetes.operator.deployment.rollback.enabled", ["true", "perhaps"]],
  ["jobmanager.scheduler", ["adaptive", "quantum"]],
  ["kubernetes.operator.cluster.health-check.enabled", ["yes", "true"]],
  ["$internal.pipeline.job-id", ["not-hex", "0".repeat(32)]],
  ["kubernetes.rest-service.exposed.type", ["Bogus", "NodePort"]],
  ["kubernetes.operator.exception.label.mapper", ["(:x", "a:b"]],
  ["kubernetes.container.image.pull-policy", ["Sometimes"]],
  ["execution.savepoint.path", ["/nope", "file:///nope/savepoint"]],
  ["kubernetes.operator.job.restart.failed", ["true"]],
  ["kubernetes.operator.jm-deployment-recovery.enabled", ["false", "x"]],
  ["kubernetes.jobmanager.replicas", ["3"]],
  ["security.ssl.rest.enabled", ["true", "maybe"]],
  ["kubernetes.operator.snapshot.resource.enabled", ["false", "x"]],
  ["env.java.opts.all", ["-Xmx1g ${FOO} $(rm -rf /)"]],
];

function flinkConfiguration(doc: Doc): Record<string, unknown> {
  const current = doc.spec.flinkConfiguration;
  if (typeof current === "object" && current !== null && !Array.isArray(current)) {
    return current as Record<string, unknown>;
  }
  const fresh: Record<string, unknown> = {};
  doc.spec.flinkConfiguration = fresh;
  return fresh;
}

const badOption: Operation = (rng, doc) => {
  if (doc.kind === "FlinkStateSnapshot") return undefined;
  const [key, values] = rng.pick(BAD_OPTIONS);
  const value = rng.pick(values);
  const conf = flinkConfiguration(doc);
  if (rng.chance(0.2) && key.includes(".")) {
    // The same option written as nested YAML, as FKO allows.
    const [head, ...rest] = key.split(".");
    conf[head] = { [rest.join(".")]: value };
  } else {
    conf[key] = value;
  }
  return { op: "bad-option", path: `spec.flinkConfiguration.${key}` };
};

/** Keys that look secret (password, secret, token, key), as users write them. */
const SECRET_KEYS = [
  "s3.secret-key",
  "s3.access-key",
  "fs.s3a.secret.key",
  "fs.azure.account.key.acct.blob.core.windows.net",
  "security.ssl.rest.keystore-password",
  "security.ssl.rest.truststore-password",
  "security.ssl.rest.key-password",
  "password",
  "my.api.token",
  "metrics.reporter.dghttp.apikey",
  "kubernetes.secrets",
  "kubernetes.container.image.pull-secrets",
  "SECRET",
  "Token",
];

const secretKey: Operation = (rng, doc, m) => {
  const marker = `fzsecret${rng.hex(16)}`;
  m.markers.push(marker);
  const key = rng.pick(SECRET_KEYS);
  const where = rng.int(0, 9);
  if (doc.kind !== "FlinkStateSnapshot" && where < 7) {
    const conf = flinkConfiguration(doc);
    if (where < 5 || !key.includes(".")) conf[key] = marker;
    else {
      const [head, ...rest] = key.split(".");
      conf[head] = { [rest.join(".")]: marker };
    }
    // Sometimes together with something the operator refuses, so the marker sits next to an
    // error message.
    if (rng.chance(0.5)) conf["taskmanager.numberOfTaskSlots"] = "-1";
    return { op: "secret-key", path: `spec.flinkConfiguration.${key}` };
  }
  if (where < 9) {
    const annotations = (doc.metadata.annotations ??= {});
    annotations[`example.com/${key.replace(/[^A-Za-z0-9.-]/g, "-")}`] = marker;
    return { op: "secret-key", path: `metadata.annotations.${key}` };
  }
  // A secret-looking key at a place of the spec the schema does not know (pruned, or refused
  // by strict field validation).
  doc.spec[key.replace(/\./g, "_")] = marker;
  return { op: "secret-key", path: `spec.${key}` };
};

// --- conflicting and semantically wrong combinations, per kind ---------------------------------

type Edit = (doc: Doc, m: MutationContext, rng: Rng) => void;

const job = (doc: Doc): Record<string, unknown> => {
  if (typeof doc.spec.job !== "object" || doc.spec.job === null) doc.spec.job = {};
  return doc.spec.job as Record<string, unknown>;
};

const DEPLOYMENT_EDITS: Record<string, Edit> = {
  "last-state without HA": (d) => {
    job(d).upgradeMode = "last-state";
  },
  "suspended from the start": (d) => {
    job(d).state = "suspended";
  },
  "two JobManagers without HA": (d) => {
    (d.spec.jobManager as Record<string, unknown> ?? (d.spec.jobManager = {})).replicas = 2;
  },
  "standalone": (d) => {
    d.spec.mode = "standalone";
  },
  "no jarURI": (d) => {
    delete job(d).jarURI;
  },
  "jarURI without scheme": (d) => {
    job(d).jarURI = "/opt/flink/examples/streaming/StateMachineExample.jar";
  },
  "remote jarURI": (d, _m, rng) => {
    job(d).jarURI = rng.pick(["s3://bucket/job.jar", "http://10.0.0.1/x.jar", "ftp://x/y.jar"]);
  },
  "missing initial savepoint": (d) => {
    job(d).initialSavepointPath = "file:///nope/savepoint-000000-000000000000";
    job(d).upgradeMode = "savepoint";
  },
  "snapshot reference to nothing": (d) => {
    job(d).flinkStateSnapshotReference = { name: "no-such-snapshot" };
  },
  "snapshot reference and initial savepoint": (d) => {
    job(d).flinkStateSnapshotReference = { name: "x" };
    job(d).initialSavepointPath = "file:///x";
  },
  "redeploy nonce without path": (d) => {
    job(d).savepointRedeployNonce = 1;
    job(d).initialSavepointPath = "";
  },
  "version mismatch": (d, _m, rng) => {
    d.spec.flinkVersion = rng.pick(["v1_15", "v1_13", "v2_0", "v9_9", "1.20"]);
  },
  "image not Flink": (d, _m, rng) => {
    d.spec.image = rng.pick(["busybox:1.35.0", "", "registry.invalid/x/y:z", "FLINK:LATEST"]);
  },
  "service account missing": (d, _m, rng) => {
    d.spec.serviceAccount = rng.pick(["no-such-sa", "", "   "]);
  },
  "ingress template blank": (d, _m, rng) => {
    d.spec.ingress = { template: rng.pick(["", "{{name}}..%%", "http://[::1"]) };
  },
  "log configuration file unknown": (d) => {
    d.spec.logConfiguration = { "log4j.properties": "x=y" };
  },
  "no TaskManagers": (d) => {
    (d.spec.taskManager as Record<string, unknown> ?? (d.spec.taskManager = {})).replicas = 0;
  },
  "parallelism zero": (d) => {
    job(d).parallelism = 0;
  },
  "limit below request": (d) => {
    d.spec.taskManager = {
      resources: { requests: { memory: "4Gi", cpu: "2" }, limits: { memory: "1Gi", cpu: "1" } },
    };
  },
  "memory zero": (d, _m, rng) => {
    d.spec.jobManager = { resource: { memory: rng.pick(["0", "1m", "lots", "-1Gi"]), cpu: 1 } };
  },
  "main container renamed with an image": (d) => {
    d.spec.podTemplate = {
      spec: { containers: [{ name: "flink-main-container", image: "busybox:1.35.0" }] },
    };
  },
  "pod template of another kind": (d) => {
    d.spec.podTemplate = { apiVersion: "apps/v1", kind: "Deployment", spec: { replicas: 3 } };
  },
  "huge restart nonce": (d) => {
    d.spec.restartNonce = 9007199254740993;
  },
  "many arguments": (d) => {
    job(d).args = Array.from({ length: 2_000 }, (_, i) => `--arg${i}=${"v".repeat(20)}`);
  },
  "flinkConfiguration not a map": (d, _m, rng) => {
    d.spec.flinkConfiguration = rng.pick(["taskmanager.numberOfTaskSlots: 2", [1, 2], 7]);
  },
  "many options": (d) => {
    const conf = flinkConfiguration(d);
    for (let i = 0; i < 1_500; i++) conf[`fuzz.option.${i}`] = `value-${i}`;
  },
};

const SESSION_JOB_EDITS: Record<string, Edit> = {
  "session cluster missing": (d) => {
    d.spec.deploymentName = "no-such-session";
  },
  "session cluster is an application": (d, m) => {
    d.spec.deploymentName = m.ctx.application;
  },
  "jar scheme not allowed": (d, _m, rng) => {
    job(d).jarURI = rng.pick(["s3://bucket/job.jar", "ftp://host/job.jar", "hdfs:///job.jar"]);
  },
  "jar missing": (d) => {
    job(d).jarURI = "file:///nope/missing.jar";
  },
  "jar URI malformed": (d, _m, rng) => {
    job(d).jarURI = rng.pick(["https://[::1", "no-scheme.jar", "file://", "http://"]);
  },
  "last-state": (d) => {
    job(d).upgradeMode = "last-state";
  },
  "suspended from the start": (d) => {
    job(d).state = "suspended";
  },
  "no job": (d) => {
    delete d.spec.job;
  },
  "missing restore path": (d) => {
    job(d).initialSavepointPath = "file:///nope/savepoint-1";
  },
  "huge parallelism": (d) => {
    job(d).parallelism = 100_000;
  },
};

const SNAPSHOT_EDITS: Record<string, Edit> = {
  "savepoint and checkpoint": (d) => {
    d.spec.savepoint = {};
    d.spec.checkpoint = {};
  },
  "neither savepoint nor checkpoint": (d) => {
    delete d.spec.savepoint;
    delete d.spec.checkpoint;
  },
  "job missing": (d) => {
    d.spec.jobReference = { kind: "FlinkDeployment", name: "no-such-job" };
  },
  "wrong job kind": (d, m) => {
    d.spec.jobReference = { kind: "FlinkSessionJob", name: m.ctx.application };
  },
  "session cluster as job": (d, m) => {
    d.spec.jobReference = { kind: "FlinkDeployment", name: m.ctx.sessionCluster };
  },
  "already exists without path": (d) => {
    d.spec.savepoint = { alreadyExists: true };
    delete d.spec.checkpoint;
  },
  "already exists, path missing": (d) => {
    d.spec.savepoint = { alreadyExists: true, path: "file:///nope/savepoint-x" };
    delete d.spec.checkpoint;
  },
  "backoff limit": (d, _m, rng) => {
    d.spec.backoffLimit = rng.pick([-5, 2147483648, 3]);
  },
  "format type": (d, _m, rng) => {
    d.spec.savepoint = { formatType: rng.pick(["BOGUS", "NATIVE", ""]) };
    delete d.spec.checkpoint;
  },
  "no job reference": (d) => {
    delete d.spec.jobReference;
  },
};

const semantic: Operation = (rng, doc, m) => {
  const edits = doc.kind === "FlinkDeployment"
    ? DEPLOYMENT_EDITS
    : doc.kind === "FlinkSessionJob"
    ? SESSION_JOB_EDITS
    : SNAPSHOT_EDITS;
  const name = rng.pick(Object.keys(edits));
  edits[name](doc, m, rng);
  return { op: "conflict", path: name };
};

const badName: Operation = (rng, doc, m) => {
  doc.metadata.name = rng.pick([
    `${m.name}-${"n".repeat(50)}`,
    `${m.name.toUpperCase()}`,
    `${m.name}.dotted`,
    `${m.name}_underscore`,
    `9${m.name}`,
    `${m.name}-`,
  ]);
  return { op: "bad-name", path: "metadata.name" };
};

/** The operations, weighted by repetition. */
const OPERATIONS: readonly Operation[] = [
  wrongType,
  wrongType,
  remove,
  remove,
  outOfRange,
  huge,
  unicode,
  unicode,
  empty,
  badOption,
  badOption,
  badOption,
  secretKey,
  secretKey,
  secretKey,
  semantic,
  semantic,
  semantic,
  semantic,
  badName,
];
