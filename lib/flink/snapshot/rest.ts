/** A REST client for the JobManager that serves a snapshot's job. */
import type { OperatorConfig } from "../../config/operator_config.ts";
import type { KubeClient } from "../../kube/client.ts";
import type { RestAccessMode } from "../rest/access_mode.ts";
import { FlinkRestClient } from "../rest/client.ts";
import type { JobManagerGate } from "../rest/jobmanager_gate.ts";
import { DEFAULT_REST_PORT, resolveTransport } from "../rest/endpoint.ts";
import type { SnapshotJob } from "./job_target.ts";

export async function jobRestClient(
  job: SnapshotJob,
  deps: {
    kube: KubeClient;
    restAccess: RestAccessMode;
    restGate?: JobManagerGate;
    config: Pick<
      OperatorConfig,
      "flinkClientTimeoutMs" | "cancelTimeoutMs" | "submissionTimeoutMs"
    >;
  },
): Promise<FlinkRestClient> {
  const port = Number(job.config["rest.port"] ?? DEFAULT_REST_PORT) || DEFAULT_REST_PORT;
  const transport = await resolveTransport({
    mode: deps.restAccess,
    kube: deps.kube,
    namespace: job.namespace,
    clusterId: job.clusterId,
    port,
    config: job.config,
    flinkVersion: job.flinkVersion,
  });
  return new FlinkRestClient(transport, {
    defaultMs: deps.config.flinkClientTimeoutMs,
    cancelMs: deps.config.cancelTimeoutMs,
    jarRunMs: deps.config.submissionTimeoutMs,
  }, deps.restGate);
}
