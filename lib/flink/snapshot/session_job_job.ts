/**
 * The FlinkSessionJob side of snapshots: a session job's snapshots go through the REST API of
 * its session cluster, with the session job's effective configuration (savepoint directory,
 * operator options). Changes of the session cluster reach its session jobs' snapshots too.
 */
import { safeParseFlinkDeployment, safeParseFlinkSessionJob } from "../../api/parse.ts";
import type { OperatorConfig } from "../../config/operator_config.ts";
import { keyOf } from "../../kube/resource.ts";
import { FlinkDeployments, FlinkSessionJobs } from "../resources.ts";
import { sessionJobConfig } from "../session_job_config.ts";
import { jobKey, type SnapshotJob, type SnapshotJobResolver } from "./job_target.ts";

export function flinkSessionJobResolver(
  config: Pick<OperatorConfig, "raw">,
): SnapshotJobResolver {
  return {
    kind: "FlinkSessionJob",
    watches: [FlinkSessionJobs, FlinkDeployments],
    jobsAffectedBy(obj, type) {
      const { namespace, name } = obj.metadata;
      if (!namespace || !name) return [];
      // A session cluster is indexed under its own key (see SnapshotIndex); a session job too.
      return [jobKey(namespace, type.kind, name)];
    },
    resolve(caches, namespace, name): SnapshotJob | undefined {
      const raw = caches.cache(FlinkSessionJobs).get(keyOf({ namespace, name }));
      if (!raw) return undefined;
      const parsed = safeParseFlinkSessionJob(raw);
      if (!parsed.ok) {
        return { kind: "FlinkSessionJob", namespace, name, clusterId: "", config: {} };
      }
      const job = parsed.value;
      const clusterId = job.spec.deploymentName ?? "";
      const sessionRaw = clusterId
        ? caches.cache(FlinkDeployments).get(keyOf({ namespace, name: clusterId }))
        : undefined;
      const session = sessionRaw ? safeParseFlinkDeployment(sessionRaw) : undefined;
      const sessionSpec = session?.ok ? session.value.spec : undefined;
      const rc = sessionJobConfig(config, namespace, job.spec, sessionSpec);
      return {
        kind: "FlinkSessionJob",
        namespace,
        name,
        clusterId,
        config: rc.flat,
        flinkVersion: sessionSpec?.flinkVersion,
        jobId: job.status.jobStatus.jobId,
        jobState: job.status.jobStatus.state,
      };
    },
  };
}
