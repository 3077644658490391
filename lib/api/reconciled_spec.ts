/**
 * `status.reconciliationStatus.lastReconciledSpec` / `lastStableSpec` codec.
 *
 * Current format (FKO `SpecUtils.writeSpecWithMeta`):
 *   {"spec": <spec, Jackson JSON with nulls>,
 *    "resource_metadata": {"apiVersion": "flink.apache.org/v1beta1", "firstDeployment": bool}}
 * Legacy format, still read: the spec fields at top level plus `apiVersion`.
 *
 * FKO decides `STABLE` by comparing these strings for equality, so writing must be
 * byte-for-byte what the Java operator writes for the same spec.
 */
import { z } from "zod";
import { type FlinkDeploymentSpec, FlinkDeploymentSpecSchema } from "./flink_deployment.ts";
import { type FlinkSessionJobSpec, FlinkSessionJobSpecSchema } from "./flink_session_job.ts";
import { toJacksonJson, writeJavaString } from "./jackson_json.ts";
import { FLINK_API_VERSION } from "./kinds.ts";
import { ApiParseError, safeParseApiObject } from "./parse.ts";

export type ReconciledKind = "FlinkDeployment" | "FlinkSessionJob";

interface SpecByKind {
  FlinkDeployment: FlinkDeploymentSpec;
  FlinkSessionJob: FlinkSessionJobSpec;
}

const specSchemas: Record<ReconciledKind, z.ZodType> = {
  FlinkDeployment: FlinkDeploymentSpecSchema,
  FlinkSessionJob: FlinkSessionJobSpecSchema,
};

export interface SpecWithMeta<S> {
  readonly spec: S;
  /** apiVersion of the resource when the spec was recorded. */
  readonly apiVersion: string;
  /** True while the very first deployment attempt is in progress or just deployed. */
  readonly firstDeployment: boolean;
  /** Which of the two stored formats was read. */
  readonly format: "current" | "legacy";
}

/** Spec alone as Jackson JSON (the value of the `spec` key). */
export function serializeSpec<K extends ReconciledKind>(kind: K, spec: SpecByKind[K]): string {
  return toJacksonJson(specSchemas[kind], spec);
}

/** The string to store in `lastReconciledSpec` / `lastStableSpec`. */
export function serializeSpecWithMeta<K extends ReconciledKind>(
  kind: K,
  spec: SpecByKind[K],
  meta: { readonly firstDeployment: boolean; readonly apiVersion?: string },
): string {
  const apiVersion = writeJavaString(meta.apiVersion ?? FLINK_API_VERSION);
  return `{"spec":${serializeSpec(kind, spec)},"resource_metadata":{"apiVersion":${apiVersion},` +
    `"firstDeployment":${meta.firstDeployment}}}`;
}

/** Reads either format; throws {@link ApiParseError} naming the offending field. */
export function parseSpecWithMeta<K extends ReconciledKind>(
  kind: K,
  json: string,
): SpecWithMeta<SpecByKind[K]> {
  const subject = `${kind} reconciled spec`;
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch (error) {
    throw new ApiParseError(subject, [{ path: "(root)", message: `invalid JSON: ${error}` }]);
  }
  if (!isRecord(document)) {
    throw new ApiParseError(subject, [{ path: "(root)", message: "expected a JSON object" }]);
  }

  const current = isRecord(document.spec);
  let specJson: unknown;
  let metadata: Record<string, unknown>;
  if (current) {
    specJson = document.spec;
    metadata = isRecord(document.resource_metadata) ? document.resource_metadata : {};
  } else {
    const { apiVersion, ...specFields } = document;
    specJson = specFields;
    metadata = { apiVersion };
  }

  const parsed = safeParseApiObject(specSchemas[kind], specJson, subject);
  if (!parsed.ok) {
    const prefix = current ? "spec." : "";
    throw new ApiParseError(
      subject,
      parsed.error.issues.map((i) => ({ ...i, path: prefix + i.path })),
    );
  }
  return {
    spec: parsed.value as SpecByKind[K],
    apiVersion: typeof metadata.apiVersion === "string" ? metadata.apiVersion : FLINK_API_VERSION,
    firstDeployment: metadata.firstDeployment === true,
    format: current ? "current" : "legacy",
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
