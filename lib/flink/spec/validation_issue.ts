/** What validation reports: each problem names its field and says how to fix it. */

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
