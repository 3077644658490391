/**
 * The resources operator.scale applies: N FlinkDeployments in a mix like a platform's — mostly
 * application clusters (savepoint and last-state upgrade modes, Kubernetes HA on about half of
 * them, periodic savepoints on a fifth, a few stateless ones) and about 2 % session clusters with
 * two FlinkSessionJobs each. Checkpoints every minute, as production jobs commonly do (the
 * simulator writes each one, and HA clusters update their HA ConfigMap with it).
 */
import type { KubeObject } from "../../lib/kube/resource.ts";
import { application } from "../../tests/support/flink.ts";
import { sessionCluster, sessionJob } from "../../tests/support/session_job.ts";

export type UpgradeMode = "savepoint" | "last-state" | "stateless";

export interface AppPlan {
  name: string;
  upgradeMode: UpgradeMode;
  ha: boolean;
  periodicSavepoint: boolean;
}

export interface SessionPlan {
  name: string;
  jobs: { name: string; upgradeMode: UpgradeMode }[];
}

export interface FleetPlan {
  apps: AppPlan[];
  sessions: SessionPlan[];
  /** FlinkDeployments in all: apps + session clusters = N. */
  deployments: number;
  sessionJobs: number;
}

/** Repeats every 20 applications: 11 savepoint (3 with HA), 7 last-state (HA), 2 stateless. */
const PATTERN: { upgradeMode: UpgradeMode; ha: boolean }[] = [
  ...Array(8).fill({ upgradeMode: "savepoint", ha: false }),
  ...Array(3).fill({ upgradeMode: "savepoint", ha: true }),
  ...Array(7).fill({ upgradeMode: "last-state", ha: true }),
  ...Array(2).fill({ upgradeMode: "stateless", ha: false }),
];

export const CHECKPOINT_INTERVAL = "1 min";
export const PERIODIC_SAVEPOINT_INTERVAL = "10 min";

export function fleetPlan(n: number): FleetPlan {
  const sessionCount = n >= 50 ? Math.max(1, Math.round(n * 0.02)) : 0;
  const sessions: SessionPlan[] = Array.from({ length: sessionCount }, (_, i) => {
    const name = `session-${String(i + 1).padStart(2, "0")}`;
    return {
      name,
      jobs: [
        { name: `${name}-job-a`, upgradeMode: "savepoint" },
        { name: `${name}-job-b`, upgradeMode: "stateless" },
      ],
    };
  });
  const apps: AppPlan[] = Array.from({ length: n - sessionCount }, (_, i) => ({
    name: `app-${String(i + 1).padStart(4, "0")}`,
    ...PATTERN[i % PATTERN.length],
    // Spread over the pattern so every kind has some.
    periodicSavepoint: i % 5 === 2,
  }));
  return {
    apps,
    sessions,
    deployments: apps.length + sessions.length,
    sessionJobs: sessions.reduce((sum, s) => sum + s.jobs.length, 0),
  };
}

export function appObject(namespace: string, app: AppPlan): KubeObject {
  return application(namespace, app.name, {
    upgradeMode: app.upgradeMode,
    ha: app.ha,
    flinkConfiguration: {
      "execution.checkpointing.interval": CHECKPOINT_INTERVAL,
      ...(app.periodicSavepoint
        ? { "kubernetes.operator.periodic.savepoint.interval": PERIODIC_SAVEPOINT_INTERVAL }
        : {}),
    },
  });
}

export function sessionObjects(
  namespace: string,
  session: SessionPlan,
  jarUri: string,
): { cluster: KubeObject; jobs: KubeObject[] } {
  return {
    cluster: sessionCluster(namespace, session.name, {
      flinkConfiguration: { "execution.checkpointing.interval": CHECKPOINT_INTERVAL },
    }),
    jobs: session.jobs.map((job) =>
      sessionJob(namespace, job.name, session.name, jarUri, { upgradeMode: job.upgradeMode })
    ),
  };
}

/** One line for the notes: what the mix is at this N. */
export function describePlan(plan: FleetPlan): string {
  const count = (pick: (a: AppPlan) => boolean) => plan.apps.filter(pick).length;
  return `${plan.deployments} FlinkDeployments: ${plan.apps.length} application clusters ` +
    `(${count((a) => a.upgradeMode === "savepoint")} savepoint, ` +
    `${count((a) => a.upgradeMode === "last-state")} last-state, ` +
    `${count((a) => a.upgradeMode === "stateless")} stateless; HA on ${count((a) => a.ha)}, ` +
    `periodic savepoints every ${PERIODIC_SAVEPOINT_INTERVAL} on ${
      count((a) => a.periodicSavepoint)
    }) and ${plan.sessions.length} session clusters with ${plan.sessionJobs} FlinkSessionJobs; ` +
    `native mode, checkpoints every ${CHECKPOINT_INTERVAL}`;
}
