export * from "./expr.ts";
export * from "./rule.ts";
export * from "./job_rules.ts";
export * from "./deployment_rules.ts";
export * from "./session_job_rules.ts";
export * from "./snapshot_rules.ts";
