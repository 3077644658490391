/**
 * Lenient reading of API objects, as FKO's Jackson mapper reads them: unknown fields are kept,
 * `null` means absent, defaults of the Java classes are filled in. What cannot be read is
 * reported with the field path, e.g. `spec.job.upgradeMode: expected one of
 * savepoint|last-state|stateless, got "bogus"`.
 */
import { z } from "zod";
import { type FlinkDeployment, FlinkDeploymentSchema } from "./flink_deployment.ts";
import { type FlinkSessionJob, FlinkSessionJobSchema } from "./flink_session_job.ts";
import { type FlinkStateSnapshot, FlinkStateSnapshotSchema } from "./flink_state_snapshot.ts";

export interface ParseIssue {
  /** Dotted field path, e.g. `spec.job.upgradeMode` or `spec.job.args[1]`. */
  readonly path: string;
  readonly message: string;
}

export class ApiParseError extends Error {
  override readonly name = "ApiParseError";
  constructor(readonly subject: string, readonly issues: readonly ParseIssue[]) {
    super(`invalid ${subject}: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
  }
}

export type ParseResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ApiParseError };

/**
 * Deep copy without `null`-valued object entries. The API server prunes nulls from custom
 * resources and Jackson treats them as absent, so a null must never fail a read or shadow a
 * default. Nulls inside arrays are kept: they are errors, not absence.
 */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== "object" || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (entry !== null) copy[key] = withoutNulls(entry);
  }
  return copy;
}

/** Parses `input` with any API schema; `subject` names the thing in error messages. */
export function safeParseApiObject<S extends z.ZodType>(
  schema: S,
  input: unknown,
  subject: string,
): ParseResult<z.output<S>> {
  const result = schema.safeParse(withoutNulls(input), { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, error: new ApiParseError(subject, result.error.issues.map(toParseIssue)) };
}

/** Like {@link safeParseApiObject} but throws {@link ApiParseError}. */
export function parseApiObject<S extends z.ZodType>(
  schema: S,
  input: unknown,
  subject: string,
): z.output<S> {
  const result = safeParseApiObject(schema, input, subject);
  if (!result.ok) throw result.error;
  return result.value;
}

export function safeParseFlinkDeployment(input: unknown): ParseResult<FlinkDeployment> {
  return safeParseApiObject(
    FlinkDeploymentSchema,
    input,
    describeSubject("FlinkDeployment", input),
  );
}

export function parseFlinkDeployment(input: unknown): FlinkDeployment {
  return parseApiObject(FlinkDeploymentSchema, input, describeSubject("FlinkDeployment", input));
}

export function safeParseFlinkSessionJob(input: unknown): ParseResult<FlinkSessionJob> {
  return safeParseApiObject(
    FlinkSessionJobSchema,
    input,
    describeSubject("FlinkSessionJob", input),
  );
}

export function parseFlinkSessionJob(input: unknown): FlinkSessionJob {
  return parseApiObject(FlinkSessionJobSchema, input, describeSubject("FlinkSessionJob", input));
}

export function safeParseFlinkStateSnapshot(input: unknown): ParseResult<FlinkStateSnapshot> {
  return safeParseApiObject(
    FlinkStateSnapshotSchema,
    input,
    describeSubject("FlinkStateSnapshot", input),
  );
}

export function parseFlinkStateSnapshot(input: unknown): FlinkStateSnapshot {
  return parseApiObject(
    FlinkStateSnapshotSchema,
    input,
    describeSubject("FlinkStateSnapshot", input),
  );
}

/** `FlinkDeployment ns/name` when the object carries metadata, else just the kind. */
function describeSubject(kind: string, input: unknown): string {
  const meta = (input as { metadata?: { name?: unknown; namespace?: unknown } } | null)
    ?.metadata;
  if (typeof meta?.name !== "string") return kind;
  return typeof meta.namespace === "string"
    ? `${kind} ${meta.namespace}/${meta.name}`
    : `${kind} ${meta.name}`;
}

export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (typeof segment === "string" && /^[A-Za-z_$][\w$-]*$/.test(segment)) {
      out += out === "" ? segment : `.${segment}`;
    } else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out === "" ? "(root)" : out;
}

function toParseIssue(issue: z.core.$ZodIssue): ParseIssue {
  return { path: formatIssuePath(issue.path), message: describeIssue(issue) };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_value": {
      const expected = issue.values.length === 1
        ? `expected ${JSON.stringify(issue.values[0])}`
        : `expected one of ${issue.values.join("|")}`;
      return `${expected}, got ${describeValue(issue.input)}`;
    }
    case "invalid_type":
      return issue.input === undefined
        ? `required ${typeName(issue.expected)} is missing`
        : `expected ${typeName(issue.expected)}, got ${describeValue(issue.input)}`;
    case "invalid_union": {
      const alternatives = issue.errors.flatMap((branch) =>
        branch.flatMap((i) => i.code === "invalid_type" ? [typeName(i.expected)] : [])
      );
      return alternatives.length > 0
        ? `expected ${alternatives.join(" or ")}, got ${describeValue(issue.input)}`
        : issue.message;
    }
    default:
      return issue.message;
  }
}

function typeName(zodType: string): string {
  return zodType === "int" ? "integer" : zodType;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && value !== null) return "an object";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
