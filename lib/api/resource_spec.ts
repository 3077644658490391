/**
 * Compute resources of the JobManager and TaskManagers: FKO's own `Resource` (deprecated but
 * still the common form) and Kubernetes `ResourceRequirements`.
 */
import { z } from "zod";
import { MEMORY_SIZE_MAX_LENGTH } from "./rules/deployment_rules.ts";
import { double, fabric8Model, quantity } from "./wire_hints.ts";

export const ResourceSchema = z.looseObject({
  cpu: double().optional().describe("CPU cores, e.g. 1 or 0.5."),
  memory: z.string().max(MEMORY_SIZE_MAX_LENGTH).optional().describe(
    "Process memory as Flink MemorySize (1024m = 1024 MiB) or Kubernetes quantity (1Gi).",
  ),
  ephemeralStorage: z.string().optional().describe("Ephemeral storage quantity, e.g. 2Gi."),
});
export type Resource = z.infer<typeof ResourceSchema>;

export const ResourceClaimSchema = z.looseObject({
  name: z.string(),
  request: z.string().optional(),
});

const quantityMap = () => z.record(z.string(), quantity());

export const ResourceRequirementsSchema = fabric8Model(z.looseObject({
  claims: z.array(ResourceClaimSchema).optional(),
  limits: quantityMap().optional(),
  requests: quantityMap().optional(),
}));
export type ResourceRequirements = z.infer<typeof ResourceRequirementsSchema>;
