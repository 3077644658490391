/**
 * `deno task chaos [--cycles N] [--seed S] [--state-dir DIR] [--fleet full|smoke] [--out DIR]`:
 * upgrade cycles across every upgrade mode while faults land at seeded-random moments, with the
 * invariants checked after every cycle (docs/reliability.md). Exits 1 on a violation, printing
 * the seed and the timeline of the failing cycle.
 *
 * Without --state-dir it starts a cluster of its own (`<cache>/chaos-cluster`, pod addresses
 * from 127.202.0.0/16 so they never meet another local cluster's) and stops it at the end;
 * with --state-dir it uses that cluster (started if needed) and leaves it running. Run it where
 * that cluster's pod addresses are reachable (the network namespace it runs in, if any).
 */
import {
  ensureControlPlane,
  restartApiserver,
  stopControlPlane,
} from "../../cluster/controlplane.ts";
import { cacheRoot } from "../../cluster/paths.ts";
import { KubeClient } from "../../lib/kube/client.ts";
import { freshNamespace } from "../../tests/support/cluster.ts";
import { FULL_FLEET, SMOKE_FLEET } from "./fleet.ts";
import { formatReport } from "./report.ts";
import { runChaos } from "./run.ts";

const USAGE =
  `usage: deno task chaos [--cycles N] [--seed S] [--state-dir DIR] [--fleet full|smoke] [--out DIR]
                       [--log-level L]

  --cycles N      cycles to run (default 20)
  --seed S        32-bit seed of the plan (default: random, printed)
  --state-dir DIR the local cluster to use (default: a cluster of its own, stopped afterwards)
  --fleet F       full (every upgrade mode, default) or smoke (three resources)
  --out DIR       operator log and timeline (default /tmp/flinkop-chaos-<seed>)
  --log-level L   the operator's log level (default info)`;

async function main(args: string[]): Promise<number> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const [key, inline] = args[i].split("=", 2);
    if (key === "--help" || key === "-h") {
      console.log(USAGE);
      return 0;
    }
    if (!["--cycles", "--seed", "--state-dir", "--fleet", "--out", "--log-level"].includes(key)) {
      console.error(`unknown argument ${args[i]}\n\n${USAGE}`);
      return 2;
    }
    const value = inline ?? args[++i];
    if (value === undefined) {
      console.error(`${key} needs a value\n\n${USAGE}`);
      return 2;
    }
    flags.set(key, value);
  }
  const cycles = Number(flags.get("--cycles") ?? 20);
  const seed = Number(flags.get("--seed") ?? Math.floor(Math.random() * 2 ** 31));
  const fleetName = flags.get("--fleet") ?? "full";
  if (!Number.isInteger(cycles) || cycles < 1 || !Number.isInteger(seed) || seed < 0) {
    console.error(`--cycles and --seed take non-negative integers\n\n${USAGE}`);
    return 2;
  }
  if (fleetName !== "full" && fleetName !== "smoke") {
    console.error(`--fleet is full or smoke\n\n${USAGE}`);
    return 2;
  }
  const ownCluster = !flags.has("--state-dir");
  const stateDir = flags.get("--state-dir") ?? `${cacheRoot()}/chaos-cluster`;
  const outDir = flags.get("--out") ?? `/tmp/flinkop-chaos-${seed}`;
  const log = (line: string) => console.error(`chaos: ${line}`);
  log(`seed ${seed}, ${cycles} cycles, ${fleetName} fleet, cluster ${stateDir}, output ${outDir}`);

  if (ownCluster) Deno.env.set("FLINKOP_NODE_AGENT_POD_CIDR", "127.202.0.0/16");
  const plane = await ensureControlPlane({ stateDir, log: (m) => log(`cluster: ${m}`) });
  const client = await KubeClient.connect({ kubeconfig: plane.adminKubeconfig });
  // ^C ends the run after the cycle in progress, with its report and the cleanup (operator,
  // namespace, own cluster); a second ^C quits at once and leaves them running.
  const interrupted = new AbortController();
  const onSignal = () => {
    if (interrupted.signal.aborted) Deno.exit(130);
    log(
      "interrupted: stopping after the cycle in progress (^C again quits at once, leaving the cluster running)",
    );
    interrupted.abort();
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(sig, onSignal);
  try {
    await using ns = await freshNamespace(`chaos-${seed}`, { client });
    const report = await runChaos({
      client,
      kubeconfig: plane.adminKubeconfig,
      hostFsRoot: `${stateDir}/nodeagent/host-fs`,
      namespace: ns.name,
      seed,
      cycles,
      fleet: fleetName === "full" ? FULL_FLEET : SMOKE_FLEET,
      restartApiServer: () => restartApiserver(stateDir, (m) => log(`cluster: ${m}`)),
      outDir,
      log,
      operatorLogLevel: flags.get("--log-level"),
      signal: interrupted.signal,
    });
    console.log(formatReport(report));
    return report.violations.length ? 1 : interrupted.signal.aborted ? 130 : 0;
  } finally {
    for (const sig of ["SIGINT", "SIGTERM"] as const) Deno.removeSignalListener(sig, onSignal);
    client.close();
    if (ownCluster) await stopControlPlane(stateDir, (m) => log(`cluster: ${m}`));
  }
}

if (import.meta.main) {
  // Exit explicitly: the operator's and the sampler's connections may still be open.
  Deno.exit(await main(Deno.args));
}
