import {
  FLINK_DEPLOYMENT_NAMES,
  FLINK_SESSION_JOB_NAMES,
  FLINK_STATE_SNAPSHOT_NAMES,
  type FlinkKindNames,
} from "../api/kinds.ts";
import type { ResourceType } from "../kube/resource.ts";

function resourceType(names: FlinkKindNames): ResourceType {
  return {
    group: names.group,
    version: names.version,
    plural: names.plural,
    kind: names.kind,
    namespaced: true,
  };
}

export const FlinkDeployments: ResourceType = resourceType(FLINK_DEPLOYMENT_NAMES);
export const FlinkSessionJobs: ResourceType = resourceType(FLINK_SESSION_JOB_NAMES);
export const FlinkStateSnapshots: ResourceType = resourceType(FLINK_STATE_SNAPSHOT_NAMES);
