/**
 * The `flink.apache.org/v1beta1` API: zod schemas (the single source of truth), inferred types,
 * enum values, names, lenient parsing, the lastReconciledSpec codec and CRD generation.
 */
export * from "./enums.ts";
export * from "./kinds.ts";
export * from "./object_meta.ts";
export * from "./job_spec.ts";
export * from "./resource_spec.ts";
export * from "./component_spec.ts";
export * from "./ingress_spec.ts";
export * from "./job_status.ts";
export * from "./reconciliation_status.ts";
export * from "./condition.ts";
export * from "./flink_deployment.ts";
export * from "./flink_session_job.ts";
export * from "./flink_state_snapshot.ts";
export * from "./parse.ts";
export * from "./jackson_json.ts";
export * from "./known_fields.ts";
export * from "./reconciled_spec.ts";
export * from "./crd_gen.ts";
export * from "./crds.ts";
export { type WireHint, wireHints } from "./wire_hints.ts";
export {
  FLINK_DEPLOYMENT_RULES,
  FLINK_SESSION_JOB_RULES,
  FLINK_STATE_SNAPSHOT_RULES,
  type ObjectRule,
  ruleMessage,
  type RuleViolation,
  ruleViolations,
} from "./rules/mod.ts";
