/**
 * Wire-level facts about schema nodes that zod cannot express by itself.
 *
 * The zod schemas are the single source of truth for the API. Two consumers need more than the
 * zod types tell them: the CRD generator (Java `int` vs `long` vs `double`, free-form objects,
 * Kubernetes quantities) and the Jackson-compatible writer of `lastReconciledSpec` (which absent
 * fields Jackson writes as `null` and which it leaves out). Those facts live in a zod registry
 * keyed by schema instance, attached through the builders below.
 */
import { z } from "zod";

export interface WireHint {
  /** OpenAPI number format; `int32`/`int64` are integers, `double` is floating point. */
  format?: "int32" | "int64" | "double";
  /** Kept verbatim: `x-kubernetes-preserve-unknown-fields` in the CRD, no field checks. */
  freeForm?: true;
  /**
   * A pod template: read and written verbatim like a free-form object, but typed in the CRD
   * with the Pod schema generated from the API server's OpenAPI (pod_template_schema.json).
   */
  podTemplate?: true;
  /** Kubernetes quantity: int-or-string in the CRD; fabric8 serializes it as a string. */
  quantity?: true;
  /**
   * A string the CRD restricts to these values (as FKO's CRD does) while reads accept any
   * string, so an unexpected value never makes a resource unreadable.
   */
  crdEnum?: readonly string[];
  /** Jackson leaves this field out when it is absent instead of writing `null`. */
  omitWhenAbsent?: true;
  /** A fabric8 model object: Jackson leaves out absent fields and empty collections. */
  fabric8Model?: true;
}

export const wireHints = z.registry<WireHint>();

/** Java `int`: 32-bit integer. */
export function int32() {
  return z.int32().register(wireHints, { format: "int32" });
}

/**
 * Java `long`. Checked with `Number.isInteger` rather than as a safe integer because values
 * beyond 2^53 (e.g. huge nonces) already lost precision in JSON.parse and must not make the
 * whole resource unreadable.
 */
export function int64() {
  return z.number().refine(Number.isInteger, { message: "expected an integer" }).register(
    wireHints,
    { format: "int64" },
  );
}

/** Java `double`; Jackson writes it with a fractional part (`1.0`). */
export function double() {
  return z.number().register(wireHints, { format: "double" });
}

/** Kubernetes resource quantity such as `2Gi`, `500m` or `1`. */
export function quantity() {
  return z.union([z.string(), z.number()]).register(wireHints, { quantity: true });
}

/** Object of arbitrary shape, kept exactly as given (pod templates, Flink configuration). */
export function freeFormObject() {
  return z.record(z.string(), z.unknown()).register(wireHints, { freeForm: true });
}

/**
 * A pod template (`spec.podTemplate`, `jobManager.podTemplate`, ...): the operator reads and
 * writes it as a plain object, the CRD types it as a Pod, as FKO's CRD does.
 */
export function podTemplateObject() {
  return z.record(z.string(), z.unknown()).register(wireHints, {
    freeForm: true,
    podTemplate: true,
  });
}

export function stringMap() {
  return z.record(z.string(), z.string());
}

/** Marks a field that Jackson does not write when it is absent. */
export function omittedWhenAbsent<T extends z.ZodType>(schema: T): T {
  wireHints.add(schema, { omitWhenAbsent: true });
  return schema;
}

/** Marks an object written like a fabric8 model (absent fields and empty collections omitted). */
export function fabric8Model<T extends z.ZodType>(schema: T): T {
  wireHints.add(schema, { fabric8Model: true });
  return schema;
}

/** Wrapper schemas that only change presence rules, not the shape of the value. */
type PresenceWrapper =
  | z.ZodOptional<z.ZodType>
  | z.ZodNullable<z.ZodType>
  | z.ZodDefault<z.ZodType>
  | z.ZodPrefault<z.ZodType>;

function isPresenceWrapper(schema: z.ZodType): schema is PresenceWrapper {
  return schema instanceof z.ZodOptional || schema instanceof z.ZodNullable ||
    schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault;
}

export interface UnwrappedSchema {
  /** The innermost schema that describes the value's shape. */
  base: z.ZodType;
  /** Hints found on the base and every wrapper around it. */
  hints: WireHint;
  /** First `description` found from the outside in. */
  description?: string;
}

/** Strips optional/nullable/default wrappers, collecting hints and the description on the way. */
export function unwrapSchema(schema: z.ZodType): UnwrappedSchema {
  let hints: WireHint = {};
  let description: string | undefined;
  let current: z.ZodType = schema;
  for (;;) {
    hints = { ...wireHints.get(current), ...hints };
    description ??= z.globalRegistry.get(current)?.description;
    if (!isPresenceWrapper(current)) break;
    current = current.unwrap() as z.ZodType;
  }
  return { base: current, hints, description };
}
