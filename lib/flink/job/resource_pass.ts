/**
 * Everything one reconcile pass of a FlinkDeployment or a FlinkSessionJob works with, and the
 * few things each pass does the same way for both kinds: write status, record an event, reach
 * the JobManager's REST API. FKO keeps the same in its `FlinkResourceContext`.
 */
import type { JobSpec } from "../../api/job_spec.ts";
import type { JobStatus } from "../../api/job_status.ts";
import type { ReconciledKind } from "../../api/reconciled_spec.ts";
import type { ReconciliationStatus } from "../../api/reconciliation_status.ts";
import type { ResourceLifecycleState } from "../../api/enums.ts";
import type { OperatorConfig } from "../../config/operator_config.ts";
import type { ResourceConfig } from "../../config/resource_config.ts";
import { type KubeObject, Resources } from "../../kube/resource.ts";
import type { ReconcileContext } from "../../runtime/controller.ts";
import type { EventSpec } from "../../runtime/events.ts";
import type { RestAccessMode } from "../rest/access_mode.ts";
import { FlinkRestClient } from "../rest/client.ts";
import type { JobManagerGate } from "../rest/jobmanager_gate.ts";
import { DEFAULT_REST_PORT, resolveTransport } from "../rest/endpoint.ts";
import { jobManagerPods } from "../rest/transport_cache.ts";
import type { JobDriver } from "./job_driver.ts";
import type { JobMemory } from "./job_memory.ts";

export type RawResource = KubeObject & { spec?: unknown; status?: unknown };

/** The spec fields the job lifecycle reads; FlinkDeploymentSpec and FlinkSessionJobSpec fit. */
export interface JobResourceSpec {
  [field: string]: unknown;
  job?: JobSpec;
  restartNonce?: number;
  flinkConfiguration: Record<string, unknown>;
}

/** The status fields both kinds share (FKO `CommonStatus`). */
export interface JobResourceStatus {
  jobStatus: JobStatus;
  error?: string;
  observedGeneration?: number;
  lifecycleState?: ResourceLifecycleState;
  reconciliationStatus: ReconciliationStatus;
}

/** Operator-wide inputs of the FlinkDeployment and FlinkSessionJob controllers. */
export interface JobEnv {
  readonly config: OperatorConfig;
  readonly restAccess: RestAccessMode;
  /** Bounds the REST requests to each JobManager (jobmanager_gate.ts); none: sent directly. */
  readonly restGate?: JobManagerGate;
  readonly now: () => number;
  /**
   * The operator runs the FlinkStateSnapshot controller (decided once at start, as in FKO):
   * without it snapshots go to the legacy status fields whatever a resource asks for.
   */
  readonly snapshotResources: boolean;
  /**
   * Called after every named write-ahead status write (`save(p, point)`) and after the first
   * object of a deploy (`jobmanager-deployment-created`). Production passes nothing; the
   * crash-safety tests inject a hook that kills the process at a chosen point.
   */
  readonly afterWrite?: (point: string) => void;
}

/**
 * One pass over one resource. `spec` may be the last valid spec when the current one is
 * invalid; `status` is mutated in place and persisted with {@link save}.
 */
export interface ResourcePass<
  S extends JobResourceSpec = JobResourceSpec,
  St extends JobResourceStatus = JobResourceStatus,
> {
  readonly kind: ReconciledKind;
  readonly raw: RawResource;
  spec: S;
  readonly status: St;
  rc: ResourceConfig;
  readonly ctx: ReconcileContext<RawResource>;
  readonly env: JobEnv;
  readonly memory: JobMemory;
  readonly ns: string;
  readonly name: string;
  /**
   * The generation being reconciled: `metadata.generation`, or — while an invalid spec is set
   * aside for the last valid one — the generation that was last reconciled (as FKO resets it), so
   * `observedGeneration` never claims an invalid spec was acted on.
   */
  generation: number | undefined;
  /** What differs between an application cluster's job and a session job. */
  readonly driver: JobDriver<this>;
  /** The REST client of this pass, resolved on first use (see {@link rest}). */
  restClient?: Promise<FlinkRestClient>;
  /**
   * Set by the observer when the job ended so recently that Flink may still serve checkpoint
   * statistics from before (observe_job.ts): the end is not recorded yet, and the reconcile
   * waits this many milliseconds instead of deciding from the state before it.
   */
  lastCheckpointUnknownForMs?: number;
}

/**
 * Persists the status, letting the driver recompute what FKO derives on every write (lifecycle
 * state, conditions). `point` names a write-ahead step: the crash-safety tests stop there.
 */
export async function save(p: ResourcePass, point?: string): Promise<void> {
  await p.ctx.writeStatus(p.raw, p.driver.statusToWrite(p));
  if (point) p.env.afterWrite?.(point);
}

export async function event(p: ResourcePass, spec: EventSpec): Promise<void> {
  await p.ctx.events.record(p.raw, spec);
}

/** Identity of the resource for per-resource memory: its uid, else its key. */
export function uidOf(p: Pick<ResourcePass, "raw" | "ns" | "name">): string {
  return p.raw.metadata.uid ?? `${p.ns}/${p.name}`;
}

/**
 * The REST client of the JobManager serving this job, resolved once per pass: resolution costs
 * API calls (EndpointSlices, the Service's pods). `forgetRest` drops it when the cluster is
 * removed or redeployed, so a later call finds the new JobManager.
 */
export function rest(p: ResourcePass): Promise<FlinkRestClient> {
  if (!p.restClient) {
    const client = resolveRest(p);
    p.restClient = client;
    // A failed resolution (no ready JobManager yet) is retried by the next call.
    client.catch(() => {
      if (p.restClient === client) p.restClient = undefined;
    });
  }
  return p.restClient;
}

export function forgetRest(p: ResourcePass): void {
  p.restClient = undefined;
  p.memory.transports.forget(uidOf(p));
}

async function resolveRest(p: ResourcePass): Promise<FlinkRestClient> {
  const port = Number(p.rc.flat["rest.port"] ?? DEFAULT_REST_PORT) || DEFAULT_REST_PORT;
  const clusterId = p.driver.clusterId(p);
  // Reused while the JobManager pods in the watch cache are the ones it was resolved for (and
  // its settings are the same): resolving costs API requests on every pass otherwise.
  const settings = Object.entries(p.rc.flat).filter(([k]) => k.startsWith("security.ssl."));
  const target = `${p.env.restAccess}|${p.ns}/${clusterId}|${port}|${JSON.stringify(settings)}`;
  const pods = jobManagerPods(p.ctx.cache(Resources.pods), p.ns, clusterId);
  const transport = await p.memory.transports.reuse(
    uidOf(p),
    { target, pods },
    () =>
      resolveTransport({
        mode: p.env.restAccess,
        kube: p.ctx.client,
        namespace: p.ns,
        clusterId,
        port,
        config: p.rc.flat,
        flinkVersion: p.rc.flinkVersion,
      }),
  );
  return new FlinkRestClient(transport, {
    defaultMs: p.env.config.flinkClientTimeoutMs,
    cancelMs: p.env.config.cancelTimeoutMs,
    jarRunMs: p.env.config.submissionTimeoutMs,
  }, p.env.restGate);
}
