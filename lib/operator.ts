import { parseArgs } from "./cli/args.ts";
import { ConfigError } from "./config/config_error.ts";
import { loadOperatorConfig, type OperatorConfig } from "./config/operator_config.ts";
import { DynamicConfig } from "./config/dynamic_config.ts";
import { noEffectWarnings } from "./config/no_effect.ts";
import { applyReload } from "./config_reload.ts";
import { KubeClient } from "./kube/client.ts";
import { requestKind } from "./kube/request_kind.ts";
import { getLogger, setupLogging } from "./log.ts";
import {
  accessProblem,
  API_SERVER_WAIT_MS,
  checkApiServer,
  checkResourceAccess,
  START_ANYWAY_HINT,
  StartupError,
} from "./preflight.ts";
import { WatchStartError } from "./runtime/controller.ts";
import { Manager } from "./runtime/manager.ts";
import { managerOptionsFor } from "./manager_options.ts";
import { registerControllers } from "./controllers.ts";
import { VERSION } from "./version.ts";
import { errorMessage } from "./error_message.ts";
import { fkoMetricsFor } from "./metrics/fko_operator_metrics.ts";

const OWN_FLAGS = new Set(["kubeconfig", "rest-access"]);

/** Hooks for tests that run the real operator process. */
export interface OperatorHooks {
  /** Called after every named write-ahead status write (see JobEnv.afterWrite). */
  afterWrite?: (point: string) => void;
}

/** `flinkop run`: returns the process exit code. */
export async function runOperator(
  argv: string[],
  env: Record<string, string | undefined>,
  hooks: OperatorHooks = {},
): Promise<number> {
  let config: OperatorConfig;
  let kubeconfig: string | undefined;
  let restAccess: string | undefined;
  try {
    config = loadOperatorConfig({ args: argv, env });
    // What the configuration flags left over: the flags of `run` itself.
    const rest = parseArgs(config.unparsedArgs);
    for (const name of rest.flags.keys()) {
      if (!OWN_FLAGS.has(name)) {
        throw new ConfigError({ key: `--${name}`, message: "unknown flag (see --help)" });
      }
    }
    const positional = rest.command ?? rest.positionals[0];
    if (positional !== undefined) {
      throw new ConfigError({ key: "", message: `unexpected argument "${positional}"` });
    }
    kubeconfig = rest.flags.get("kubeconfig")?.at(-1);
    restAccess = rest.flags.get("rest-access")?.at(-1);
    if (config.leaderElection.enabled && !config.leaderElection.leaseName) {
      throw new ConfigError({
        key: "kubernetes.operator.leader-election.lease-name",
        message: "required when kubernetes.operator.leader-election.enabled is true",
      });
    }
  } catch (err) {
    console.error(`flinkop: ${errorMessage(err)}`);
    return 1;
  }

  setupLogging({ format: config.logging.format, level: config.logging.level });
  const log = getLogger("operator");
  for (const warning of config.warnings) log.warn(warning);
  for (const warning of noEffectWarnings(config.raw)) log.warn(warning);

  let client: KubeClient;
  try {
    client = await KubeClient.connect({ kubeconfig });
  } catch (err) {
    console.error(`flinkop: ${errorMessage(err)}`);
    return 1;
  }

  const stop = new AbortController();
  const onSignal = () => {
    log.info("shutdown requested");
    stop.abort();
  };
  Deno.addSignalListener("SIGTERM", onSignal);
  Deno.addSignalListener("SIGINT", onSignal);
  try {
    const serverVersion = await checkApiServer(client, {
      onWait: (problem) =>
        log.warn("waiting for the API server (up to {ms} ms): {problem}", {
          ms: API_SERVER_WAIT_MS,
          problem,
        }),
    });
    const namespaces = config.watchNamespaces === "all" ? undefined : [...config.watchNamespaces];
    const manager = new Manager(managerOptionsFor(config, { client, namespaces }));
    // Every request to the API server, counted on /metrics by verb and resource.
    client.onRequest = (method, path, query) =>
      manager.metrics.kubeRequests.inc({ ...requestKind(method, path, query) });
    // FKO's operator metrics (resource counts, lifecycle states and transition times) on /metrics.
    const fkoMetrics = fkoMetricsFor(config, env);
    manager.metrics.registry.register(fkoMetrics);
    manager.observers.push(fkoMetrics);
    // FKO's dynamic configuration: the same sources, read again every check interval.
    const dynamicConfig = new DynamicConfig(config, () => loadOperatorConfig({ args: argv, env }));
    const kinds = await registerControllers(manager, {
      client,
      config,
      dynamicConfig,
      restAccess,
      afterWrite: hooks.afterWrite,
    });
    const problems = await checkResourceAccess(client, kinds, namespaces, {
      stopOnError: config.stopOnInformerError,
    });
    for (const problem of problems) {
      log.warn("{problem}; starting anyway (stop-on-informer-error is false) and retrying", {
        problem,
      });
    }
    log.info(
      "flinkop {version} starting against {server} (Kubernetes {serverVersion}), watching {ns}",
      {
        version: VERSION,
        server: client.server,
        serverVersion,
        ns: namespaces?.join(",") ?? "all namespaces",
      },
    );
    const reloads = new AbortController();
    const reloading = config.dynamicConfig.enabled
      ? dynamicConfig.run(
        config.dynamicConfig.checkIntervalMs,
        reloads.signal,
        (result) => {
          try {
            applyReload(result, manager, log);
          } catch (err) {
            log.error("could not apply the reloaded configuration: {error}", {
              error: errorMessage(err),
            });
          }
        },
      )
      : undefined;
    if (reloading) {
      log.info("dynamic configuration: checking {sources} every {ms} ms", {
        sources: config.sources.join(", ") || "the command line and environment",
        ms: config.dynamicConfig.checkIntervalMs,
      });
    }
    let exit;
    try {
      exit = await manager.run(stop.signal);
    } finally {
      reloads.abort();
      await reloading;
    }
    if (exit === "leadership-lost") {
      log.error("leadership lost: exiting so a new instance starts from a clean state");
      return 1;
    }
    log.info("stopped");
    return 0;
  } catch (err) {
    if (err instanceof StartupError) {
      console.error(`flinkop: ${err.message}`);
      return 1;
    }
    if (err instanceof WatchStartError) {
      // A watch the start-up check did not cover (e.g. pods or Deployments) was refused.
      const problem = accessProblem(err.type, err.namespace, err.cause) ?? err.message;
      console.error(`flinkop: ${problem}${START_ANYWAY_HINT}`);
      return 1;
    }
    throw err;
  } finally {
    Deno.removeSignalListener("SIGTERM", onSignal);
    Deno.removeSignalListener("SIGINT", onSignal);
    client.close();
  }
}
