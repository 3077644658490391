import type { FlinkDeploymentSpec } from "../../api/mod.ts";
import { REST_PORT_NAME } from "./cluster_names.ts";
import { type ComponentResources, componentResources } from "./component_resources.ts";
import {
  ensureMainContainer,
  mainContainerOf,
  mergePodTemplates,
  type PodTemplate,
} from "./pod_template.ts";

/**
 * The JobManager and TaskManager pod templates FKO hands to Flink (`FlinkConfigBuilder`
 * `applyPodTemplate`): the role template merged over `spec.podTemplate`, the role's
 * non-cpu/memory resources put on the main container, and for the JobManager the operator's
 * startup probe. A role without any template stays `undefined`, as in FKO.
 */
export interface RolePodTemplates {
  readonly jobManager?: PodTemplate;
  readonly taskManager?: PodTemplate;
}

export interface RolePodTemplateOptions {
  readonly mergeArraysByName: boolean;
  /** `kubernetes.operator.jm-deployment.startup.probe.enabled`. */
  readonly startupProbe: boolean;
  /**
   * How the startup probe reaches the REST endpoint: HTTP, HTTPS with `security.ssl.rest.enabled`
   * (the kubelet does not verify the certificate), or a TCP connect when the endpoint also asks
   * for a client certificate, which the kubelet cannot present. Default HTTP.
   */
  readonly restProbe?: "http" | "https" | "tcp";
}

/**
 * Polls `/config` on the REST port every second without giving up: the probe only marks the
 * JobManager started, the operator's own deployment timeout handles JobManagers that never come up.
 */
export const OPERATOR_STARTUP_PROBE = {
  httpGet: { path: "/config", port: REST_PORT_NAME },
  periodSeconds: 1,
  failureThreshold: 2147483647,
} as const;

export function rolePodTemplates(
  spec: FlinkDeploymentSpec,
  options: RolePodTemplateOptions,
): RolePodTemplates {
  const base = spec.podTemplate;
  let jobManager = roleTemplate(base, spec.jobManager?.podTemplate, options);
  if (spec.jobManager !== undefined) {
    jobManager = withContainerResources(
      jobManager,
      componentResources(spec.jobManager, "spec.jobManager"),
    );
  }
  if (options.startupProbe) jobManager = withStartupProbe(jobManager, options.restProbe);

  let taskManager = roleTemplate(base, spec.taskManager?.podTemplate, options);
  if (spec.taskManager !== undefined) {
    taskManager = withContainerResources(
      taskManager,
      componentResources(spec.taskManager, "spec.taskManager"),
    );
  }
  return { jobManager, taskManager };
}

function roleTemplate(
  base: PodTemplate | undefined,
  role: PodTemplate | undefined,
  options: RolePodTemplateOptions,
): PodTemplate | undefined {
  return mergePodTemplates(base, role, { mergeArraysByName: options.mergeArraysByName });
}

function withContainerResources(
  template: PodTemplate | undefined,
  resources: ComponentResources,
): PodTemplate | undefined {
  const extra = resources.containerResources;
  if (extra === undefined) return template;
  const result = ensureMainContainer(template);
  const main = mainContainerOf(result);
  const current = (main.resources ?? {}) as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...current };
  if (extra.requests) {
    merged.requests = { ...(current.requests as object | undefined), ...extra.requests };
  }
  if (extra.limits) merged.limits = { ...(current.limits as object | undefined), ...extra.limits };
  if (extra.claims) merged.claims = structuredClone(extra.claims);
  main.resources = merged;
  return result;
}

/** Adds {@link OPERATOR_STARTUP_PROBE} unless the user's main container defines a probe. */
function withStartupProbe(
  template: PodTemplate | undefined,
  restProbe: RolePodTemplateOptions["restProbe"] = "http",
): PodTemplate {
  const result = ensureMainContainer(template);
  const main = mainContainerOf(result);
  if (main.startupProbe === undefined) main.startupProbe = startupProbe(restProbe);
  return result;
}

function startupProbe(restProbe: "http" | "https" | "tcp"): Record<string, unknown> {
  const probe: Record<string, unknown> = structuredClone(OPERATOR_STARTUP_PROBE);
  if (restProbe === "https") {
    probe.httpGet = { ...OPERATOR_STARTUP_PROBE.httpGet, scheme: "HTTPS" };
  } else if (restProbe === "tcp") {
    delete probe.httpGet;
    probe.tcpSocket = { port: REST_PORT_NAME };
  }
  return probe;
}
