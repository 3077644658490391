import type { JobManagerSpec, TaskManagerSpec } from "../../api/mod.ts";
import { ConfigError } from "../../config/config_error.ts";
import { parseMemorySize } from "../../config/memory_size.ts";
import { parseQuantity, quantityText } from "../../kube/quantity.ts";
import { errorMessage } from "../../error_message.ts";

/**
 * The compute resources one role (JobManager or TaskManager) asks for, read from its spec as
 * FKO does (reference §1.5): cpu and memory go into the Flink configuration, which Flink turns
 * into container requests and limits; everything else (ephemeral storage, extended resources,
 * claims) goes straight into the main container of the role's pod template.
 */
export interface ComponentResources {
  /** Cores, for `kubernetes.<role>.cpu.amount`. */
  readonly cpu?: number;
  /** limits.cpu / requests.cpu, when both are given. */
  readonly cpuLimitFactor?: number;
  /** Bytes, for `<role>.memory.process.size`. */
  readonly memoryBytes?: number;
  /** limits.memory / requests.memory, when both are given. */
  readonly memoryLimitFactor?: number;
  /** Main-container resources other than cpu and memory. */
  readonly containerResources?: ContainerResources;
}

export interface ContainerResources {
  readonly requests?: Record<string, string>;
  readonly limits?: Record<string, string>;
  readonly claims?: unknown[];
}

type ComponentSpec = Pick<JobManagerSpec | TaskManagerSpec, "resource" | "resources">;

/**
 * `resources` (Kubernetes requirements) wins over the deprecated `resource` shorthand when both
 * are set, as in FKO. `specPath` (e.g. `spec.jobManager`) names the field in errors.
 */
export function componentResources(
  spec: ComponentSpec | undefined,
  specPath: string,
): ComponentResources {
  if (spec?.resources !== undefined) {
    return fromRequirements(spec.resources, `${specPath}.resources`);
  }
  if (spec?.resource !== undefined) return fromShorthand(spec.resource, `${specPath}.resource`);
  return {};
}

function fromShorthand(
  resource: NonNullable<ComponentSpec["resource"]>,
  path: string,
): ComponentResources {
  const storage = resource.ephemeralStorage?.trim();
  return {
    cpu: resource.cpu,
    memoryBytes: resource.memory === undefined
      ? undefined
      : parse(`${path}.memory`, () => parseMemorySize(resource.memory!)),
    containerResources: storage
      ? { requests: { "ephemeral-storage": storage }, limits: { "ephemeral-storage": storage } }
      : undefined,
  };
}

/** Kubernetes quantities: unlike in `resource.memory`, a `1G` here is 10^9 bytes, not a GiB. */
function fromRequirements(
  requirements: NonNullable<ComponentSpec["resources"]>,
  path: string,
): ComponentResources {
  const requests = requirements.requests ?? {};
  const limits = requirements.limits ?? {};
  const amount = (name: string) => {
    const request = requests[name] === undefined
      ? undefined
      : parse(`${path}.requests.${name}`, () => parseQuantity(requests[name]));
    const limit = limits[name] === undefined
      ? undefined
      : parse(`${path}.limits.${name}`, () => parseQuantity(limits[name]));
    const value = request ?? limit;
    const factor = request !== undefined && limit !== undefined && request > 0
      ? limit / request
      : undefined;
    return { value, factor };
  };
  const cpu = amount("cpu");
  const memory = amount("memory");
  const others = (map: Record<string, string | number>) => {
    const entries = Object.entries(map).filter(([name]) => name !== "cpu" && name !== "memory");
    return entries.length === 0
      ? undefined
      : Object.fromEntries(entries.map(([name, value]) => [name, quantityText(value)]));
  };
  const extraRequests = others(requests);
  const extraLimits = others(limits);
  const claims = requirements.claims?.length ? structuredClone(requirements.claims) : undefined;
  const hasExtras = extraRequests !== undefined || extraLimits !== undefined ||
    claims !== undefined;
  return {
    cpu: cpu.value,
    cpuLimitFactor: cpu.factor,
    // Flink sizes memory in whole bytes; fractional quantities are truncated like FKO does.
    memoryBytes: memory.value === undefined ? undefined : Math.trunc(memory.value),
    memoryLimitFactor: memory.factor,
    containerResources: hasExtras
      ? { requests: extraRequests, limits: extraLimits, claims }
      : undefined,
  };
}

function parse(path: string, read: () => number): number {
  try {
    return read();
  } catch (error) {
    throw new ConfigError({ key: path, message: errorMessage(error) });
  }
}
