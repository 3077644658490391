import { getLogger } from "@logtape/logtape";
import {
  type FlinkDeployment,
  type FlinkDeploymentStatus,
  FlinkDeploymentStatusSchema,
} from "../../api/flink_deployment.ts";
import { toKnownFields } from "../../api/known_fields.ts";
import type { OperatorConfig } from "../../config/operator_config.ts";
import type { ResourceConfig } from "../../config/resource_config.ts";
import type { KubeObject } from "../../kube/resource.ts";
import type { ReconcileContext } from "../../runtime/controller.ts";
import type { EventSpec } from "../../runtime/events.ts";
import type { RestAccessMode } from "../rest/access_mode.ts";
import { FlinkRestClient } from "../rest/client.ts";
import { resolveTransport } from "../rest/endpoint.ts";
import { computeLifecycleState, deploymentConditions } from "../spec/mod.ts";

const log = getLogger(["flinkop", "deployment"]);

export type RawFlinkDeployment = KubeObject & { spec?: unknown; status?: unknown };

/** Operator-wide inputs of the FlinkDeployment controller. */
export interface DeploymentEnv {
  config: OperatorConfig;
  restAccess: RestAccessMode;
  now: () => number;
  /**
   * Test-only fault injection (FLINKOP_TEST_CRASH_AT): exit the process right after the named
   * write-ahead status write, to prove a restarted operator resumes correctly.
   */
  crashPoints: ReadonlySet<string>;
}

/** Everything one reconcile pass of one FlinkDeployment works with. */
export interface Pass {
  raw: RawFlinkDeployment;
  /** Parsed resource; `spec` may be the last valid spec when the current one is invalid. */
  dep: FlinkDeployment;
  /** `dep.status`, mutated in place and persisted with `save`. */
  status: FlinkDeploymentStatus;
  rc: ResourceConfig;
  ctx: ReconcileContext<RawFlinkDeployment>;
  env: DeploymentEnv;
  ns: string;
  name: string;
}

/**
 * Persists the status (lifecycle state and conditions recomputed first, as FKO does on every
 * write). `point` names a write-ahead step for crash testing.
 */
export async function save(p: Pass, point?: string): Promise<void> {
  p.status.lifecycleState = computeLifecycleState(p.status, { kind: "FlinkDeployment" });
  p.status.conditions = deploymentConditions(p.status, {
    isApplication: isApplication(p),
    now: new Date(p.env.now()),
  });
  const status = toKnownFields(FlinkDeploymentStatusSchema, p.status);
  await p.ctx.writeStatus(p.raw, status);
  if (point && p.env.crashPoints.has(point)) {
    log.warn("test crash point {point} reached: exiting", { point });
    Deno.exit(137);
  }
}

export async function event(p: Pass, spec: EventSpec): Promise<void> {
  await p.ctx.events.record(p.raw, spec);
}

/**
 * A REST client for this cluster, resolved once per pass: endpoint resolution costs API calls
 * (EndpointSlices, and the Service's pods on the local cluster). `forgetRest` drops it when the
 * cluster is removed or redeployed, so a later call finds the new JobManager.
 */
export function rest(p: Pass): Promise<FlinkRestClient> {
  let client = restClients.get(p);
  if (!client) {
    client = resolveRest(p);
    restClients.set(p, client);
    // A failed resolution (no ready JobManager yet) is retried by the next call.
    client.catch(() => forgetRest(p));
  }
  return client;
}

export function forgetRest(p: Pass): void {
  restClients.delete(p);
}

const restClients = new WeakMap<Pass, Promise<FlinkRestClient>>();

async function resolveRest(p: Pass): Promise<FlinkRestClient> {
  const port = Number(p.rc.flat["rest.port"] ?? 8081) || 8081;
  const transport = await resolveTransport({
    mode: p.env.restAccess,
    kube: p.ctx.client,
    namespace: p.ns,
    clusterId: p.name,
    port,
  });
  return new FlinkRestClient(transport, {
    defaultMs: p.env.config.flinkClientTimeoutMs,
    cancelMs: p.env.config.cancelTimeoutMs,
    jarRunMs: p.env.config.submissionTimeoutMs,
  });
}

export function isApplication(p: Pass): boolean {
  return p.dep.spec.job !== undefined && p.dep.spec.job !== null;
}
