/**
 * The chaos run's CI smoke (docs/reliability.md): a few fixed-seed cycles of `deno task chaos`
 * with the smoke fleet (a savepoint application, last-state with HA, a last-state session job)
 * on the shared test cluster. The seed's plan changes each of them (upgrade, suspend, resume)
 * and lands every kind of fault once or more; every invariant is checked after every cycle.
 */
import assert from "node:assert/strict";
import { SMOKE_FLEET } from "../../bench/chaos/fleet.ts";
import { FAULT_KINDS, planCycles } from "../../bench/chaos/plan.ts";
import { formatReport } from "../../bench/chaos/report.ts";
import { runChaos } from "../../bench/chaos/run.ts";
import { restartApiServer, testKubeconfig, testStateDir } from "../support/cluster.ts";
import { integrationTest } from "../support/integration.ts";

const SEED = 339;
const CYCLES = 5;

integrationTest(
  `chaos smoke: ${CYCLES} cycles of seed ${SEED} keep every invariant`,
  async ({ client, ns }) => {
    // The plan is the seed's alone: it exercises every fault kind and the changes named above.
    const plan = planCycles(SEED, CYCLES, {
      jobs: SMOKE_FLEET.jobs,
      clusters: SMOKE_FLEET.clusters.map((c) => c.name),
    });
    const planned = new Set(plan.flatMap((c) => c.faults.map((f) => f.kind)));
    assert.deepEqual([...FAULT_KINDS].filter((k) => !planned.has(k)), []);

    const outDir = await Deno.makeTempDir({ prefix: "flinkop-chaos-smoke-" });
    const report = await runChaos({
      client,
      kubeconfig: await testKubeconfig(),
      hostFsRoot: `${testStateDir()}/nodeagent/host-fs`,
      namespace: ns,
      seed: SEED,
      cycles: CYCLES,
      fleet: SMOKE_FLEET,
      restartApiServer,
      outDir,
      log: (line) => console.error(`chaos: ${line}`),
      settleTimeoutMs: 120_000,
    });
    const text = formatReport(report);
    console.error(text);
    assert.deepEqual(report.violations, [], text);
    assert.equal(report.cycles.length, CYCLES, text);
    // Faults that always find their target landed (a JobManager crash may meet no JobManager).
    for (const kind of ["operator-kill", "apiserver-restart", "savepoint-failure"] as const) {
      assert.ok(report.faults[kind] >= 1, `${kind} landed:\n${text}`);
    }
    await Deno.remove(outDir, { recursive: true });
  },
  { sanitizeResources: false, sanitizeOps: false },
);
