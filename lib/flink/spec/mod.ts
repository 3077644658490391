/**
 * Pure decision logic of the FlinkDeployment controller: spec validation, spec diff
 * classification, lifecycle state and conditions, the job upgrade decision, the rollback
 * predicate and the `status.error` document. No I/O; the controller feeds in what it observed.
 */
export * from "./validate.ts";
export * from "./validate_session_job.ts";
export * from "./diff.ts";
export * from "./lifecycle.ts";
export * from "./conditions.ts";
export * from "./upgrade.ts";
export * from "./rollback.ts";
export * from "./error_json.ts";
export * from "./error_fragments.ts";
export * from "./redact_text.ts";
export * from "./state_dirs.ts";
