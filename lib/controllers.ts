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
import {
  chooseRestAccessMode,
  isRunningInPod,
  parseRestAccessMode,
} from "./flink/rest/access_mode.ts";

export interface ControllerDeps {
  client: KubeClient;
  config: OperatorConfig;
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
  const kinds = [FlinkDeployments, FlinkSessionJobs];
  // FKO: the snapshot controller runs only when enabled and its CRD is installed; otherwise the
  // job controllers record snapshots in the legacy status fields.
  const snapshotResources = deps.config.snapshotResourceEnabled &&
    await snapshotCrdServed(deps.client);
  const jobEnv: JobEnv = {
    config: deps.config,
    restAccess: access.mode,
    now: () => Date.now(),
    snapshotResources,
    afterWrite: deps.afterWrite,
  };
  if (snapshotResources) {
    manager.add(flinkStateSnapshotController({
      config: deps.config,
      restAccess: access.mode,
      now: () => Date.now(),
      resolvers: [flinkDeploymentJobResolver(deps.config), flinkSessionJobResolver(deps.config)],
    }));
    kinds.push(FlinkStateSnapshots);
  } else {
    log.info("FlinkStateSnapshot resources disabled: snapshots go to the legacy status fields");
  }
  manager.add(flinkDeploymentController(jobEnv));
  manager.add(flinkSessionJobController(jobEnv));
  return kinds;
}
