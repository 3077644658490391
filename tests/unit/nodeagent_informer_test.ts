import assert from "node:assert/strict";
import type { KubeClient, WatchEvent } from "../../lib/kube/client.ts";
import { ApiError } from "../../lib/kube/errors.ts";
import { type KubeObject, Resources } from "../../lib/kube/resource.ts";
import { type ChangeType, Informer } from "../../cluster/nodeagent/informer.ts";
import { silentLogger } from "../../cluster/nodeagent/log.ts";
import { eventually } from "./nodeagent_fakes.ts";

const obj = (uid: string, rv: string): KubeObject => ({
  metadata: { uid, name: uid, namespace: "ns", resourceVersion: rv },
});

type Step = WatchEvent<KubeObject>[] | Error;

/**
 * A KubeClient whose list returns `lists` in turn and whose watch plays `watches` in turn (a
 * thrown Error ends that watch with the error); afterwards watches hang until aborted.
 */
function scriptedKube(lists: KubeObject[][], watches: Step[]) {
  const calls: { op: string; resourceVersion?: string }[] = [];
  let listIndex = 0;
  let watchIndex = 0;
  const kube = {
    list: () => {
      const items = lists[Math.min(listIndex, lists.length - 1)];
      calls.push({ op: "list" });
      listIndex++;
      return Promise.resolve({ metadata: { resourceVersion: `list-${listIndex}` }, items });
    },
    async *watch(
      _type: unknown,
      _ns: unknown,
      opts: { resourceVersion?: string },
      signal: AbortSignal,
    ) {
      calls.push({ op: "watch", resourceVersion: opts.resourceVersion });
      const step = watches[watchIndex++];
      if (step === undefined) {
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
        return;
      }
      if (step instanceof Error) throw step;
      for (const event of step) yield event;
    },
  };
  return { kube: kube as unknown as KubeClient, calls };
}

function record() {
  const seen: string[] = [];
  return {
    seen,
    onChange: (type: ChangeType, o: KubeObject) =>
      seen.push(`${type} ${o.metadata.uid}@${o.metadata.resourceVersion}`),
  };
}

Deno.test("informer: lists, then follows the watch from the list's resourceVersion", async () => {
  const { kube, calls } = scriptedKube([[obj("a", "1")]], [[
    { type: "ADDED", object: obj("b", "2") },
    { type: "MODIFIED", object: obj("a", "3") },
    { type: "BOOKMARK", object: obj("", "4") },
    { type: "DELETED", object: obj("b", "5") },
  ]]);
  const r = record();
  const informer = new Informer(kube, Resources.pods, { name: "t", log: silentLogger, ...r });
  const abort = new AbortController();
  const running = informer.run(abort.signal);
  await informer.synced;
  await eventually("events", () => r.seen.length === 4);
  // The first watch ended normally: the next one resumes after the last event.
  await eventually("rewatch", () => calls.filter((c) => c.op === "watch").length === 2);
  abort.abort();
  await running;
  assert.deepEqual(r.seen, ["ADDED a@1", "ADDED b@2", "MODIFIED a@3", "DELETED b@5"]);
  assert.deepEqual(calls.filter((c) => c.op === "watch").map((c) => c.resourceVersion), [
    "list-1",
    "5",
  ]);
  assert.deepEqual([...informer.store.keys()], ["a"]);
});

Deno.test("informer: 410 Gone relists and reports what changed meanwhile", async () => {
  const gone = new ApiError(410, "Expired", "too old resource version", "WATCH", "/api/v1/pods");
  const { kube, calls } = scriptedKube(
    [[obj("a", "1"), obj("b", "1")], [obj("a", "7"), obj("c", "8")]],
    [gone],
  );
  const r = record();
  const informer = new Informer(kube, Resources.pods, { name: "t", log: silentLogger, ...r });
  const abort = new AbortController();
  const running = informer.run(abort.signal);
  await eventually("relist", () => calls.filter((c) => c.op === "list").length === 2);
  await eventually("diff", () => r.seen.length === 5);
  abort.abort();
  await running;
  assert.deepEqual(r.seen, ["ADDED a@1", "ADDED b@1", "DELETED b@1", "MODIFIED a@7", "ADDED c@8"]);
});

Deno.test("informer: other failures are retried with back-off from the last version", async () => {
  const { kube, calls } = scriptedKube([[obj("a", "1")]], [
    [{ type: "MODIFIED", object: obj("a", "2") }],
    new Error("connection reset"),
  ]);
  const r = record();
  const informer = new Informer(kube, Resources.pods, { name: "t", log: silentLogger, ...r });
  const abort = new AbortController();
  const running = informer.run(abort.signal);
  await eventually("third watch", () => calls.filter((c) => c.op === "watch").length === 3, 5000);
  abort.abort();
  await running;
  assert.equal(calls.filter((c) => c.op === "list").length, 1, "no relist for plain errors");
  assert.deepEqual(calls.filter((c) => c.op === "watch").map((c) => c.resourceVersion), [
    "list-1",
    "2",
    "2",
  ]);
});
