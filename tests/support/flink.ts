/** Builders and probes for FlinkDeployments in integration tests (simulated JobManagers). */
import type { FlinkDeployment, FlinkDeploymentInput } from "../../lib/api/flink_deployment.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { FlinkDeployments, FlinkStateSnapshots } from "../../lib/flink/resources.ts";
import { waitFor } from "./cluster.ts";

export type Fd = KubeObject & Pick<FlinkDeployment, "spec" | "status">;

/** A small application like FKO's basic example, with state dirs under the node's shared fs. */
export function application(
  namespace: string,
  name: string,
  opts: {
    upgradeMode?: "stateless" | "savepoint" | "last-state";
    ha?: boolean;
    state?: "running" | "suspended";
    flinkConfiguration?: Record<string, string>;
    job?: Record<string, unknown>;
    extra?: Record<string, unknown>;
  } = {},
): KubeObject {
  const base = `file:///flink-data/${namespace}/${name}`;
  const conf: Record<string, string> = {
    "taskmanager.numberOfTaskSlots": "2",
    "state.checkpoints.dir": `${base}/checkpoints`,
    "state.savepoints.dir": `${base}/savepoints`,
    "execution.checkpointing.interval": "1 s",
    ...(opts.ha
      ? {
        "high-availability.type": "kubernetes",
        "high-availability.storageDir": `${base}/ha`,
      }
      : {}),
    ...opts.flinkConfiguration,
  };
  const spec: FlinkDeploymentInput["spec"] = {
    image: "flink:1.20",
    flinkVersion: "v1_20",
    serviceAccount: "flink",
    flinkConfiguration: conf,
    jobManager: { resource: { memory: "1024m", cpu: 0.5 } },
    taskManager: { resource: { memory: "1024m", cpu: 0.5 } },
    job: {
      jarURI: "local:///opt/flink/examples/streaming/StateMachineExample.jar",
      parallelism: 2,
      upgradeMode: opts.upgradeMode ?? "stateless",
      state: opts.state ?? "running",
      ...opts.job,
    },
    ...opts.extra,
  };
  return {
    apiVersion: "flink.apache.org/v1beta1",
    kind: "FlinkDeployment",
    metadata: { name, namespace },
    spec,
  } as KubeObject;
}

export async function getFd(client: KubeClient, ns: string, name: string): Promise<Fd | undefined> {
  return await client.get<Fd>(FlinkDeployments, ns, name);
}

export async function waitForFd(
  client: KubeClient,
  ns: string,
  name: string,
  description: string,
  predicate: (fd: Fd) => boolean,
  timeoutMs = 90_000,
): Promise<Fd> {
  return await waitFor(`${name}: ${description}`, async () => {
    const fd = await getFd(client, ns, name);
    return fd && predicate(fd) ? fd : undefined;
  }, { timeoutMs });
}

export const isRunningStable = (fd: Fd) =>
  fd.status?.jobStatus?.state === "RUNNING" && fd.status?.lifecycleState === "STABLE" &&
  fd.status?.reconciliationStatus?.state === "DEPLOYED";

/** Patches the spec with a JSON merge patch. */
export async function patchSpec(
  client: KubeClient,
  ns: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<void> {
  await client.patch(FlinkDeployments, ns, name, { spec });
}

/** The ready JobManager's REST base URL, read from the pod IP. */
export async function jobManagerUrl(client: KubeClient, ns: string, name: string): Promise<string> {
  const pods = await client.list<KubeObject & { status?: { podIP?: string } }>(Resources.pods, ns, {
    labelSelector: `app=${name},component=jobmanager`,
  });
  const ip = pods.items.find((p) => !p.metadata.deletionTimestamp && p.status?.podIP)?.status
    ?.podIP;
  if (!ip) throw new Error(`no JobManager pod with an IP for ${ns}/${name}`);
  return `http://${ip}:8081`;
}

/** The simulated job's counter: its state, which must survive stateful upgrades. */
export async function jobCounter(client: KubeClient, ns: string, name: string): Promise<number> {
  const fd = await getFd(client, ns, name);
  const jobId = fd?.status?.jobStatus?.jobId;
  if (!jobId) throw new Error(`${name} has no job id`);
  const url = await jobManagerUrl(client, ns, name);
  const res = await fetch(`${url}/v1/jobs/${jobId}/accumulators`);
  const body = await res.json() as { "user-task-accumulators"?: { name: string; value: string }[] };
  const entry = body["user-task-accumulators"]?.find((a) => a.name === "counter");
  if (!entry) throw new Error(`no counter accumulator for job ${jobId}: ${JSON.stringify(body)}`);
  return Number(entry.value);
}

/** Events recorded for a resource, newest last. */
/**
 * The events about the Flink resource `name` (FlinkDeployment, FlinkSessionJob or
 * FlinkStateSnapshot). A Service or Deployment of the same name has events of its own from the
 * controller manager (e.g. a retried EndpointSlice update), which are not the operator's.
 */
export async function eventsFor(
  client: KubeClient,
  ns: string,
  name: string,
): Promise<RecordedEvent[]> {
  const list = await client.list(Resources.events, ns, {
    fieldSelector: `involvedObject.name=${name}`,
  });
  return (list.items as unknown as (RecordedEvent & {
    involvedObject?: { apiVersion?: string };
  })[]).filter((e) => e.involvedObject?.apiVersion?.startsWith("flink.apache.org/") ?? true);
}

export interface RecordedEvent {
  reason: string;
  message: string;
  type: string;
  count?: number;
  /** FKO's component: Operator, JobManagerDeployment, Job, Snapshot. */
  source?: { component?: string };
}

export interface SnapshotObject extends KubeObject {
  spec?: { savepoint?: { path?: string; alreadyExists?: boolean } };
  status?: { state?: string; path?: string };
}

/** The UPGRADE FlinkStateSnapshots the operator recorded for a job (FKO's default mode). */
export async function upgradeSnapshots(
  client: KubeClient,
  ns: string,
  name: string,
): Promise<SnapshotObject[]> {
  const list = await client.list<SnapshotObject>(FlinkStateSnapshots, ns, {
    labelSelector: `job-reference.name=${name},snapshot.trigger-type=UPGRADE`,
  });
  return list.items;
}
