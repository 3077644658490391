/**
 * The resources a chaos run keeps alive: one job per upgrade mode, as FKO users run them. Each
 * cycle changes one of them while faults land; all of them are checked after every cycle.
 */
import type { KubeObject } from "../../lib/kube/resource.ts";
import { application } from "../../tests/support/flink.ts";
import { sessionCluster, sessionJob } from "../../tests/support/session_job.ts";

export type UpgradeMode = "stateless" | "savepoint" | "last-state";

export interface ChaosJob {
  name: string;
  kind: "FlinkDeployment" | "FlinkSessionJob";
  upgradeMode: UpgradeMode;
  /** The FlinkDeployment whose JobManager runs the job (itself for an application). */
  cluster: string;
  /** The job's cluster keeps Kubernetes HA metadata. */
  ha: boolean;
  /** A session job's entry class: the simulator names the job after it, which tells jobs apart. */
  entryClass?: string;
}

export interface ChaosCluster {
  name: string;
  ha: boolean;
  /** A session cluster (no job of its own); else an application cluster of the job `name`. */
  session: boolean;
}

export interface Fleet {
  jobs: ChaosJob[];
  clusters: ChaosCluster[];
}

const SESSION = "sess";

/** Every upgrade mode: stateless, savepoint, last-state with and without HA, session jobs. */
export const FULL_FLEET: Fleet = {
  jobs: [
    { name: "sl", kind: "FlinkDeployment", upgradeMode: "stateless", cluster: "sl", ha: false },
    { name: "sp", kind: "FlinkDeployment", upgradeMode: "savepoint", cluster: "sp", ha: false },
    { name: "ls", kind: "FlinkDeployment", upgradeMode: "last-state", cluster: "ls", ha: false },
    { name: "lsha", kind: "FlinkDeployment", upgradeMode: "last-state", cluster: "lsha", ha: true },
    {
      name: "sjsp",
      kind: "FlinkSessionJob",
      upgradeMode: "savepoint",
      cluster: SESSION,
      ha: true,
      entryClass: "org.example.ChaosSavepointJob",
    },
    {
      name: "sjls",
      kind: "FlinkSessionJob",
      upgradeMode: "last-state",
      cluster: SESSION,
      ha: true,
      entryClass: "org.example.ChaosLastStateJob",
    },
  ],
  clusters: [
    { name: "sl", ha: false, session: false },
    { name: "sp", ha: false, session: false },
    { name: "ls", ha: false, session: false },
    { name: "lsha", ha: true, session: false },
    { name: SESSION, ha: true, session: true },
  ],
};

/** The CI smoke: a savepoint application, last-state with HA, and a session job. */
export const SMOKE_FLEET: Fleet = {
  jobs: FULL_FLEET.jobs.filter((j) => ["sp", "lsha", "sjls"].includes(j.name)),
  clusters: FULL_FLEET.clusters.filter((c) => ["sp", "lsha", SESSION].includes(c.name)),
};

export function isStateful(job: ChaosJob): boolean {
  return job.upgradeMode !== "stateless";
}

/** The program argument that names the spec generation a job was started with. */
export function marker(version: number): string {
  return `chaos-spec-${version}`;
}

/** The application FlinkDeployment of a job, or a session job, at spec `version`. */
export function jobManifest(
  ns: string,
  job: ChaosJob,
  jarURI: string,
  version: number,
): KubeObject {
  const args = ["--spec", marker(version)];
  if (job.kind === "FlinkDeployment") {
    return application(ns, job.name, {
      upgradeMode: job.upgradeMode,
      ha: job.ha,
      job: { args },
    });
  }
  return sessionJob(ns, job.name, job.cluster, jarURI, {
    upgradeMode: job.upgradeMode,
    job: { args, entryClass: job.entryClass },
  });
}

export function sessionClusterManifest(ns: string, cluster: ChaosCluster): KubeObject {
  return sessionCluster(ns, cluster.name, { ha: cluster.ha });
}
