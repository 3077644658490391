/**
 * The three CustomResourceDefinitions, generated from the zod schemas, and their YAML files
 * (named as in FKO's Helm chart so either chart's CRD directory can be swapped in).
 */
import YAML from "yaml";
import { z } from "zod";
import {
  type CustomResourceDefinition,
  type JsonSchemaProps,
  type PrinterColumn,
  type ScaleSubresource,
  toStructuralSchema,
} from "./crd_gen.ts";
import { FlinkDeploymentSpecSchema, FlinkDeploymentStatusSchema } from "./flink_deployment.ts";
import { FlinkSessionJobSpecSchema, FlinkSessionJobStatusSchema } from "./flink_session_job.ts";
import {
  FlinkStateSnapshotSpecSchema,
  FlinkStateSnapshotStatusSchema,
} from "./flink_state_snapshot.ts";
import {
  celValidation,
  FLINK_DEPLOYMENT_RULES,
  FLINK_SESSION_JOB_RULES,
  FLINK_STATE_SNAPSHOT_RULES,
  type ObjectRule,
  type Path,
} from "./rules/mod.ts";
import {
  FLINK_DEPLOYMENT_NAMES,
  FLINK_SESSION_JOB_NAMES,
  FLINK_STATE_SNAPSHOT_NAMES,
  type FlinkKindNames,
} from "./kinds.ts";

const JOB_PRINTER_COLUMNS: PrinterColumn[] = [
  {
    name: "Job Status",
    type: "string",
    jsonPath: ".status.jobStatus.state",
    description: "Last observed state of the job.",
  },
  {
    name: "Lifecycle State",
    type: "string",
    jsonPath: ".status.lifecycleState",
    description:
      "Lifecycle state of the Flink resource (including being rolled back, failed etc.).",
  },
];

const SNAPSHOT_PRINTER_COLUMNS: PrinterColumn[] = [
  { name: "Path", type: "string", jsonPath: ".status.path" },
  { name: "Result Timestamp", type: "string", jsonPath: ".status.resultTimestamp" },
  { name: "Snapshot State", type: "string", jsonPath: ".status.state" },
];

const TASK_MANAGER_SCALE: ScaleSubresource = {
  specReplicasPath: ".spec.taskManager.replicas",
  statusReplicasPath: ".status.taskManager.replicas",
  labelSelectorPath: ".status.taskManager.labelSelector",
};

interface CrdSource {
  names: FlinkKindNames;
  description: string;
  spec: z.ZodType;
  status: z.ZodType;
  printerColumns: PrinterColumn[];
  scale?: ScaleSubresource;
  /** Object rules, attached as CEL `x-kubernetes-validations` to their nodes. */
  rules: readonly ObjectRule[];
}

export interface CrdOptions {
  /**
   * Attach the object rules as CEL validations (default). Without them the CRDs are what a
   * cluster with CRDs installed by others may have; the operator validates either way.
   */
  readonly rules?: boolean;
}

function buildCrd(source: CrdSource, options: CrdOptions = {}): CustomResourceDefinition {
  const { names } = source;
  const openAPIV3Schema: JsonSchemaProps = {
    description: source.description,
    type: "object",
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      // The API server owns metadata validation; a CRD may only declare it as an object.
      metadata: { type: "object" },
      spec: { description: "Desired state.", ...toStructuralSchema(source.spec, "spec") },
      status: {
        description: "Observed state, written by the operator.",
        ...toStructuralSchema(source.status, "status"),
      },
    },
  };
  if (options.rules !== false) attachRules(openAPIV3Schema, source.rules);
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${names.plural}.${names.group}` },
    spec: {
      group: names.group,
      names: {
        kind: names.kind,
        listKind: names.listKind,
        plural: names.plural,
        singular: names.singular,
        shortNames: [...names.shortNames],
      },
      scope: "Namespaced",
      versions: [{
        name: names.version,
        served: true,
        storage: true,
        additionalPrinterColumns: source.printerColumns,
        schema: { openAPIV3Schema },
        subresources: source.scale ? { status: {}, scale: source.scale } : { status: {} },
      }],
    },
  };
}

/** Adds each rule's CEL validation to the schema node it sits on. */
function attachRules(root: JsonSchemaProps, rules: readonly ObjectRule[]): void {
  // Schema nodes along a path; map entries are the map's additionalProperties.
  const nodeAt = (path: Path): JsonSchemaProps | undefined => {
    let node: JsonSchemaProps | undefined = root;
    for (const key of path) node = node?.properties?.[key] ?? node?.additionalProperties;
    return node;
  };
  const step = (path: Path, key: string) => {
    const node = nodeAt(path);
    if (node?.properties?.[key] !== undefined) return "property" as const;
    return node?.additionalProperties !== undefined ? "mapKey" as const : undefined;
  };
  for (const rule of rules) {
    const node = nodeAt(rule.at);
    if (node === undefined) throw new Error(`rule ${rule.id}: no schema node at ${rule.at}`);
    const ratchet = preservesUnknownFieldsBelow(node);
    (node["x-kubernetes-validations"] ??= []).push(celValidation(rule, step, { ratchet }));
  }
}

/** Kubernetes does not ratchet validation of a node with free-form data below it. */
function preservesUnknownFieldsBelow(node: JsonSchemaProps): boolean {
  if (node["x-kubernetes-preserve-unknown-fields"]) return true;
  return Object.values(node.properties ?? {}).some(preservesUnknownFieldsBelow) ||
    (node.additionalProperties !== undefined &&
      preservesUnknownFieldsBelow(node.additionalProperties)) ||
    (node.items !== undefined && preservesUnknownFieldsBelow(node.items));
}

export function flinkDeploymentCrd(options: CrdOptions = {}): CustomResourceDefinition {
  return buildCrd({
    names: FLINK_DEPLOYMENT_NAMES,
    description: "A Flink application cluster (with spec.job) or session cluster.",
    spec: FlinkDeploymentSpecSchema,
    status: FlinkDeploymentStatusSchema,
    printerColumns: JOB_PRINTER_COLUMNS,
    scale: TASK_MANAGER_SCALE,
    rules: FLINK_DEPLOYMENT_RULES,
  }, options);
}

export function flinkSessionJobCrd(options: CrdOptions = {}): CustomResourceDefinition {
  return buildCrd({
    names: FLINK_SESSION_JOB_NAMES,
    description: "A Flink job running on a session-mode FlinkDeployment.",
    spec: FlinkSessionJobSpecSchema,
    status: FlinkSessionJobStatusSchema,
    printerColumns: JOB_PRINTER_COLUMNS,
    rules: FLINK_SESSION_JOB_RULES,
  }, options);
}

export function flinkStateSnapshotCrd(options: CrdOptions = {}): CustomResourceDefinition {
  return buildCrd({
    names: FLINK_STATE_SNAPSHOT_NAMES,
    description: "A savepoint or checkpoint of a FlinkDeployment or FlinkSessionJob.",
    spec: FlinkStateSnapshotSpecSchema,
    status: FlinkStateSnapshotStatusSchema,
    printerColumns: SNAPSHOT_PRINTER_COLUMNS,
    rules: FLINK_STATE_SNAPSHOT_RULES,
  }, options);
}

export function allCrds(options: CrdOptions = {}): CustomResourceDefinition[] {
  return [flinkDeploymentCrd(options), flinkSessionJobCrd(options), flinkStateSnapshotCrd(options)];
}

/** FKO Helm chart file name, e.g. `flinkdeployments.flink.apache.org-v1.yml`. */
export function crdFileName(crd: CustomResourceDefinition): string {
  return `${crd.metadata.name}-v1.yml`;
}

const GENERATED_HEADER = "# Generated from lib/api by `deno task crds`. Do not edit.\n";

/**
 * Deterministic YAML: key order is construction order, no line folding. The layout is what
 * `deno fmt` produces, so the generated files pass `deno fmt --check` unchanged.
 */
export function renderCrdYaml(crd: CustomResourceDefinition): string {
  return GENERATED_HEADER + YAML.stringify(crd, { lineWidth: 0 });
}

/** Writes every CRD into `dir`; returns the written paths. */
export async function writeCrds(dir: string): Promise<string[]> {
  await Deno.mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const crd of allCrds()) {
    const path = `${dir.replace(/\/+$/, "")}/${crdFileName(crd)}`;
    await Deno.writeTextFile(path, renderCrdYaml(crd));
    written.push(path);
  }
  return written;
}
