/**
 * The node agent's "flinkop" runtime: runs the operator's own image (the Helm chart's Deployment)
 * as this checkout's main.ts under the compiled binary's permissions. See runtime.ts and
 * docs/node-agent.md ("The flinkop runtime").
 */
export { createOperatorImageRuntime, isOperatorImage, OperatorImageRuntime } from "./runtime.ts";
