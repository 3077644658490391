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
}

function buildCrd(source: CrdSource): CustomResourceDefinition {
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

export function flinkDeploymentCrd(): CustomResourceDefinition {
  return buildCrd({
    names: FLINK_DEPLOYMENT_NAMES,
    description: "A Flink application cluster (with spec.job) or session cluster.",
    spec: FlinkDeploymentSpecSchema,
    status: FlinkDeploymentStatusSchema,
    printerColumns: JOB_PRINTER_COLUMNS,
    scale: TASK_MANAGER_SCALE,
  });
}

export function flinkSessionJobCrd(): CustomResourceDefinition {
  return buildCrd({
    names: FLINK_SESSION_JOB_NAMES,
    description: "A Flink job running on a session-mode FlinkDeployment.",
    spec: FlinkSessionJobSpecSchema,
    status: FlinkSessionJobStatusSchema,
    printerColumns: JOB_PRINTER_COLUMNS,
  });
}

export function flinkStateSnapshotCrd(): CustomResourceDefinition {
  return buildCrd({
    names: FLINK_STATE_SNAPSHOT_NAMES,
    description: "A savepoint or checkpoint of a FlinkDeployment or FlinkSessionJob.",
    spec: FlinkStateSnapshotSpecSchema,
    status: FlinkStateSnapshotStatusSchema,
    printerColumns: SNAPSHOT_PRINTER_COLUMNS,
  });
}

export function allCrds(): CustomResourceDefinition[] {
  return [flinkDeploymentCrd(), flinkSessionJobCrd(), flinkStateSnapshotCrd()];
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
