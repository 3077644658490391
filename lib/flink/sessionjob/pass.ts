/** A pass over one FlinkSessionJob: the shared resource pass plus its session cluster. */
import type { FlinkDeployment } from "../../api/flink_deployment.ts";
import type {
  FlinkSessionJob,
  FlinkSessionJobSpec,
  FlinkSessionJobStatus,
} from "../../api/flink_session_job.ts";
import type { ResourcePass } from "../job/resource_pass.ts";

export interface SessionJobPass extends ResourcePass<FlinkSessionJobSpec, FlinkSessionJobStatus> {
  /** The resource as parsed at the start of the pass; `spec` is what is being reconciled. */
  readonly resource: FlinkSessionJob;
  /** The session cluster (`spec.deploymentName`) from the watch cache, if it exists. */
  readonly session?: FlinkDeployment;
}
