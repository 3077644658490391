import assert from "node:assert/strict";
import { jobManagerNeverStarted } from "../../lib/flink/deployment/jm_observation.ts";

function deployment(created: string, available?: { status: string; lastTransitionTime?: string }) {
  return {
    metadata: { name: "jm", creationTimestamp: created },
    status: { conditions: available ? [{ type: "Available", ...available }] : [] },
  };
}

Deno.test("jobManagerNeverStarted: Available False since creation", () => {
  const created = "2026-12-07T03:00:00Z";
  assert.equal(
    jobManagerNeverStarted(deployment(created, { status: "False", lastTransitionTime: created })),
    true,
  );
  // The controller-manager may set the condition in the next second.
  assert.equal(
    jobManagerNeverStarted(
      deployment(created, { status: "False", lastTransitionTime: "2026-12-07T03:00:01Z" }),
    ),
    true,
  );
});

Deno.test("jobManagerNeverStarted: a JobManager that was available once, or unsure", () => {
  const created = "2026-12-07T03:00:00Z";
  // Became unavailable later: it ran (and may have written HA metadata).
  assert.equal(
    jobManagerNeverStarted(
      deployment(created, { status: "False", lastTransitionTime: "2026-12-07T03:00:30Z" }),
    ),
    false,
  );
  assert.equal(
    jobManagerNeverStarted(deployment(created, { status: "True", lastTransitionTime: created })),
    false,
  );
  assert.equal(jobManagerNeverStarted(deployment(created)), false);
  assert.equal(jobManagerNeverStarted(deployment(created, { status: "False" })), false);
  assert.equal(jobManagerNeverStarted(undefined), false);
});

Deno.test("jobManagerNeverStarted: a rollout that completed once proves a start, however quick the crash", () => {
  const created = "2026-12-07T03:00:00Z";
  const quickCrash = {
    metadata: { name: "jm", creationTimestamp: created },
    status: {
      conditions: [
        { type: "Available", status: "False", lastTransitionTime: "2026-12-07T03:00:01Z" },
        { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" },
      ],
    },
  };
  assert.equal(jobManagerNeverStarted(quickCrash), false);
  quickCrash.status.conditions[1].reason = "ReplicaSetUpdated";
  assert.equal(jobManagerNeverStarted(quickCrash), true);
});
