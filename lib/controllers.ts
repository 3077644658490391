import type { OperatorConfig } from "./config/operator_config.ts";
import type { KubeClient } from "./kube/client.ts";
import type { ResourceType } from "./kube/resource.ts";
import { getLogger } from "./log.ts";
import type { Manager } from "./runtime/manager.ts";
import { flinkDeploymentController } from "./flink/deployment/controller.ts";
import { FlinkDeployments, FlinkStateSnapshots } from "./flink/resources.ts";
import {
  flinkDeploymentJobResolver,
  flinkStateSnapshotController,
  markSnapshotResourcesAvailable,
  snapshotCrdServed,
} from "./flink/snapshot/mod.ts";
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
}

/** Test-only crash points, see lib/flink/deployment/pass.ts. */
function crashPoints(): Set<string> {
  const value = Deno.env.get("FLINKOP_TEST_CRASH_AT") ?? "";
  return new Set(value.split(",").map((s) => s.trim()).filter(Boolean));
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
  const deploymentEnv = {
    config: deps.config,
    restAccess: access.mode,
    now: () => Date.now(),
    crashPoints: crashPoints(),
  };
  const kinds = [FlinkDeployments];
  // FKO: the snapshot controller runs only when enabled and its CRD is installed; otherwise the
  // job controllers record snapshots in the legacy status fields.
  if (deps.config.snapshotResourceEnabled && await snapshotCrdServed(deps.client)) {
    markSnapshotResourcesAvailable(deploymentEnv);
    manager.add(flinkStateSnapshotController({
      config: deps.config,
      restAccess: access.mode,
      now: () => Date.now(),
      resolvers: [flinkDeploymentJobResolver(deps.config)],
    }));
    kinds.push(FlinkStateSnapshots);
  } else {
    log.info("FlinkStateSnapshot resources disabled: snapshots go to the legacy status fields");
  }
  manager.add(flinkDeploymentController(deploymentEnv));
  return kinds;
}
