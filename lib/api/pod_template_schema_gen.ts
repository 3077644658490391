/**
 * The pod template schema of the CRDs, generated from the API server's own OpenAPI v3 document
 * (`/openapi/v3/api/v1`) rather than written by hand, so `spec.podTemplate`,
 * `spec.jobManager.podTemplate` and `spec.taskManager.podTemplate` are typed as in FKO's CRD.
 *
 * FKO's CRD (fabric8's generator) types pod templates as a whole `Pod`: `apiVersion`, `kind`,
 * `metadata`, `spec` and `status`, with only types, properties, items, additionalProperties and
 * int-or-string for quantities and IntOrString — no descriptions, defaults, enums, required
 * fields, formats or list-type markers. The conversion keeps exactly that, so the API server
 * refuses what FKO's CRD refuses (an unknown field under strict field validation, a wrong type)
 * and nothing more: a template FKO accepts is accepted here. FKO's CRD has no
 * `x-kubernetes-preserve-unknown-fields` inside pod templates, and neither has this schema (the
 * `Pod` OpenAPI carries none either; one would be kept).
 *
 * Run against a cluster to refresh the committed data file (`pod_template_schema.json`):
 *
 *     deno run -A lib/api/pod_template_schema_gen.ts [--kubeconfig PATH] [--from FILE]
 *
 * `--from` reads a saved OpenAPI document instead of asking the API server. An integration test
 * (tests/integration/pod_template_schema_test.ts) checks the committed file against the local
 * cluster's API server.
 */
import type { JsonSchemaProps } from "./crd_gen.ts";

/** The part of an OpenAPI v3 document the conversion reads. */
export interface OpenApiDocument {
  components?: { schemas?: Record<string, OpenApiSchema> };
}

/** An OpenAPI v3 schema node as the API server serves it. */
export interface OpenApiSchema {
  type?: string;
  format?: string;
  $ref?: string;
  allOf?: OpenApiSchema[];
  oneOf?: OpenApiSchema[];
  anyOf?: OpenApiSchema[];
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: OpenApiSchema | boolean;
  items?: OpenApiSchema;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  [key: string]: unknown;
}

export const POD_SCHEMA_NAME = "io.k8s.api.core.v1.Pod";
export const POD_TEMPLATE_SCHEMA_FILE = new URL("./pod_template_schema.json", import.meta.url);

const REF_PREFIX = "#/components/schemas/";

/** The structural CRD schema of `root` (default: the Pod) in `doc`. */
export function podTemplateSchemaFromOpenApi(
  doc: OpenApiDocument,
  root = POD_SCHEMA_NAME,
): JsonSchemaProps {
  const schemas = doc.components?.schemas ?? {};
  if (schemas[root] === undefined) throw new Error(`the OpenAPI document has no ${root} schema`);
  return convert({ $ref: REF_PREFIX + root }, schemas, [], root);
}

function convert(
  node: OpenApiSchema,
  schemas: Record<string, OpenApiSchema>,
  refs: readonly string[],
  path: string,
): JsonSchemaProps {
  if (node.$ref !== undefined) {
    if (!node.$ref.startsWith(REF_PREFIX)) {
      throw new Error(`${path}: unsupported $ref ${node.$ref}`);
    }
    const name = node.$ref.slice(REF_PREFIX.length);
    const target = schemas[name];
    if (target === undefined) throw new Error(`${path}: unknown schema ${name}`);
    // A recursive type cannot be a structural schema; the Pod has none.
    if (refs.includes(name)) throw new Error(`${path}: recursive schema ${name}`);
    return convert(target, schemas, [...refs, name], path);
  }
  // `allOf: [{$ref}]` is how the API server attaches a description or default to a reference.
  if (node.allOf !== undefined) {
    if (node.allOf.length !== 1) throw new Error(`${path}: allOf with ${node.allOf.length} parts`);
    return convert(node.allOf[0], schemas, refs, path);
  }
  // IntOrString and Quantity (a string or a number): int-or-string, as in FKO's CRD.
  if (
    node.format === "int-or-string" || node["x-kubernetes-int-or-string"] === true ||
    isStringOrNumber(node)
  ) {
    return { anyOf: [{ type: "integer" }, { type: "string" }], "x-kubernetes-int-or-string": true };
  }
  const preserve = node["x-kubernetes-preserve-unknown-fields"] === true
    ? { "x-kubernetes-preserve-unknown-fields": true as const }
    : {};
  switch (node.type) {
    case "object": {
      const result: JsonSchemaProps = { type: "object", ...preserve };
      if (node.properties !== undefined && Object.keys(node.properties).length > 0) {
        result.properties = {};
        for (const key of Object.keys(node.properties).sort()) {
          result.properties[key] = convert(node.properties[key], schemas, refs, `${path}.${key}`);
        }
      } else if (typeof node.additionalProperties === "object") {
        result.additionalProperties = convert(
          node.additionalProperties,
          schemas,
          refs,
          `${path}[*]`,
        );
      }
      return result;
    }
    case "array":
      if (node.items === undefined) throw new Error(`${path}: array without items`);
      return { type: "array", items: convert(node.items, schemas, refs, `${path}[]`), ...preserve };
    case "string":
    case "integer":
    case "number":
    case "boolean":
      return { type: node.type };
    default:
      if (node.type === undefined && preserve["x-kubernetes-preserve-unknown-fields"]) {
        return { ...preserve };
      }
      throw new Error(`${path}: no structural schema for ${JSON.stringify(node).slice(0, 200)}`);
  }
}

function isStringOrNumber(node: OpenApiSchema): boolean {
  const alternatives = node.oneOf ?? node.anyOf;
  if (alternatives === undefined) return false;
  const types = alternatives.map((a) => a.type).sort().join();
  return types === "number,string" || types === "integer,string";
}

/** The file's text: pretty JSON, as `deno fmt` leaves it. */
export function renderPodTemplateSchema(schema: JsonSchemaProps): string {
  return JSON.stringify(schema, null, 2) + "\n";
}

async function main(args: string[]): Promise<void> {
  const flag = (name: string) => {
    const index = args.indexOf(name);
    return index >= 0 ? args[index + 1] : undefined;
  };
  let doc: OpenApiDocument;
  const from = flag("--from");
  if (from !== undefined) {
    doc = JSON.parse(await Deno.readTextFile(from));
  } else {
    const { KubeClient } = await import("../kube/client.ts");
    const client = await KubeClient.connect({ kubeconfig: flag("--kubeconfig") });
    try {
      doc = await client.request<OpenApiDocument>("GET", "/openapi/v3/api/v1");
    } finally {
      client.close();
    }
  }
  const text = renderPodTemplateSchema(podTemplateSchemaFromOpenApi(doc));
  await Deno.writeTextFile(POD_TEMPLATE_SCHEMA_FILE, text);
  console.log(`wrote ${POD_TEMPLATE_SCHEMA_FILE.pathname} (${text.length} bytes)`);
}

if (import.meta.main) await main(Deno.args);
