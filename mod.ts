/**
 * flinkop as a library: the v1beta1 API (zod schemas, types, CRDs), the domain-free reconcile
 * runtime, the Kubernetes client, configuration, and the operator's controllers. `main.ts` is the
 * CLI built on these.
 */
export * from "./lib/api/mod.ts";
export * from "./lib/runtime/mod.ts";
export {
  ApiError,
  apiVersionOf,
  ConnectionError,
  isConflict,
  isForbidden,
  isGone,
  isNotFound,
  keyOf,
  KubeClient,
  type KubeObject,
  loadKubeConfig,
  type ObjectKey,
  Resources,
  type ResourceType,
  type WatchEvent,
} from "./lib/kube/mod.ts";
export { loadOperatorConfig, type OperatorConfig } from "./lib/config/operator_config.ts";
export { effectiveResourceConfig, type ResourceConfig } from "./lib/config/resource_config.ts";
export { OPTIONS } from "./lib/config/options.ts";
export { getLogger, redactSecrets, setupLogging, withResourceContext } from "./lib/log.ts";
export { registerControllers } from "./lib/controllers.ts";
export { flinkDeploymentController } from "./lib/flink/deployment/controller.ts";
export { FlinkDeployments, FlinkSessionJobs, FlinkStateSnapshots } from "./lib/flink/resources.ts";
export { FlinkRestClient } from "./lib/flink/rest/client.ts";
export { runOperator } from "./lib/operator.ts";
export { VERSION } from "./lib/version.ts";
