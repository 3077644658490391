/**
 * The "real" container runtime of the node agent: real Flink JobManager and TaskManager JVMs,
 * assembled from Maven Central (dist.ts), started the way a Flink image's entrypoint would start
 * them (runtime.ts). See docs/node-agent.md.
 */
export { createRealRuntime, RealRuntime } from "./runtime.ts";
export {
  COUNTER_ENTRY_CLASS,
  COUNTER_EXAMPLE_JAR_IN_IMAGE,
  COUNTER_JAR_IN_IMAGE,
  ensureFlinkHome,
  ensureRealFlink,
  type FlinkHome,
  flinkHomeDir,
} from "./dist.ts";
export { REAL_FLINK_RELEASES, type RealFlinkRelease, releaseForImage } from "./versions.ts";
