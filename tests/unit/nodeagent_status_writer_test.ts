import assert from "node:assert/strict";
import type { KubeClient } from "../../lib/kube/client.ts";
import { ApiError } from "../../lib/kube/errors.ts";
import { silentLogger } from "../../cluster/nodeagent/log.ts";
import type { PodStatus } from "../../cluster/nodeagent/pod_types.ts";
import { type StatusSubject, StatusWriter } from "../../cluster/nodeagent/status_writer.ts";

interface Patch {
  name: string;
  body: { metadata: { uid: string }; status: Record<string, unknown> };
  kind: string;
  subresource?: string;
}

function fakeKube(respond: (p: Patch) => Promise<void> = () => Promise.resolve()) {
  const patches: Patch[] = [];
  const kube = {
    patch: (
      _t: unknown,
      _ns: string,
      name: string,
      body: Patch["body"],
      kind: string,
      opts: { subresource?: string },
    ) => {
      const p = { name, body, kind, subresource: opts.subresource };
      patches.push(p);
      return respond(p);
    },
  };
  return { kube: kube as unknown as KubeClient, patches };
}

function subject(uid: string, status: () => PodStatus | undefined): StatusSubject {
  return { namespace: "ns", name: `pod-${uid}`, uid, compute: status };
}

Deno.test("status writer: bursts coalesce into one strategic-merge /status patch", async () => {
  const { kube, patches } = fakeKube();
  const writer = new StatusWriter(kube, silentLogger, { delayMs: 10 });
  let phase: PodStatus["phase"] = "Pending";
  const s = subject("u1", () => ({
    phase,
    conditions: [{ type: "Ready", status: phase === "Running" ? "True" : "False" }],
  }));
  writer.markDirty(s);
  phase = "Running";
  writer.markDirty(s);
  writer.markDirty(s);
  await writer.idle();
  assert.equal(patches.length, 1);
  assert.equal(patches[0].kind, "strategic");
  assert.equal(patches[0].subresource, "status");
  assert.deepEqual(patches[0].body.metadata, { uid: "u1" }, "uid precondition");
  assert.equal(patches[0].body.status.phase, "Running");
  assert.deepEqual(patches[0].body.status.conditions, [{
    type: "Ready",
    status: "True",
    reason: null,
    message: null,
  }], "unset reason/message are deleted explicitly");

  writer.markDirty(s);
  await writer.idle();
  assert.equal(patches.length, 1, "an unchanged status is not written again");
});

Deno.test("status writer: a deleted or replaced pod is forgotten; other errors are retried", async () => {
  let failures = 1;
  const { kube, patches } = fakeKube((p) => {
    if (p.name === "pod-gone") {
      return Promise.reject(new ApiError(404, "NotFound", "gone", "PATCH", "/"));
    }
    if (p.name === "pod-flaky" && failures-- > 0) {
      return Promise.reject(new ApiError(500, "InternalError", "boom", "PATCH", "/"));
    }
    return Promise.resolve();
  });
  const writer = new StatusWriter(kube, silentLogger, { delayMs: 1, retryMs: 5 });
  writer.markDirty(subject("gone", () => ({ phase: "Running" })));
  writer.markDirty(subject("flaky", () => ({ phase: "Running" })));
  await writer.idle();
  await new Promise((r) => setTimeout(r, 30));
  await writer.idle();
  assert.deepEqual(patches.map((p) => p.name), ["pod-gone", "pod-flaky", "pod-flaky"]);
});

Deno.test("status writer: many pods write in parallel within the concurrency limit", async () => {
  let inFlight = 0;
  let peak = 0;
  const { kube, patches } = fakeKube(async () => {
    peak = Math.max(peak, ++inFlight);
    await new Promise((r) => setTimeout(r, 2));
    inFlight--;
  });
  const writer = new StatusWriter(kube, silentLogger, { delayMs: 1, concurrency: 4 });
  for (let i = 0; i < 50; i++) writer.markDirty(subject(`u${i}`, () => ({ phase: "Running" })));
  await writer.idle();
  assert.equal(patches.length, 50);
  assert.ok(peak <= 4, `peak ${peak}`);
});
