/**
 * Turns the zod API schemas into structural OpenAPI v3 schemas for CustomResourceDefinitions.
 *
 * The walk is explicit rather than built on `z.toJSONSchema()` so that every emitted node is
 * one the API server accepts as structural: each node has a `type` (or is int-or-string or
 * preserve-unknown), objects have either `properties` or `additionalProperties`, there is no
 * `anyOf`/`oneOf` except the int-or-string form, and no defaults (FKO's CRDs have none; the
 * operator applies Java defaults when reading). A zod construct without a structural
 * equivalent is an error, not a silent approximation. Pod templates get the Pod schema
 * generated from the API server's OpenAPI; object rules (lib/api/rules) are attached by
 * crds.ts.
 */
import { z } from "zod";
import POD_TEMPLATE_SCHEMA from "./pod_template_schema.json" with { type: "json" };
import type { CelValidation } from "./rules/rule.ts";
import { unwrapSchema } from "./wire_hints.ts";

/** The subset of `JSONSchemaProps` the generator emits. */
export interface JsonSchemaProps {
  description?: string;
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  format?: string;
  enum?: string[];
  maxLength?: number;
  items?: JsonSchemaProps;
  properties?: Record<string, JsonSchemaProps>;
  additionalProperties?: JsonSchemaProps;
  anyOf?: JsonSchemaProps[];
  "x-kubernetes-int-or-string"?: true;
  "x-kubernetes-preserve-unknown-fields"?: true;
  "x-kubernetes-validations"?: CelValidation[];
}

/**
 * The Pod schema pod templates get, generated from the API server's OpenAPI by
 * pod_template_schema_gen.ts (committed data, regenerated when Kubernetes adds fields).
 */
export function podTemplateSchema(): JsonSchemaProps {
  return structuredClone(POD_TEMPLATE_SCHEMA) as JsonSchemaProps;
}

export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  jsonPath: string;
  description?: string;
}

export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/** apiextensions.k8s.io/v1 CustomResourceDefinition as plain JSON. */
export interface CustomResourceDefinition {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
    };
    scope: "Namespaced" | "Cluster";
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      additionalPrinterColumns?: PrinterColumn[];
      schema: { openAPIV3Schema: JsonSchemaProps };
      subresources: { status: Record<string, never>; scale?: ScaleSubresource };
    }>;
  };
}

/** Structural schema of one zod schema; `path` only serves error messages. */
export function toStructuralSchema(schema: z.ZodType, path = "(root)"): JsonSchemaProps {
  const { base, hints, description } = unwrapSchema(schema);
  const node: JsonSchemaProps = description === undefined ? {} : { description };

  if (hints.podTemplate) return { ...node, ...podTemplateSchema() };
  if (hints.freeForm) {
    return { ...node, type: "object", "x-kubernetes-preserve-unknown-fields": true };
  }
  if (hints.quantity) {
    return {
      ...node,
      anyOf: [{ type: "integer" }, { type: "string" }],
      "x-kubernetes-int-or-string": true,
    };
  }
  if (base instanceof z.ZodObject) {
    const properties: Record<string, JsonSchemaProps> = {};
    for (const [key, field] of Object.entries(base.shape as Record<string, z.ZodType>)) {
      properties[key] = toStructuralSchema(field, `${path}.${key}`);
    }
    return Object.keys(properties).length === 0
      ? { ...node, type: "object" }
      : { ...node, type: "object", properties };
  }
  if (base instanceof z.ZodRecord) {
    const additionalProperties = toStructuralSchema(base.valueType as z.ZodType, `${path}[*]`);
    return { ...node, type: "object", additionalProperties };
  }
  if (base instanceof z.ZodArray) {
    return { ...node, type: "array", items: toStructuralSchema(base.element as z.ZodType, path) };
  }
  if (base instanceof z.ZodEnum) {
    return { ...node, type: "string", enum: base.options.map(String) };
  }
  if (base instanceof z.ZodString && hints.crdEnum) {
    return { ...node, type: "string", enum: [...hints.crdEnum] };
  }
  if (base instanceof z.ZodString) {
    // A bound lets CEL rules on the string stay within the API server's cost budget.
    const maxLength = base.maxLength;
    return maxLength === null
      ? { ...node, type: "string" }
      : { ...node, type: "string", maxLength };
  }
  if (base instanceof z.ZodBoolean) return { ...node, type: "boolean" };
  if (base instanceof z.ZodNumber) {
    switch (hints.format) {
      case "int32":
      case "int64":
        return { ...node, type: "integer", format: hints.format };
      case "double":
        return { ...node, type: "number", format: "double" };
      default:
        throw new Error(`${path}: number without an int32/int64/double wire hint`);
    }
  }
  throw new Error(`${path}: no structural schema for zod type ${base.def.type}`);
}
