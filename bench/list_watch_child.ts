/**
 * The measured side of runtime.list-watch-10k, run as its own process so its memory is the
 * operator runtime's alone: a Manager with one Controller over Widgets whose reconcile only counts
 * distinct keys. Prints one JSON line (ListWatchReport) on stdout and exits.
 *
 *   deno run -A bench/list_watch_child.ts <kubeconfig> <namespace> <expected count> <timeout ms>
 */
import { KubeClient } from "../lib/kube/client.ts";
import { Action } from "../lib/runtime/action.ts";
import { Manager } from "../lib/runtime/manager.ts";
import { type Widget, Widgets } from "../tests/support/test_crd.ts";
import { readMemory } from "./proc_status.ts";

export interface ListWatchReport {
  /** Every expected object was reconciled once before the timeout. */
  complete: boolean;
  reconciled: number;
  /** Manager start until the watch cache was filled (the paginated list). */
  syncedMs: number;
  /** Manager start until the last distinct object was reconciled. */
  allReconciledMs: number;
  /** RSS after imports and client setup, before the manager started. */
  baselineRssKb: number;
  peakRssKb: number;
  rssKb: number;
  /** V8 heap when the last object was reconciled: live objects plus not yet collected garbage. */
  heapUsedKb: number;
  heapTotalKb: number;
}

/** The operator's default reconcile parallelism (kubernetes.operator.reconcile.parallelism). */
const CONCURRENCY = 50;

if (import.meta.main) {
  const [kubeconfig, namespace, expectedText, timeoutText] = Deno.args;
  const expected = Number(expectedText);
  const client = await KubeClient.connect({ kubeconfig });
  const manager = new Manager({
    client,
    namespaces: [namespace],
    concurrency: CONCURRENCY,
    retry: { initialMs: 1000, factor: 2, maxMs: 60_000 },
    maxAttempts: 5,
    // Long enough that no resync pass lands inside the measurement.
    resyncMs: 10 * 60_000,
  });
  const seen = new Set<string>();
  let allDone: () => void = () => {};
  const done = new Promise<void>((r) => allDone = r);
  const controller = manager.add<Widget>({
    name: "widgets",
    type: Widgets,
    reconcile(obj) {
      seen.add(obj.metadata.name!);
      if (seen.size >= expected) allDone();
      return Promise.resolve(Action.done());
    },
  });
  const baselineRssKb = readMemory().rssKb;
  const stop = new AbortController();
  const started = performance.now();
  let syncedMs = NaN;
  void Promise.all(controller.watchers.map((w) => w.synced)).then(() => {
    syncedMs = performance.now() - started;
  });
  const running = manager.run(stop.signal);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const complete = await Promise.race([
    done.then(() => true),
    new Promise<boolean>((r) => timer = setTimeout(() => r(false), Number(timeoutText))),
  ]);
  clearTimeout(timer);
  const allReconciledMs = performance.now() - started;
  const memory = readMemory();
  const heap = Deno.memoryUsage();
  const report: ListWatchReport = {
    complete,
    reconciled: seen.size,
    syncedMs,
    allReconciledMs,
    baselineRssKb,
    peakRssKb: memory.peakRssKb,
    rssKb: memory.rssKb,
    heapUsedKb: Math.round(heap.heapUsed / 1024),
    heapTotalKb: Math.round(heap.heapTotal / 1024),
  };
  stop.abort();
  await running;
  client.close();
  console.log(JSON.stringify(report));
  Deno.exit(0);
}
