/** What validation reports: each problem names its field and says how to fix it. */
import { type ObjectRule, type RuleViolation, ruleViolations } from "../../api/mod.ts";

export interface ValidationIssue {
  /** Path of the offending field, e.g. `spec.job.parallelism`. */
  readonly field: string;
  /** Full sentence starting with the field: what is wrong and how to fix it. */
  readonly message: string;
}

/** Reports one problem: `field: problem; fix`. */
export type Report = (field: string, problem: string, fix: string) => void;

/** One string for `status.error` and the `ValidationError` event. */
export function formatValidationError(issues: readonly ValidationIssue[]): string {
  if (issues.length === 0) return "";
  if (issues.length === 1) return issues[0].message;
  return `${issues.length} problems: ` +
    issues.map((issue, index) => `(${index + 1}) ${issue.message}`).join(" ");
}

/**
 * Reports the object rules (lib/api/rules) an object breaks, a field at a time, so the
 * operator's messages come in the order of its other checks.
 */
export class RuleReporter {
  private pending: RuleViolation[];

  constructor(
    rules: readonly ObjectRule[],
    object: unknown,
    previousSpec: unknown,
    private readonly issues: ValidationIssue[],
  ) {
    this.pending = ruleViolations(rules, object, previousSpec);
  }

  /** Reports the broken rules whose field is `field` or below it. */
  report(field: string): void {
    const [now, later] = partition(
      this.pending,
      (v) => v.field === field || v.field.startsWith(`${field}.`),
    );
    this.pending = later;
    for (const v of now) this.issues.push({ field: v.field, message: v.message });
  }

  /** Reports every broken rule not reported yet. */
  reportRemaining(): void {
    for (const v of this.pending) this.issues.push({ field: v.field, message: v.message });
    this.pending = [];
  }
}

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}
