/**
 * Object rules: validation that needs only the resource itself (and, for a few, the spec that
 * was last deployed). Each rule is declared once — the node it sits on, the field it reports,
 * the condition that must hold and the message — and used twice: as a CEL
 * `x-kubernetes-validations` entry of the generated CRD, so `kubectl apply` refuses the object
 * at once, and by the operator's own validation, which still runs every rule because CRDs
 * installed by others may lack them.
 */
import {
  celInputsUnchanged,
  celString,
  evaluate,
  EvaluationError,
  type Expr,
  type Path,
  toCel,
} from "./expr.ts";

/**
 * When a rule applies.
 * - `always`: to every version of the object.
 * - `creation`: to new objects only (for fields that cannot change afterwards anyway, so that
 *   updates of an object stored before the rule existed are not refused).
 * - `deployed`: compares with the previous spec once the resource has been deployed: in CEL the
 *   stored object's spec while its `status.reconciliationStatus.lastReconciledSpec` is set, in
 *   the operator the last reconciled spec. `old…` expressions read that previous version.
 */
export type RuleWhen = "always" | "creation" | "deployed";

export interface ObjectRule {
  /** Stable name, used by tests and docs. */
  readonly id: string;
  /** Schema node the rule sits on, from the resource root (`[]` = the root, `["spec"]`, ...). */
  readonly at: Path;
  /** Field the message names, e.g. `spec.job.parallelism`. */
  readonly field: string;
  /** Must be true for a valid object; `value`/`has` paths are relative to `at`. */
  readonly valid: Expr;
  readonly problem: string;
  readonly fix: string;
  readonly when?: RuleWhen;
}

/** `field: problem; fix`, the one message format of all validation. */
export function ruleMessage(rule: ObjectRule): string {
  return `${rule.field}: ${rule.problem}; ${rule.fix}`;
}

/** One `x-kubernetes-validations` entry of a CRD schema node. */
export interface CelValidation {
  rule: string;
  message: string;
  fieldPath?: string;
  optionalOldSelf?: true;
}

/** Status field that says the resource has been deployed (both job kinds have it). */
const DEPLOYED_PATH = ["status", "reconciliationStatus", "lastReconciledSpec"];

/** How a CEL `fieldPath` segment reaches a child node, or undefined when it cannot. */
export type FieldPathStep = (path: Path, key: string) => "property" | "mapKey" | undefined;

/**
 * The CEL validation of `rule`. `fieldPath` (relative to the rule's node) is set when the
 * reported field lies below the node, as `step` tells from the schema: `.name` for a property,
 * `['key']` for a map entry. `ratchet` is for nodes with `x-kubernetes-preserve-unknown-fields`
 * below them, which Kubernetes does not ratchet: the rule then passes an update that leaves
 * its inputs unchanged (see `celInputsUnchanged`), so the operator can still write status and
 * finalizers on an object stored before the rule existed.
 */
export function celValidation(
  rule: ObjectRule,
  step: FieldPathStep,
  opts: { ratchet?: boolean } = {},
): CelValidation {
  const when = rule.when ?? "always";
  let cel = toCel(rule.valid);
  if (when === "creation") cel = `oldSelf.hasValue() || ${cel}`;
  const ratchet = when === "always" && opts.ratchet === true;
  if (ratchet) cel = `(${celInputsUnchanged(rule.valid)}) || ${cel}`;
  if (when === "deployed") {
    if (rule.at.length !== 0) throw new Error(`${rule.id}: deployed rules sit on the root`);
    const notDeployed = DEPLOYED_PATH.map((_, i) =>
      `!has(oldSelf.${DEPLOYED_PATH.slice(0, i + 1).join(".")})`
    ).join(" || ");
    cel = `${notDeployed} || ${cel}`;
  }
  const validation: CelValidation = { rule: cel, message: ruleMessage(rule) };
  const fieldPath = celFieldPath(rule, step);
  if (fieldPath !== undefined) validation.fieldPath = fieldPath;
  if (when === "creation" || ratchet) validation.optionalOldSelf = true;
  return validation;
}

function celFieldPath(rule: ObjectRule, step: FieldPathStep): string | undefined {
  if (!/^[A-Za-z0-9_.-]+$/.test(rule.field)) return undefined;
  const field = rule.field.split(".");
  if (!rule.at.every((segment, i) => field[i] === segment)) return undefined;
  const below = field.slice(rule.at.length);
  if (below.length === 0) return undefined;
  let text = "";
  const path = [...rule.at];
  for (const key of below) {
    const kind = step(path, key);
    if (kind === undefined) return undefined;
    text += kind === "property" ? `.${key}` : `[${celString(key)}]`;
    path.push(key);
  }
  return text;
}

/** A rule the object breaks, with the message to report. */
export interface RuleViolation {
  readonly rule: ObjectRule;
  readonly field: string;
  readonly message: string;
}

/**
 * The rules `object` breaks. `previousSpec` is the spec last deployed (for `deployed` rules);
 * without it those rules do not apply, as a CEL transition rule does not on creation. A rule
 * whose node is absent does not apply either, as in Kubernetes.
 */
export function ruleViolations(
  rules: readonly ObjectRule[],
  object: unknown,
  previousSpec?: unknown,
): RuleViolation[] {
  const violations: RuleViolation[] = [];
  for (const rule of rules) {
    if (!ruleHolds(rule, object, previousSpec)) {
      violations.push({ rule, field: rule.field, message: ruleMessage(rule) });
    }
  }
  return violations;
}

/** Whether `rule` holds for `object` (a rule that does not apply holds). */
export function ruleHolds(rule: ObjectRule, object: unknown, previousSpec?: unknown): boolean {
  const when = rule.when ?? "always";
  if (when === "deployed" && previousSpec === undefined) return true;
  const self = nodeAt(object, rule.at);
  if (self === undefined) return true;
  const scopes = when === "deployed" ? { self, old: { spec: previousSpec } } : { self };
  try {
    return evaluate(rule.valid, scopes) === true;
  } catch (error) {
    // CEL refuses an object whose rule cannot be evaluated; so does the operator.
    if (error instanceof EvaluationError) return false;
    throw error;
  }
}

function nodeAt(object: unknown, path: Path): unknown {
  let current = object;
  for (const key of path) {
    if (typeof current !== "object" || current === null || Array.isArray(current)) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[key];
    if (current === null) return undefined;
  }
  return current;
}
