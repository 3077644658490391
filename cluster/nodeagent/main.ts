/**
 * The node agent's entry point: plays kubelet (and kube-scheduler) for the one Node of the local
 * cluster. Started by cluster/controlplane.ts as
 *   deno run -A cluster/nodeagent/main.ts --kubeconfig <path> --state-dir <dir> --node-name <name>
 * See docs/node-agent.md.
 */
import { KubeClient } from "../../lib/kube/client.ts";
import { NodeAgent } from "./agent.ts";
import { parseAgentFlags, USAGE, UsageError } from "./flags.ts";
import { describeError, stdoutLogger } from "./log.ts";
import { preparePodNetwork } from "./pod_network.ts";
import { loadRuntimes } from "./runtime_registry.ts";

/** How long SIGTERM waits for containers to stop before they are killed. */
const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<number> {
  const log = stdoutLogger();
  let flags;
  try {
    flags = parseAgentFlags(Deno.args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.message) console.error(`node agent: ${err.message}`);
    console.error(USAGE);
    return err.message ? 2 : 0;
  }

  // Never die silently: a stray rejection or error is logged and the agent carries on, since one
  // misbehaving pod must not take all the others down with it.
  globalThis.addEventListener("unhandledrejection", (e) => {
    e.preventDefault();
    log.error(`unhandled rejection: ${describeError(e.reason)}${stackOf(e.reason)}`);
  });
  globalThis.addEventListener("error", (e) => {
    e.preventDefault();
    log.error(`uncaught error: ${describeError(e.error)}${stackOf(e.error)}`);
  });

  const runtimes = await loadRuntimes(
    flags.runtimes,
    (name, reason) => log.error(`runtime ${name} unavailable, its pods cannot start: ${reason}`),
  );
  const addresses = await preparePodNetwork({
    cidr: flags.podCidr,
    installRoute: flags.installPodRoute,
    log,
  });
  const kube = await KubeClient.connect({ kubeconfig: flags.kubeconfig });
  log.info(`API server ${kube.server}`);
  const agent = new NodeAgent({
    kube,
    nodeName: flags.nodeName,
    stateDir: flags.stateDir,
    runtimes,
    crashBackoff: { baseMs: flags.crashBackoffBaseMs, maxMs: flags.crashBackoffMaxMs },
    echoContainerLogs: flags.echoContainerLogs,
    addresses,
    log,
  });

  const stopped = Promise.withResolvers<number>();
  let stopping = false;
  const onSignal = (signal: Deno.Signal) => {
    if (stopping) {
      log.warn(`${signal} again: exiting without waiting for containers`);
      Deno.exit(1);
    }
    stopping = true;
    log.info(`${signal} received: stopping all containers`);
    agent.stop(SHUTDOWN_GRACE_MS).then(
      () => stopped.resolve(0),
      (err) => {
        log.error(`shutdown failed: ${describeError(err)}`);
        stopped.resolve(1);
      },
    );
  };
  Deno.addSignalListener("SIGTERM", () => onSignal("SIGTERM"));
  Deno.addSignalListener("SIGINT", () => onSignal("SIGINT"));

  await agent.start();
  const code = await stopped.promise;
  kube.close();
  log.info("node agent stopped");
  return code;
}

function stackOf(err: unknown): string {
  return err instanceof Error && err.stack ? `\n${err.stack}` : "";
}

if (import.meta.main) {
  main().then(
    (code) => Deno.exit(code),
    (err) => {
      console.error(
        `${new Date().toISOString()} ERROR node-agent: fatal: ${describeError(err)}${stackOf(err)}`,
      );
      Deno.exit(1);
    },
  );
}
