import assert from "node:assert/strict";
import YAML from "yaml";
import {
  allCrds,
  crdFileName,
  type CustomResourceDefinition,
  type JsonSchemaProps,
  renderCrdYaml,
  toStructuralSchema,
} from "../../lib/api/mod.ts";
import { safeParseFlinkDeployment } from "../../lib/api/parse.ts";
import { z } from "zod";

const CRD_DIR = new URL("../../crds/", import.meta.url);

function crdByKind(kind: string): CustomResourceDefinition {
  const crd = allCrds().find((c) => c.spec.names.kind === kind);
  assert.ok(crd, `no CRD for ${kind}`);
  return crd;
}

function rootSchema(kind: string): JsonSchemaProps {
  return crdByKind(kind).spec.versions[0].schema.openAPIV3Schema;
}

/** Follows `properties` along a dotted path, e.g. `spec.job.restartNonce`. */
function nodeAt(kind: string, path: string): JsonSchemaProps {
  let node = rootSchema(kind);
  for (const key of path.split(".")) {
    const next = node.properties?.[key];
    assert.ok(next, `${kind}: no schema node at ${path}`);
    node = next;
  }
  return node;
}

Deno.test("crds/ is what the generator produces", async () => {
  for (const crd of allCrds()) {
    const file = new URL(crdFileName(crd), CRD_DIR);
    let onDisk: string | undefined;
    try {
      onDisk = await Deno.readTextFile(file);
    } catch {
      onDisk = undefined;
    }
    assert.ok(
      onDisk === renderCrdYaml(crd),
      `crds/${crdFileName(crd)} is stale or missing: run \`deno task crds\``,
    );
  }
});

Deno.test("generated CRD files are already deno-fmt formatted", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--check", "crds/"],
    cwd: new URL("../../", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(
    output.success,
    `deno fmt would change crds/; adjust renderCrdYaml:\n${
      new TextDecoder().decode(output.stderr)
    }`,
  );
});

Deno.test("rendering is deterministic and parses back to the same object", () => {
  for (const crd of allCrds()) {
    const yaml = renderCrdYaml(crd);
    assert.equal(
      renderCrdYaml(allCrds().find((c) => c.metadata.name === crd.metadata.name)!),
      yaml,
    );
    assert.deepEqual(YAML.parse(yaml), JSON.parse(JSON.stringify(crd)));
  }
});

Deno.test("file names are FKO's Helm chart names", () => {
  assert.deepEqual(allCrds().map(crdFileName), [
    "flinkdeployments.flink.apache.org-v1.yml",
    "flinksessionjobs.flink.apache.org-v1.yml",
    "flinkstatesnapshots.flink.apache.org-v1.yml",
  ]);
});

Deno.test("names, scope, versions and subresources", () => {
  const expected = [
    ["FlinkDeployment", "flinkdeployments", "flinkdeployment", "flinkdep"],
    ["FlinkSessionJob", "flinksessionjobs", "flinksessionjob", "sessionjob"],
    ["FlinkStateSnapshot", "flinkstatesnapshots", "flinkstatesnapshot", "flinksnp"],
  ];
  for (const [kind, plural, singular, shortName] of expected) {
    const crd = crdByKind(kind);
    assert.equal(crd.apiVersion, "apiextensions.k8s.io/v1");
    assert.equal(crd.metadata.name, `${plural}.flink.apache.org`);
    assert.equal(crd.spec.group, "flink.apache.org");
    assert.equal(crd.spec.scope, "Namespaced");
    assert.deepEqual(crd.spec.names, {
      kind,
      listKind: `${kind}List`,
      plural,
      singular,
      shortNames: [shortName],
    });
    assert.equal(crd.spec.versions.length, 1);
    const [version] = crd.spec.versions;
    assert.equal(version.name, "v1beta1");
    assert.equal(version.served, true);
    assert.equal(version.storage, true);
    assert.deepEqual(version.subresources.status, {});
  }
  assert.deepEqual(crdByKind("FlinkDeployment").spec.versions[0].subresources.scale, {
    specReplicasPath: ".spec.taskManager.replicas",
    statusReplicasPath: ".status.taskManager.replicas",
    labelSelectorPath: ".status.taskManager.labelSelector",
  });
  assert.equal(crdByKind("FlinkSessionJob").spec.versions[0].subresources.scale, undefined);
  assert.equal(crdByKind("FlinkStateSnapshot").spec.versions[0].subresources.scale, undefined);
});

Deno.test("printer columns match FKO", () => {
  const columns = (kind: string) =>
    crdByKind(kind).spec.versions[0].additionalPrinterColumns!.map((c) => [
      c.name,
      c.jsonPath,
      c.type,
    ]);
  const jobColumns = [
    ["Job Status", ".status.jobStatus.state", "string"],
    ["Lifecycle State", ".status.lifecycleState", "string"],
  ];
  assert.deepEqual(columns("FlinkDeployment"), jobColumns);
  assert.deepEqual(columns("FlinkSessionJob"), jobColumns);
  assert.deepEqual(columns("FlinkStateSnapshot"), [
    ["Path", ".status.path", "string"],
    ["Result Timestamp", ".status.resultTimestamp", "string"],
    ["Snapshot State", ".status.state", "string"],
  ]);
});

/** Kubernetes' structural-schema rules, as far as the generator could break them. */
function structuralViolations(node: JsonSchemaProps, path: string): string[] {
  const problems: string[] = [];
  const preserve = node["x-kubernetes-preserve-unknown-fields"] === true;
  const intOrString = node["x-kubernetes-int-or-string"] === true;
  if (node.type === undefined && !preserve && !intOrString) problems.push(`${path}: no type`);
  if (node.anyOf !== undefined) {
    const alternatives = node.anyOf.map((a) => JSON.stringify(a)).sort();
    if (!intOrString || alternatives.join() !== '{"type":"integer"},{"type":"string"}') {
      problems.push(`${path}: anyOf is only allowed in the int-or-string form`);
    }
  }
  if (intOrString && node.type !== undefined) problems.push(`${path}: int-or-string with type`);
  if (node.properties && node.additionalProperties) {
    problems.push(`${path}: both properties and additionalProperties`);
  }
  if ((node.properties || node.additionalProperties) && node.type !== "object") {
    problems.push(`${path}: properties on a non-object`);
  }
  if (node.type === "array" && node.items === undefined) problems.push(`${path}: array w/o items`);
  if (node.items && node.type !== "array") problems.push(`${path}: items on a non-array`);
  if (node.enum && node.type !== "string") problems.push(`${path}: enum on a non-string`);
  if (node.format === "int64" || node.format === "int32") {
    if (node.type !== "integer") problems.push(`${path}: ${node.format} on a non-integer`);
  }
  const allowedKeys = new Set([
    "description",
    "type",
    "format",
    "enum",
    "items",
    "properties",
    "additionalProperties",
    "anyOf",
    "maxLength",
    "x-kubernetes-int-or-string",
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-validations",
  ]);
  for (const key of Object.keys(node)) {
    if (!allowedKeys.has(key)) problems.push(`${path}: unexpected key ${key}`);
  }
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    problems.push(...structuralViolations(child, `${path}.${key}`));
  }
  if (node.additionalProperties) {
    problems.push(...structuralViolations(node.additionalProperties, `${path}[*]`));
  }
  if (node.items) problems.push(...structuralViolations(node.items, `${path}[]`));
  for (const [i, alternative] of (node.anyOf ?? []).entries()) {
    problems.push(...structuralViolations(alternative, `${path}.anyOf[${i}]`));
  }
  return problems;
}

Deno.test("every schema node is structural", () => {
  for (const crd of allCrds()) {
    const root = crd.spec.versions[0].schema.openAPIV3Schema;
    assert.deepEqual(structuralViolations(root, crd.spec.names.kind), []);
    assert.deepEqual(root.properties!.metadata, { type: "object" });
    assert.deepEqual(Object.keys(root.properties!), [
      "apiVersion",
      "kind",
      "metadata",
      "spec",
      "status",
    ]);
  }
});

Deno.test("free-form fields preserve unknown fields, typed maps do not", () => {
  for (const kind of ["FlinkDeployment", "FlinkSessionJob"]) {
    assert.deepEqual(
      { ...nodeAt(kind, "spec.flinkConfiguration"), description: undefined },
      { description: undefined, type: "object", "x-kubernetes-preserve-unknown-fields": true },
    );
  }
  // Pod templates are typed with the Pod schema, as in FKO's CRD (api_pod_template_test.ts).
  for (
    const path of [
      "spec.podTemplate",
      "spec.jobManager.podTemplate",
      "spec.taskManager.podTemplate",
    ]
  ) {
    const node = nodeAt("FlinkDeployment", path);
    assert.equal(node["x-kubernetes-preserve-unknown-fields"], undefined, path);
    assert.deepEqual(Object.keys(node.properties!), [
      "apiVersion",
      "kind",
      "metadata",
      "spec",
      "status",
    ]);
  }
  assert.deepEqual(nodeAt("FlinkDeployment", "spec.logConfiguration").additionalProperties, {
    type: "string",
  });
  assert.equal(
    nodeAt("FlinkDeployment", "spec")["x-kubernetes-preserve-unknown-fields"],
    undefined,
  );
  const limits = nodeAt("FlinkDeployment", "spec.taskManager.resources.limits");
  assert.equal(limits.additionalProperties!["x-kubernetes-int-or-string"], true);
});

Deno.test("Java long fields are int64, int fields int32, cpu a double", () => {
  const int64Paths = [
    ["FlinkDeployment", "spec.restartNonce"],
    ["FlinkDeployment", "spec.job.savepointTriggerNonce"],
    ["FlinkDeployment", "spec.job.checkpointTriggerNonce"],
    ["FlinkDeployment", "spec.job.savepointRedeployNonce"],
    ["FlinkDeployment", "spec.job.autoscalerResetNonce"],
    ["FlinkDeployment", "status.observedGeneration"],
    ["FlinkDeployment", "status.reconciliationStatus.reconciliationTimestamp"],
    ["FlinkDeployment", "status.jobStatus.savepointInfo.triggerTimestamp"],
    ["FlinkSessionJob", "spec.restartNonce"],
    ["FlinkSessionJob", "status.observedGeneration"],
  ];
  for (const [kind, path] of int64Paths) {
    const node = nodeAt(kind, path);
    assert.deepEqual([node.type, node.format], ["integer", "int64"], `${kind} ${path}`);
  }
  const int32Paths = [
    ["FlinkDeployment", "spec.job.parallelism"],
    ["FlinkDeployment", "spec.jobManager.replicas"],
    ["FlinkDeployment", "spec.taskManager.replicas"],
    ["FlinkDeployment", "status.taskManager.replicas"],
    ["FlinkStateSnapshot", "spec.backoffLimit"],
    ["FlinkStateSnapshot", "status.failures"],
  ];
  for (const [kind, path] of int32Paths) {
    const node = nodeAt(kind, path);
    assert.deepEqual([node.type, node.format], ["integer", "int32"], `${kind} ${path}`);
  }
  const cpu = nodeAt("FlinkDeployment", "spec.jobManager.resource.cpu");
  assert.deepEqual([cpu.type, cpu.format], ["number", "double"]);
});

Deno.test("enums in the CRD carry the exact values", () => {
  assert.deepEqual(nodeAt("FlinkDeployment", "spec.job.upgradeMode").enum, [
    "savepoint",
    "last-state",
    "stateless",
  ]);
  assert.deepEqual(nodeAt("FlinkSessionJob", "spec.job.state").enum, ["running", "suspended"]);
  assert.deepEqual(nodeAt("FlinkDeployment", "spec.mode").enum, ["native", "standalone"]);
  assert.equal(nodeAt("FlinkDeployment", "spec.flinkVersion").enum!.length, 13);
  assert.deepEqual(nodeAt("FlinkStateSnapshot", "spec.jobReference.kind").enum, [
    "FlinkDeployment",
    "FlinkSessionJob",
  ]);
});

Deno.test("the CRD carries the snapshot reference extension and every spec field", () => {
  assert.deepEqual(
    Object.keys(nodeAt("FlinkSessionJob", "spec.job.flinkStateSnapshotReference").properties!),
    ["namespace", "name", "path"],
  );
  assert.deepEqual(Object.keys(nodeAt("FlinkDeployment", "spec").properties!), [
    "job",
    "restartNonce",
    "flinkConfiguration",
    "image",
    "imagePullPolicy",
    "serviceAccount",
    "flinkVersion",
    "ingress",
    "podTemplate",
    "jobManager",
    "taskManager",
    "logConfiguration",
    "mode",
  ]);
  assert.deepEqual(Object.keys(nodeAt("FlinkSessionJob", "spec").properties!), [
    "job",
    "restartNonce",
    "flinkConfiguration",
    "deploymentName",
  ]);
  // Defaults stay out of the CRD, as in FKO: the API server must not rewrite stored objects.
  assert.ok(!JSON.stringify(allCrds()).includes('"default"'));
});

Deno.test("zod constructs without a structural form are rejected, not approximated", () => {
  assert.throws(() => toStructuralSchema(z.number()), /number without an int32\/int64\/double/);
  assert.throws(
    () => toStructuralSchema(z.looseObject({ when: z.date() }), "spec"),
    /spec\.when: no structural schema for zod type date/,
  );
});

Deno.test("status.jobStatus.state lists FKO's job states in the CRD; reads accept any string", () => {
  // FKO's CRD (helm/flink-kubernetes-operator/crds) enumerates Flink's JobStatus and RECONCILING.
  const fko = [
    "CANCELED",
    "CANCELLING",
    "CREATED",
    "FAILED",
    "FAILING",
    "FINISHED",
    "INITIALIZING",
    "RECONCILING",
    "RESTARTING",
    "RUNNING",
    "SUSPENDED",
  ];
  for (const kind of ["FlinkDeployment", "FlinkSessionJob"]) {
    assert.deepEqual(nodeAt(kind, "status.jobStatus.state").enum, fko, kind);
  }
  const parsed = safeParseFlinkDeployment({
    apiVersion: "flink.apache.org/v1beta1",
    kind: "FlinkDeployment",
    metadata: { name: "x", namespace: "ns" },
    spec: {},
    status: { jobStatus: { state: "SOMETHING_NEW" } },
  });
  assert.ok(parsed.ok);
  assert.equal(parsed.value.status.jobStatus.state, "SOMETHING_NEW");
});
