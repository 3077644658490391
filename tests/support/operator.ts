/**
 * Runs the real operator (config loading, controllers, manager) in-process against the shared
 * local cluster, scoped to one test namespace, with short intervals so tests run in seconds.
 */
import { allCrds } from "../../lib/api/crds.ts";
import { loadOperatorConfig } from "../../lib/config/operator_config.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { Manager } from "../../lib/runtime/manager.ts";
import { managerOptionsFor } from "../../lib/manager_options.ts";
import { registerControllers } from "../../lib/controllers.ts";
import { createOrReplace } from "../../lib/flink/cluster_ops.ts";
import { FlinkDeployments } from "../../lib/flink/resources.ts";
import { waitFor } from "./cluster.ts";
import { setupLogging } from "../../lib/log.ts";
import type { RestAccessMode } from "../../lib/flink/rest/access_mode.ts";

/** Operator settings that make the lifecycle fast enough for tests. */
export const FAST_OPERATOR_CONFIG: Record<string, string> = {
  "kubernetes.operator.reconcile.interval": "2 s",
  "kubernetes.operator.observer.progress-check.interval": "300 ms",
  "kubernetes.operator.observer.rest-ready.delay": "100 ms",
  "kubernetes.operator.retry.initial.interval": "200 ms",
  "kubernetes.operator.resource.cleanup.timeout": "30 s",
  "kubernetes.operator.flink.client.cancel.timeout": "20 s",
  // FKO's 5 passes per 15 s, scaled like the intervals above (a 300 ms progress check).
  "kubernetes.operator.rate-limiter.refresh-period": "1 s",
};

/**
 * What the in-process operator of `startOperator` differs in besides FAST_OPERATOR_CONFIG, each
 * overridable by the settings a test passes: no probe server (tests run in parallel; the
 * subprocess tests choose free ports), watches that cannot start are retried rather than fatal,
 * twelve reconciles at a time, and failed reconciles retried often enough for a test to see them
 * recover.
 */
export const IN_PROCESS_OPERATOR_CONFIG: Record<string, string> = {
  "kubernetes.operator.health.probe.enabled": "false",
  "kubernetes.operator.startup.stop-on-informer-error": "false",
  // Four per controller, as this operator ran before the limit became one pool for all.
  "kubernetes.operator.reconcile.parallelism": "12",
  "kubernetes.operator.retry.max.interval": "5 s",
  "kubernetes.operator.retry.max.attempts": "50",
};

let crdsInstalled: Promise<void> | undefined;

/** Installs (or updates) our CRDs once per test process and waits until they are served. */
export function installCrds(client: KubeClient): Promise<void> {
  crdsInstalled ??= (async () => {
    for (const crd of allCrds()) {
      await createOrReplace(client, Resources.crds, crd as unknown as KubeObject);
    }
    await waitFor("the FlinkDeployment CRD to be served", async () => {
      try {
        await client.list(FlinkDeployments, "default", { limit: 1 });
        return true;
      } catch {
        return false;
      }
    });
  })();
  return crdsInstalled;
}

/** CRDs installed, and the `flink` service account the Flink pods run as (FKO's examples). */
export async function prepareNamespace(client: KubeClient, namespace: string): Promise<void> {
  await installCrds(client);
  await createOrReplace(client, Resources.serviceAccounts, {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "flink", namespace },
  });
}

export interface RunningOperator {
  manager: Manager;
  stop(): Promise<void>;
}

/**
 * What `startOperator(..., { defaults: true })` sets: only what an in-process operator needs to
 * share the process and the cluster (no probe server, watches that cannot start retried), every
 * interval and limit at its default — the configuration users get.
 */
export const DEFAULT_IN_PROCESS_CONFIG: Record<string, string> = {
  "kubernetes.operator.health.probe.enabled": "false",
  "kubernetes.operator.startup.stop-on-informer-error": "false",
};

/**
 * Starts the operator for `namespace` (or several). It reaches JobManagers by `pod-ip` unless `restAccess`
 * says otherwise (`api-proxy` needs the pod network of tests/support/pod_network.ts). With
 * `defaults`, FAST_OPERATOR_CONFIG and IN_PROCESS_OPERATOR_CONFIG are left out: the operator runs
 * with the default intervals (plus DEFAULT_IN_PROCESS_CONFIG and `settings`).
 */
export async function startOperator(
  client: KubeClient,
  namespace: string | string[],
  settings: Record<string, string> = {},
  opts: { restAccess?: RestAccessMode; defaults?: boolean } = {},
): Promise<RunningOperator> {
  const namespaces = typeof namespace === "string" ? [namespace] : namespace;
  for (const ns of namespaces) await prepareNamespace(client, ns);
  if (Deno.env.get("FLINKOP_TEST_LOG")) setupLogging({ format: "text", level: "debug" });
  const base = opts.defaults
    ? DEFAULT_IN_PROCESS_CONFIG
    : { ...FAST_OPERATOR_CONFIG, ...IN_PROCESS_OPERATOR_CONFIG };
  const args = Object.entries({ ...base, ...settings })
    .flatMap(([k, v]) => ["--set", `${k}=${v}`]);
  const config = loadOperatorConfig({
    args: [...args, "--watch-namespaces", namespaces.join(",")],
    env: {},
    readFile: () => null,
  });
  // The same runtime settings as `flinkop run` takes from its configuration.
  const manager = new Manager(managerOptionsFor(config, { client, namespaces }));
  await registerControllers(manager, { client, config, restAccess: opts.restAccess ?? "pod-ip" });
  const stop = new AbortController();
  const running = manager.run(stop.signal);
  return {
    manager,
    async stop() {
      stop.abort();
      await running;
    },
  };
}
