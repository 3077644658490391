import type { OperatorConfig } from "./config/operator_config.ts";
import type { KubeClient } from "./kube/client.ts";
import type { ResourceType } from "./kube/resource.ts";
import { getLogger } from "./log.ts";
import type { Manager } from "./runtime/manager.ts";
import { flinkDeploymentController } from "./flink/deployment/controller.ts";
import { FlinkDeployments, FlinkSessionJobs, FlinkStateSnapshots } from "./flink/resources.ts";
import { flinkSessionJobController } from "./flink/sessionjob/controller.ts";
import {
  flinkDeploymentJobResolver,
  flinkSessionJobResolver,
  flinkStateSnapshotController,
  snapshotCrdServed,
} from "./flink/snapshot/mod.ts";
import type { JobEnv } from "./flink/job/resource_pass.ts";
import type { SnapshotEnv } from "./flink/snapshot/snapshot_pass.ts";
import { CanaryTracker, withCanaries } from "./flink/canary.ts";
import { getOption } from "./config/option.ts";
import { jobManagerGateMetrics } from "./flink/rest/gate_metrics.ts";
import {
  JOBMANAGER_MAX_CONCURRENT_REQUESTS,
  JOBMANAGER_STALL_TIMEOUT,
} from "./flink/rest/gate_options.ts";
import { JobManagerGate } from "./flink/rest/jobmanager_gate.ts";
import {
  chooseRestAccessMode,
  isRunningInPod,
  parseRestAccessMode,
} from "./flink/rest/access_mode.ts";

export interface ControllerDeps {
  client: KubeClient;
  /** The configuration at start; what is read once (namespaces, selector, ...) comes from here. */
  config: OperatorConfig;
  /**
   * With dynamic configuration: the current configuration, read by every reconcile (so a
   * reloaded one applies from each resource's next pass). Absent: `config` throughout.
   */
  dynamicConfig?: { readonly current: OperatorConfig };
  /** `--rest-access`; picked automatically when absent. */
  restAccess?: string;
  /** Called after every named write-ahead status write (crash-safety tests; see JobEnv). */
  afterWrite?: (point: string) => void;
}

/** Registers every controller; returns the primary kinds (checked for CRDs and RBAC at start). */
export async function registerControllers(
  manager: Manager,
  deps: ControllerDeps,
): Promise<ResourceType[]> {
  const log = getLogger("operator");
  const explicit = deps.restAccess ?? deps.config.raw["flinkop.rest.access-mode"];
  const access = chooseRestAccessMode({
    explicit: explicit ? parseRestAccessMode(explicit) : undefined,
    inCluster: isRunningInPod(),
    apiServerUrl: deps.client.server,
  });
  log.info("reaching JobManager REST APIs via {mode}: {reason}", { ...access });
  // One gate for all controllers bounds what each JobManager can hold (read at start).
  const restGate = new JobManagerGate({
    maxInFlight: getOption(deps.config.raw, JOBMANAGER_MAX_CONCURRENT_REQUESTS),
    stallMs: getOption(deps.config.raw, JOBMANAGER_STALL_TIMEOUT),
  });
  manager.metrics.registry.register(jobManagerGateMetrics(restGate));
  const kinds = [FlinkDeployments, FlinkSessionJobs];
  // FKO: the snapshot controller runs only when enabled and its CRD is installed; otherwise the
  // job controllers record snapshots in the legacy status fields.
  const snapshotResources = deps.config.snapshotResourceEnabled &&
    await snapshotCrdServed(deps.client);
  const current = () => deps.dynamicConfig?.current ?? deps.config;
  const jobEnv: JobEnv = {
    get config() {
      return current();
    },
    restAccess: access.mode,
    restGate,
    now: () => Date.now(),
    snapshotResources,
    afterWrite: deps.afterWrite,
  };
  if (snapshotResources) {
    const raw = {
      get raw() {
        return current().raw;
      },
    };
    const snapshotEnv: SnapshotEnv = {
      get config() {
        return current();
      },
      restAccess: access.mode,
      restGate,
      now: () => Date.now(),
      resolvers: [flinkDeploymentJobResolver(raw), flinkSessionJobResolver(raw)],
    };
    manager.add(flinkStateSnapshotController(snapshotEnv));
    kinds.push(FlinkStateSnapshots);
  } else {
    log.info("FlinkStateSnapshot resources disabled: snapshots go to the legacy status fields");
  }
  // Canary resources (FKO): tracked for the health probe, never deployed.
  const canaryTimeoutMs = () => current().health.canaryResourceTimeoutMs;
  const deploymentCanaries = new CanaryTracker({
    client: deps.client,
    type: FlinkDeployments,
    timeoutMs: canaryTimeoutMs,
  });
  const sessionJobCanaries = new CanaryTracker({
    client: deps.client,
    type: FlinkSessionJobs,
    timeoutMs: canaryTimeoutMs,
  });
  manager.addHealthCheck(
    "a canary resource was not reconciled within kubernetes.operator.health.canary.resource.timeout",
    () => deploymentCanaries.healthy && sessionJobCanaries.healthy,
  );
  manager.add(withCanaries(flinkDeploymentController(jobEnv), deploymentCanaries));
  manager.add(withCanaries(flinkSessionJobController(jobEnv), sessionJobCanaries));
  return kinds;
}
