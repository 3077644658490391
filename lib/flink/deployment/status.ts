/**
 * What FKO recomputes whenever it writes a FlinkDeployment's status: the lifecycle state, the
 * conditions, and the TaskManager info behind the scale subresource (reference §1.8).
 */
import {
  type FlinkDeploymentStatus,
  FlinkDeploymentStatusSchema,
} from "../../api/flink_deployment.ts";
import { toKnownFields } from "../../api/known_fields.ts";
import { lastReconciled } from "../job/bookkeeping.ts";
import { computeLifecycleState, deploymentConditions } from "../spec/mod.ts";
import { type DeploymentPass, isApplication } from "./pass.ts";

export function deploymentStatusToWrite(p: DeploymentPass): FlinkDeploymentStatus {
  const status = p.status;
  status.lifecycleState = computeLifecycleState(status, { kind: "FlinkDeployment" });
  status.conditions = deploymentConditions(status, {
    isApplication: isApplication(p),
    now: new Date(p.env.now()),
  });
  const taskManager = taskManagerInfo(p);
  if (taskManager) status.taskManager = taskManager;
  return toKnownFields(FlinkDeploymentStatusSchema, status);
}

/**
 * The scale subresource's status side, from the recorded spec: while the deployed job runs, its
 * TaskManagers' selector and count (replicas, else parallelism over the slots per TaskManager);
 * otherwise none.
 */
function taskManagerInfo(p: DeploymentPass): FlinkDeploymentStatus["taskManager"] {
  const rec = lastReconciled(p);
  if (!rec) return undefined;
  const job = rec.spec.job;
  if (job?.state !== "running") return { labelSelector: "", replicas: 0 };
  const slots = Number(p.rc.flat["taskmanager.numberOfTaskSlots"] ?? "1") || 1;
  const replicas = rec.spec.taskManager?.replicas ??
    Math.ceil(Math.max(1, job.parallelism) / Math.max(1, slots));
  return { labelSelector: `component=taskmanager,app=${p.name}`, replicas };
}
