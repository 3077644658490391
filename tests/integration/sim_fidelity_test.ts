/**
 * Simulator fidelity: the REST conversation the operator has with a session cluster
 * (tests/support/sim_fidelity/script.ts) against the simulator and against real Flink, per
 * release, compared step by step — status codes and response shapes. Every difference must be a
 * known one (known_differences.ts, mirrored in docs/simulator.md), and every known one must still
 * show. One real cluster at a time; the simulator's runs alongside cost nothing.
 *
 * `FLINKOP_FIDELITY_DUMP=<dir>` writes both runs' exchanges there, as JSON, for reading.
 */
import assert from "node:assert/strict";
import { COUNTER_ENTRY_CLASS, ensureRealFlink } from "../../cluster/flink-real/dist.ts";
import type { FlinkVersion } from "../../lib/flink/rest/flink_version.ts";
import { integrationTest } from "../support/integration.ts";
import { compareRuns, describeDifference, judge } from "../support/sim_fidelity/compare.ts";
import { KNOWN_DIFFERENCES } from "../support/sim_fidelity/known_differences.ts";
import { runFidelityScript, type ScriptResult } from "../support/sim_fidelity/script.ts";
import {
  type Release,
  type RuntimeName,
  startSessionCluster,
} from "../support/sim_fidelity/session_cluster.ts";

const FLINK_VERSIONS: Record<Release, FlinkVersion> = { "1.20": "v1_20", "2.2": "v2_2" };

const JOB_IDS = {
  first: "f1de11700000000000000000000000a1",
  restored: "f1de11700000000000000000000000a2",
  failing: "f1de11700000000000000000000000a3",
  unknown: "0000000000000000000000000000dead",
};

function fidelityTest(release: Release): void {
  integrationTest(
    `simulator fidelity: the operator's REST calls answer alike on the simulator and on real Flink ${release}`,
    async ({ client, ns }) => {
      const homes = await ensureRealFlink();
      const home = homes.find((h) => h.release.version.startsWith(`${release}.`));
      assert.ok(home, `a real Flink home for ${release}`);
      const jar = await Deno.readFile(home.counterJar);

      const run = async (runtime: RuntimeName): Promise<ScriptResult> => {
        const started = performance.now();
        const cluster = await startSessionCluster(client, ns, {
          name: `${runtime}-${release.replace(".", "")}`,
          release,
          runtime,
        });
        try {
          return await runFidelityScript({
            restUrl: cluster.restUrl,
            flinkVersion: FLINK_VERSIONS[release],
            jar,
            entryClass: COUNTER_ENTRY_CLASS,
            savepointDir: cluster.savepointDir,
            checkpointDir: cluster.checkpointDir,
            jobIds: JOB_IDS,
            pollTimeoutMs: 120_000,
          });
        } finally {
          await cluster.stop();
          console.error(
            `fidelity ${release} ${runtime}: ${
              ((performance.now() - started) / 1000).toFixed(1)
            } s`,
          );
        }
      };
      const [sim, real] = await Promise.all([run("sim"), run("real")]);

      const dump = Deno.env.get("FLINKOP_FIDELITY_DUMP");
      if (dump) {
        await Deno.mkdir(dump, { recursive: true });
        for (const [runtime, result] of [["sim", sim], ["real", real]] as const) {
          await Deno.writeTextFile(
            `${dump}/${release}-${runtime}.json`,
            JSON.stringify(result.steps, null, 1),
          );
        }
      }

      const verdict = judge(compareRuns(sim.steps, real.steps), KNOWN_DIFFERENCES, release);
      for (const { difference, known } of verdict.explained) {
        console.error(`known: ${describeDifference(difference)} (${known.reason})`);
      }
      assert.deepEqual(
        verdict.unexplained.map(describeDifference),
        [],
        "differences between the simulator and real Flink that known_differences.ts does not list",
      );
      assert.deepEqual(
        verdict.unused.map((k) => `${k.step} ${k.path}`),
        [],
        "known differences that no longer show: remove them from known_differences.ts and " +
          "docs/simulator.md",
      );
    },
  );
}

fidelityTest("1.20");
fidelityTest("2.2");
