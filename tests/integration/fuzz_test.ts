/**
 * A fixed-seed sample of the fuzzer (`deno task fuzz`, tests/support/fuzz/run.ts): 200 generated
 * FlinkDeployments, FlinkSessionJobs and FlinkStateSnapshots against the real API server and the
 * operator process, with no invariant broken. The on-demand runs of 1,000 and more, and what they
 * found, are in docs/reliability.md.
 */
import assert from "node:assert/strict";
import { formatReport, runFuzz } from "../support/fuzz/run.ts";
import { withTestClient } from "../support/cluster.ts";

export const CI_FUZZ_SEED = 20260611;
export const CI_FUZZ_COUNT = 200;

Deno.test({
  name: `fuzz: ${CI_FUZZ_COUNT} generated resources (seed ${CI_FUZZ_SEED}) break no invariant`,
  async fn() {
    const report = await withTestClient((client) =>
      runFuzz(client, { count: CI_FUZZ_COUNT, seed: CI_FUZZ_SEED, batchSize: 25 })
    );
    const text = formatReport(report);
    console.error(text);
    assert.equal(report.harnessError, undefined, text);
    assert.deepEqual(report.violations, [], text);
    // The sample exercises every outcome, so a generator that drifted into refusing everything
    // (or nothing) at admission fails here rather than passing vacuously.
    const refused = Object.values(report.refused).reduce((a, b) => a + b, 0);
    const errors = Object.values(report.statusErrors).reduce((a, b) => a + b, 0);
    assert.ok(refused >= 40, `only ${refused} refused at admission\n${text}`);
    assert.ok(
      (report.statusErrors.ValidationError ?? 0) >= 15,
      `too few validation errors\n${text}`,
    );
    assert.ok(errors >= 20, `only ${errors} status errors\n${text}`);
    assert.ok(report.running >= 20, `only ${report.running} ran\n${text}`);
    assert.ok(report.markers >= 20, `only ${report.markers} secret markers\n${text}`);
  },
});
