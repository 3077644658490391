/** Builders and probes for FlinkSessionJobs and their session clusters in integration tests. */
import type { FlinkSessionJob } from "../../lib/api/flink_session_job.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import type { KubeObject } from "../../lib/kube/resource.ts";
import { FlinkDeployments, FlinkSessionJobs } from "../../lib/flink/resources.ts";
import { errorMessageOf } from "../../lib/flink/spec/error_json.ts";
import { waitFor } from "./cluster.ts";
import { application, type Fd, jobManagerUrl, waitForFd } from "./flink.ts";

export type Sj = KubeObject & Pick<FlinkSessionJob, "spec"> & {
  status?: Partial<FlinkSessionJob["status"]>;
};

/** A session cluster like FKO's basic-session example, with state dirs for session jobs. */
export function sessionCluster(
  namespace: string,
  name: string,
  opts: { ha?: boolean; flinkConfiguration?: Record<string, string> } = {},
): KubeObject {
  const app = application(namespace, name, opts) as KubeObject & {
    spec: Record<string, unknown>;
  };
  delete app.spec.job;
  return app;
}

/** Writes a stand-in job jar (the simulator runs any jar) and returns its file:// URI. */
export async function localJar(name = "counter.jar"): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "flinkop-jars-" });
  // A zip end-of-central-directory record: the smallest valid jar.
  await Deno.writeFile(
    `${dir}/${name}`,
    new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]),
  );
  return `file://${dir}/${name}`;
}

/**
 * Operator settings session-job tests need: local jars (file://, and http:// from loopback in
 * the tests that serve one) and a writable artifacts directory.
 */
export async function sessionJobSettings(
  extra: Record<string, string> = {},
): Promise<Record<string, string>> {
  return {
    "kubernetes.operator.user.artifacts.allowed-schemes": "https,http,file",
    "kubernetes.operator.user.artifacts.disallow-restricted-hosts": "false",
    "kubernetes.operator.user.artifacts.base.dir": await Deno.makeTempDir({
      prefix: "flinkop-artifacts-",
    }),
    ...extra,
  };
}

export function sessionJob(
  namespace: string,
  name: string,
  deploymentName: string,
  jarURI: string | undefined,
  opts: {
    upgradeMode?: "stateless" | "savepoint" | "last-state";
    state?: "running" | "suspended";
    job?: Record<string, unknown>;
    flinkConfiguration?: Record<string, string>;
  } = {},
): KubeObject {
  return {
    apiVersion: "flink.apache.org/v1beta1",
    kind: "FlinkSessionJob",
    metadata: { name, namespace },
    spec: {
      deploymentName,
      ...(opts.flinkConfiguration ? { flinkConfiguration: opts.flinkConfiguration } : {}),
      job: {
        ...(jarURI ? { jarURI } : {}),
        entryClass: "org.example.Counter",
        parallelism: 2,
        upgradeMode: opts.upgradeMode ?? "stateless",
        state: opts.state ?? "running",
        ...opts.job,
      },
    },
  } as KubeObject;
}

export async function getSj(client: KubeClient, ns: string, name: string) {
  return await client.get<Sj>(FlinkSessionJobs, ns, name);
}

export async function waitForSj(
  client: KubeClient,
  ns: string,
  name: string,
  description: string,
  predicate: (sj: Sj) => boolean,
  timeoutMs = 90_000,
): Promise<Sj> {
  return await waitFor(`${name}: ${description}`, async () => {
    const sj = await getSj(client, ns, name);
    if (sj && predicate(sj)) return sj;
    throw new Error(`status ${JSON.stringify(sj?.status)}`);
  }, { timeoutMs });
}

/** The message of `status.error` (FKO's error JSON), or "" without one. */
export function errorOf(sj: Sj | undefined): string {
  return errorMessageOf(sj?.status?.error) ?? "";
}

export const isSjRunningStable = (sj: Sj) =>
  sj.status?.jobStatus?.state === "RUNNING" && sj.status?.lifecycleState === "STABLE" &&
  sj.status?.reconciliationStatus?.state === "DEPLOYED";

/** Waits for the session job's given generation to run stably. */
export async function sjUpgraded(
  client: KubeClient,
  ns: string,
  name: string,
  generation: number,
): Promise<Sj> {
  return await waitForSj(
    client,
    ns,
    name,
    `generation ${generation} running and stable`,
    (sj) => sj.status?.observedGeneration === generation && isSjRunningStable(sj),
  );
}

export async function patchSjSpec(
  client: KubeClient,
  ns: string,
  name: string,
  spec: Record<string, unknown>,
): Promise<void> {
  await client.patch(FlinkSessionJobs, ns, name, { spec });
}

export async function createReadySession(
  client: KubeClient,
  ns: string,
  name: string,
  opts: { ha?: boolean; flinkConfiguration?: Record<string, string> } = {},
): Promise<Fd> {
  await client.create(FlinkDeployments, ns, sessionCluster(ns, name, opts));
  return await waitForFd(
    client,
    ns,
    name,
    "READY and STABLE",
    (f) =>
      f.status?.jobManagerDeploymentStatus === "READY" && f.status?.lifecycleState === "STABLE",
  );
}

/** The jobs the session cluster's JobManager knows, by id. */
export async function clusterJobs(
  client: KubeClient,
  ns: string,
  cluster: string,
): Promise<Map<string, string>> {
  const url = await jobManagerUrl(client, ns, cluster);
  const res = await fetch(`${url}/v1/jobs/overview`);
  const body = await res.json() as { jobs: { jid: string; state: string }[] };
  return new Map(body.jobs.map((j) => [j.jid, j.state]));
}

/** The simulated job's counter on the session cluster: its state. */
export async function sessionJobCounter(
  client: KubeClient,
  ns: string,
  cluster: string,
  jobId: string,
): Promise<number> {
  const url = await jobManagerUrl(client, ns, cluster);
  const res = await fetch(`${url}/v1/jobs/${jobId}/accumulators`);
  const body = await res.json() as { "user-task-accumulators"?: { name: string; value: string }[] };
  const entry = body["user-task-accumulators"]?.find((a) => a.name === "counter");
  if (!entry) throw new Error(`no counter accumulator for job ${jobId}: ${JSON.stringify(body)}`);
  return Number(entry.value);
}

/** Waits until the session job runs with some state, returning its job id and generation. */
export async function sjRunningWithState(
  client: KubeClient,
  ns: string,
  name: string,
  minimum = 5,
) {
  const sj = await waitForSj(client, ns, name, "running and stable", isSjRunningStable);
  const jobId = sj.status!.jobStatus!.jobId!;
  await waitFor(
    `${name}'s counter to reach ${minimum}`,
    async () => (await sessionJobCounter(client, ns, sj.spec.deploymentName!, jobId)) >= minimum,
  );
  return { jobId, generation: sj.metadata.generation!, sj };
}
