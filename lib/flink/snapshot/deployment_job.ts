/**
 * The FlinkDeployment side of snapshots: an application FlinkDeployment is its own job, reached
 * through its own JobManager REST API.
 */
import { safeParseFlinkDeployment } from "../../api/parse.ts";
import type { OperatorConfig } from "../../config/operator_config.ts";
import { effectiveResourceConfig } from "../../config/resource_config.ts";
import { keyOf } from "../../kube/resource.ts";
import { FlinkDeployments } from "../resources.ts";
import { jobKey, type SnapshotJob, type SnapshotJobResolver } from "./job_target.ts";

export function flinkDeploymentJobResolver(
  config: Pick<OperatorConfig, "raw">,
): SnapshotJobResolver {
  return {
    kind: "FlinkDeployment",
    watches: [FlinkDeployments],
    jobsAffectedBy(obj) {
      const { namespace, name } = obj.metadata;
      return namespace && name ? [jobKey(namespace, "FlinkDeployment", name)] : [];
    },
    resolve(caches, namespace, name): SnapshotJob | undefined {
      const raw = caches.cache(FlinkDeployments).get(keyOf({ namespace, name }));
      if (!raw) return undefined;
      const parsed = safeParseFlinkDeployment(raw);
      if (!parsed.ok) {
        // Unreadable: it exists, but nothing about its job is known (so it is not running).
        return { kind: "FlinkDeployment", namespace, name, clusterId: name, config: {} };
      }
      const dep = parsed.value;
      // FKO reads snapshot settings (savepoint dir, operator options) from the current spec.
      const rc = effectiveResourceConfig(config, {
        namespace,
        flinkVersion: dep.spec.flinkVersion,
        flinkConfiguration: dep.spec.flinkConfiguration,
      });
      const job = dep.spec.job ? dep.status.jobStatus : undefined;
      return {
        kind: "FlinkDeployment",
        namespace,
        name,
        clusterId: name,
        config: rc.flat,
        flinkVersion: dep.spec.flinkVersion,
        jobId: job?.jobId,
        jobState: job?.state,
      };
    },
  };
}
