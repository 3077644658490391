/** A pass over one FlinkDeployment: the shared resource pass with FlinkDeployment's types. */
import type {
  FlinkDeployment,
  FlinkDeploymentSpec,
  FlinkDeploymentStatus,
} from "../../api/flink_deployment.ts";
import { effectiveResourceConfig } from "../../config/resource_config.ts";
import { type KubeObject, Resources } from "../../kube/resource.ts";
import type { JobEnv, RawResource, ResourcePass } from "../job/resource_pass.ts";

export interface DeploymentPass extends ResourcePass<FlinkDeploymentSpec, FlinkDeploymentStatus> {
  /** The resource as parsed at the start of the pass; `spec` is what is being reconciled. */
  readonly resource: FlinkDeployment;
}

/** The JobManager Deployment of this cluster from the watch cache. */
export function jmDeployment(p: DeploymentPass): KubeObject | undefined {
  return p.ctx.cache(Resources.deployments).get(`${p.ns}/${p.name}`);
}

/** An application cluster runs a job; a session cluster (no `spec.job`) runs session jobs. */
export function isApplication(p: Pick<DeploymentPass, "spec">): boolean {
  return p.spec.job !== undefined && p.spec.job !== null;
}

/** The effective configuration of a FlinkDeployment with `spec`. */
export function deploymentConfig(raw: RawResource, spec: FlinkDeploymentSpec, env: JobEnv) {
  return effectiveResourceConfig(env.config, {
    namespace: raw.metadata.namespace,
    flinkVersion: spec.flinkVersion,
    flinkConfiguration: spec.flinkConfiguration,
  });
}
