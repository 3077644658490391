import assert from "node:assert/strict";
import { type KubernetesDeploymentMode, parseSpecWithMeta } from "../../lib/api/mod.ts";
import { aggregate, describeDiff, diffSpecs, type DiffType } from "../../lib/flink/spec/diff.ts";
import { reconciled, setPath, spec } from "./spec_fixtures.ts";

type SpecInput = Record<string, unknown>;

interface Row {
  readonly name: string;
  /** Edits applied to the previous (deployed) spec input. */
  readonly before?: (s: SpecInput) => void;
  /** Edits applied to the current spec input. */
  readonly after: (s: SpecInput) => void;
  readonly native: DiffType;
  readonly standalone: DiffType;
  /** Paths of the reported changes. */
  readonly paths: readonly string[];
}

const set = (path: string, value: unknown) => (s: SpecInput) => setPath(s, path, value);
const config = (entries: Record<string, unknown>) => (s: SpecInput) => {
  s.flinkConfiguration = { ...(s.flinkConfiguration as object), ...entries };
};

// One row per line of the reference's §3.5 table.
const ROWS: Row[] = [
  ...[
    ["savepointTriggerNonce", 5],
    ["checkpointTriggerNonce", 5],
    ["initialSavepointPath", "s3://b/sp-1"],
    ["upgradeMode", "savepoint"],
    ["allowNonRestoredState", true],
    ["autoscalerResetNonce", 3],
    ["flinkStateSnapshotReference", { name: "sp-1" }],
  ].map(([field, value]) => ({
    name: `job.${field} is ignored`,
    after: set(`job.${field}`, value),
    native: "IGNORE" as const,
    standalone: "IGNORE" as const,
    paths: [`job.${field}`],
  })),
  {
    name: "job.parallelism scales in standalone only",
    after: set("job.parallelism", 4),
    native: "UPGRADE",
    standalone: "SCALE",
    paths: ["job.parallelism"],
  },
  {
    name: "job.savepointRedeployNonce set",
    after: set("job.savepointRedeployNonce", 1),
    native: "SAVEPOINT_REDEPLOY",
    standalone: "SAVEPOINT_REDEPLOY",
    paths: ["job.savepointRedeployNonce"],
  },
  {
    name: "job.savepointRedeployNonce changed",
    before: set("job.savepointRedeployNonce", 1),
    after: set("job.savepointRedeployNonce", 2),
    native: "SAVEPOINT_REDEPLOY",
    standalone: "SAVEPOINT_REDEPLOY",
    paths: ["job.savepointRedeployNonce"],
  },
  {
    name: "job.savepointRedeployNonce set to null is ignored",
    before: set("job.savepointRedeployNonce", 1),
    after: set("job.savepointRedeployNonce", undefined),
    native: "IGNORE",
    standalone: "IGNORE",
    paths: ["job.savepointRedeployNonce"],
  },
  {
    name: "restartNonce set",
    after: set("restartNonce", 1),
    native: "UPGRADE",
    standalone: "UPGRADE",
    paths: ["restartNonce"],
  },
  {
    name: "restartNonce changed",
    before: set("restartNonce", 1),
    after: set("restartNonce", 2),
    native: "UPGRADE",
    standalone: "UPGRADE",
    paths: ["restartNonce"],
  },
  {
    name: "restartNonce set to null is ignored",
    before: set("restartNonce", 1),
    after: set("restartNonce", undefined),
    native: "IGNORE",
    standalone: "IGNORE",
    paths: ["restartNonce"],
  },
  {
    name: "taskManager.replicas scales in standalone only",
    after: set("taskManager.replicas", 3),
    native: "UPGRADE",
    standalone: "SCALE",
    paths: ["taskManager.replicas"],
  },
  ...[
    "kubernetes.operator.periodic.savepoint.interval",
    "kubernetes.operator.job.restart.failed",
    "job.autoscaler.enabled",
    "parallelism.default",
  ].map((key) => ({
    name: `flinkConfiguration ${key} is ignored`,
    after: config({ [key]: "7" }),
    native: "IGNORE" as const,
    standalone: "IGNORE" as const,
    paths: [`flinkConfiguration.${key}`],
  })),
  {
    name: "flinkConfiguration parallelism overrides scale in native only",
    after: config({ "pipeline.jobvertex-parallelism-overrides": "a:1,b:2" }),
    native: "SCALE",
    standalone: "UPGRADE",
    paths: ["flinkConfiguration.pipeline.jobvertex-parallelism-overrides"],
  },
  {
    name: "flinkConfiguration other key added",
    after: config({ "state.backend.type": "rocksdb" }),
    native: "UPGRADE",
    standalone: "UPGRADE",
    paths: ["flinkConfiguration.state.backend.type"],
  },
  {
    name: "flinkConfiguration other key removed",
    before: config({ "state.backend.type": "rocksdb" }),
    after: () => {},
    native: "UPGRADE",
    standalone: "UPGRADE",
    paths: ["flinkConfiguration.state.backend.type"],
  },
  {
    name: "flinkConfiguration compared flattened: nested equals flat",
    before: config({ "state.backend.type": "rocksdb" }),
    after: config({ state: { backend: { type: "rocksdb" } } }),
    native: "IGNORE",
    standalone: "IGNORE",
    paths: [],
  },
  {
    name: "flinkConfiguration number equals its string form",
    after: config({ "taskmanager.numberOfTaskSlots": 2 }),
    native: "IGNORE",
    standalone: "IGNORE",
    paths: [],
  },
  ...[
    ["image", "flink:2.0"],
    ["imagePullPolicy", "Always"],
    ["serviceAccount", "other"],
    ["flinkVersion", "v2_0"],
    ["mode", "standalone"],
    ["job.jarURI", "local:///other.jar"],
    ["job.entryClass", "com.example.Main"],
    ["job.state", "suspended"],
    ["jobManager.resource.memory", "4096m"],
    ["jobManager.replicas", 2],
    ["taskManager.resource.cpu", 2],
  ].map(([path, value]) => ({
    name: `${path} upgrades`,
    after: set(String(path), value),
    native: "UPGRADE" as const,
    standalone: "UPGRADE" as const,
    paths: [String(path)],
  })),
  {
    name: "ingress added: one change for the whole object",
    after: set("ingress", { template: "{{name}}.example.com" }),
    native: "UPGRADE",
    standalone: "UPGRADE",
    paths: ["ingress"],
  },
  {
    name: "ingress changed: one change per field",
    before: set("ingress", { template: "{{name}}.example.com" }),
    after: set("ingress", { template: "{{name}}.example.org", className: "nginx" }),
    native: "UPGRADE",
    standalone: "UPGRADE",
    paths: ["ingress.template", "ingress.className"],
  },
  {
    name: "logConfiguration file changed",
    before: (s) => s.logConfiguration = { "log4j-console.properties": "rootLogger.level = INFO" },
    after: (s) => s.logConfiguration = { "log4j-console.properties": "rootLogger.level = DEBUG" },
    native: "UPGRADE",
    standalone: "UPGRADE",
    paths: ["logConfiguration.log4j-console.properties"],
  },
  {
    name: "job.args upgrade",
    after: set("job.args", ["--input", "x"]),
    native: "UPGRADE",
    standalone: "UPGRADE",
    paths: ["job.args"],
  },
  {
    name: "podTemplate upgrades, reported per element",
    before: set("podTemplate", { spec: { containers: [{ name: "flink-main-container" }] } }),
    after: set("podTemplate", {
      spec: { containers: [{ name: "flink-main-container", image: "x" }, { name: "sidecar" }] },
    }),
    native: "UPGRADE",
    standalone: "UPGRADE",
    paths: ["podTemplate.spec.containers.0.image", "podTemplate.spec.containers.1"],
  },
  {
    name: "jobManager.podTemplate added",
    after: set("jobManager.podTemplate", { metadata: { labels: { a: "b" } } }),
    native: "UPGRADE",
    standalone: "UPGRADE",
    paths: ["jobManager.podTemplate"],
  },
  {
    name: "job removed",
    after: set("job", undefined),
    native: "UPGRADE",
    standalone: "UPGRADE",
    paths: ["job"],
  },
  {
    name: "aggregate: SCALE and IGNORE give SCALE",
    after: (s) => {
      config({ "pipeline.jobvertex-parallelism-overrides": "a:1" })(s);
      setPath(s, "job.upgradeMode", "savepoint");
    },
    native: "SCALE",
    standalone: "UPGRADE",
    paths: ["job.upgradeMode", "flinkConfiguration.pipeline.jobvertex-parallelism-overrides"],
  },
  {
    name: "aggregate: SCALE and UPGRADE give UPGRADE",
    after: (s) => {
      setPath(s, "job.parallelism", 8);
      setPath(s, "image", "flink:2.0");
    },
    native: "UPGRADE",
    standalone: "UPGRADE",
    paths: ["job.parallelism", "image"],
  },
  {
    name: "aggregate: SAVEPOINT_REDEPLOY wins over UPGRADE",
    after: (s) => {
      setPath(s, "job.savepointRedeployNonce", 1);
      setPath(s, "image", "flink:2.0");
    },
    native: "SAVEPOINT_REDEPLOY",
    standalone: "SAVEPOINT_REDEPLOY",
    paths: ["job.savepointRedeployNonce", "image"],
  },
  {
    name: "unknown fields are not compared",
    after: (s) => {
      s.futureField = "x";
      setPath(s, "job.futureJobField", 1);
    },
    native: "IGNORE",
    standalone: "IGNORE",
    paths: [],
  },
  {
    name: "absent mode equals native",
    after: set("mode", "native"),
    native: "IGNORE",
    standalone: "IGNORE",
    paths: [],
  },
  {
    name: "absent resources limits equal empty ones",
    before: set("taskManager.resources", { requests: { cpu: "1" } }),
    after: set("taskManager.resources", { requests: { cpu: "1" }, limits: {} }),
    native: "IGNORE",
    standalone: "IGNORE",
    paths: [],
  },
];

for (const row of ROWS) {
  for (const mode of ["native", "standalone"] as KubernetesDeploymentMode[]) {
    Deno.test(`diffSpecs (${mode}): ${row.name}`, () => {
      const diff = diffSpecs("FlinkDeployment", spec(row.before), spec(row.after), { mode });
      assert.equal(diff.type, row[mode], JSON.stringify(diff.changes));
      assert.deepEqual(diff.changes.map((change) => change.path), row.paths);
    });
  }
}

Deno.test("diffSpecs: the same spec gives IGNORE without changes", () => {
  const diff = diffSpecs("FlinkDeployment", spec(), spec(), { mode: "native" });
  assert.deepEqual(diff, { kind: "FlinkDeployment", type: "IGNORE", changes: [] });
});

Deno.test("diffSpecs: a spec read back from lastReconciledSpec equals the original", () => {
  const original = spec((s) => {
    s.podTemplate = { spec: { containers: [{ name: "flink-main-container", env: [] }] } };
    s.jobManager = { resources: { requests: { cpu: "500m", memory: "1Gi" } }, replicas: 1 };
    s.job = { ...(s.job as object), args: ["a"], upgradeMode: "stateless" };
  });
  const readBack = parseSpecWithMeta("FlinkDeployment", reconciled(original)).spec;
  assert.deepEqual(
    diffSpecs("FlinkDeployment", readBack, original, { mode: "native" }).changes,
    [],
  );
});

Deno.test("diffSpecs: change records before and after values", () => {
  const diff = diffSpecs("FlinkDeployment", spec(), spec(set("job.parallelism", 4)), {
    mode: "native",
  });
  assert.deepEqual(diff.changes, [{
    path: "job.parallelism",
    type: "UPGRADE",
    before: 2,
    after: 4,
    sensitive: false,
  }]);
});

Deno.test("describeDiff: FKO's SpecChanged message", () => {
  const diff = diffSpecs(
    "FlinkDeployment",
    spec(),
    spec((s) => {
      setPath(s, "job.parallelism", 4);
      setPath(s, "job.upgradeMode", "savepoint");
    }),
    { mode: "standalone" },
  );
  assert.equal(
    describeDiff(diff),
    "SCALE change(s) detected (Diff: FlinkDeploymentSpec[job.parallelism : 2 -> 4, " +
      "job.upgradeMode : stateless -> savepoint]), starting reconciliation.",
  );
});

Deno.test("describeDiff: absent values are null, objects are JSON", () => {
  const diff = diffSpecs(
    "FlinkDeployment",
    spec(),
    spec(set("jobManager.podTemplate", { metadata: { labels: { a: "b" } } })),
    { mode: "native" },
  );
  assert.equal(
    describeDiff(diff),
    "UPGRADE change(s) detected (Diff: FlinkDeploymentSpec[jobManager.podTemplate : null -> " +
      '{"metadata":{"labels":{"a":"b"}}}]), starting reconciliation.',
  );
});

Deno.test("describeDiff: secret values are masked", () => {
  const diff = diffSpecs(
    "FlinkDeployment",
    spec(config({ "s3.secret-key": "old-secret" })),
    spec((s) => {
      config({ "s3.secret-key": "new-secret", "s3.endpoint": "http://minio:9000" })(s);
      s.podTemplate = {
        spec: {
          containers: [{
            name: "flink-main-container",
            env: [{ name: "DB_PASSWORD", value: "hunter2" }, { name: "MODE", value: "prod" }],
          }],
        },
      };
    }),
    { mode: "native" },
  );
  const message = describeDiff(diff);
  assert.ok(!message.includes("old-secret") && !message.includes("new-secret"), message);
  assert.ok(!message.includes("hunter2"), message);
  assert.ok(message.includes("flinkConfiguration.s3.secret-key : ****** -> ******"), message);
  assert.ok(message.includes("http://minio:9000"), message);
  assert.ok(message.includes("prod"), message);
});

Deno.test("describeDiff: long values are shortened", () => {
  const diff = diffSpecs("FlinkDeployment", spec(), spec(set("job.entryClass", "x".repeat(1000))), {
    mode: "native",
  });
  const message = describeDiff(diff);
  assert.ok(message.length < 400, message);
  assert.ok(message.includes("..."));
});

Deno.test("aggregate: maximum in IGNORE < SCALE < UPGRADE < SAVEPOINT_REDEPLOY", () => {
  assert.equal(aggregate([]), "IGNORE");
  assert.equal(aggregate(["SCALE", "IGNORE"]), "SCALE");
  assert.equal(aggregate(["UPGRADE", "SCALE"]), "UPGRADE");
  assert.equal(aggregate(["SAVEPOINT_REDEPLOY", "UPGRADE", "IGNORE"]), "SAVEPOINT_REDEPLOY");
});

Deno.test("diffSpecs: session job specs compare their own fields and name their kind", () => {
  const before = { deploymentName: "session", flinkConfiguration: {}, job: { parallelism: 2 } };
  const after = { deploymentName: "session", flinkConfiguration: {}, job: { parallelism: 4 } };
  const diff = diffSpecs(
    "FlinkSessionJob",
    before as never,
    after as never,
    { mode: "native" },
  );
  assert.equal(diff.type, "UPGRADE");
  assert.deepEqual(diff.changes.map((c) => c.path), ["job.parallelism"]);
  assert.match(describeDiff(diff), /^UPGRADE change\(s\) detected \(Diff: FlinkSessionJobSpec\[/);
});
