/**
 * runtime.list-watch-10k: 10,000 Widgets (tests/support/test_crd.ts) in one namespace of the
 * bench cluster, then a fresh process (bench/list_watch_child.ts) starts a Manager with one no-op
 * Controller. Measured there: manager start until every object was reconciled once, and the
 * process's peak RSS. Creating the objects is set-up, not measured (its rate is printed anyway).
 * The namespace is deleted afterwards without waiting: the run ends by stopping the bench cluster.
 */
import { installWidgetCrd, widget, Widgets } from "../tests/support/test_crd.ts";
import { freshNamespace } from "../tests/support/cluster.ts";
import { type Benchmark, newResult } from "./benchmark.ts";
import type { ListWatchReport } from "./list_watch_child.ts";
import { runBounded } from "./pool.ts";
import { megabytes, perSecond, seconds } from "./result.ts";

const COUNT = 10_000;
const IN_FLIGHT = 50;
const TARGET_MS = 30_000;
const TARGET_MB = 200;
/** The child gives up (and reports what it has) after this long. */
const CHILD_TIMEOUT_MS = 120_000;

export const listWatch10k: Benchmark = {
  name: "runtime.list-watch-10k",
  description: `Manager + no-op Controller over ${COUNT} existing objects, in a fresh process`,
  async run({ cluster }) {
    const result = newResult("runtime.list-watch-10k");
    const plane = await cluster.ensure();
    const client = await cluster.client();
    await installWidgetCrd(client);
    await using ns = await freshNamespace("bench-list-watch", { client });

    const createStarted = performance.now();
    await runBounded(
      COUNT,
      IN_FLIGHT,
      (i) => client.create(Widgets, ns.name, widget(ns.name, `w-${String(i).padStart(5, "0")}`, i)),
    );
    const createMs = performance.now() - createStarted;
    console.error(`    created ${COUNT} Widgets in ${seconds(createMs)}`);

    const childStarted = performance.now();
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./list_watch_child.ts", import.meta.url).pathname,
        plane.adminKubeconfig,
        ns.name,
        String(COUNT),
        String(CHILD_TIMEOUT_MS),
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).output();
    const childMs = performance.now() - childStarted;
    const lastLine = new TextDecoder().decode(output.stdout).trim().split("\n").at(-1) ?? "";
    if (!output.success || !lastLine.startsWith("{")) {
      throw new Error(`list_watch_child.ts failed (exit ${output.code}): ${lastLine}`);
    }
    const report = JSON.parse(lastLine) as ListWatchReport;
    const bareKb = await probeRss("bare");
    const clientNodeKb = await probeRss("client-node");

    result.figures.push(
      {
        label: "all reconciled",
        value: report.complete
          ? seconds(report.allReconciledMs)
          : `${report.reconciled}/${COUNT} after ${seconds(report.allReconciledMs)}`,
      },
      { label: "rate", value: perSecond(report.reconciled, report.allReconciledMs, "reconciles") },
      { label: "cache synced", value: seconds(report.syncedMs) },
      {
        label: "peak RSS",
        value: `${megabytes(report.peakRssKb)} (${megabytes(report.baselineRssKb)} before start)`,
      },
    );
    result.targets.push(
      {
        label: "time",
        actual: report.complete ? report.allReconciledMs / 1000 : Infinity,
        below: TARGET_MS / 1000,
        unit: "s",
      },
      { label: "peak RSS", actual: report.peakRssKb / 1024, below: TARGET_MB, unit: "MB" },
    );
    result.notes.push(
      `memory: a bare Deno process has ${megabytes(bareKb)} RSS, one that only loads ` +
        `@kubernetes/client-node (now imported only for kubeconfigs with auth plugins) ${
          megabytes(clientNodeKb)
        }; the child had ${megabytes(report.baselineRssKb)} before the Manager started, ` +
        `${megabytes(report.rssKb)} when the last object was reconciled (V8 heap then: ` +
        `${megabytes(report.heapUsedKb)} used of ${megabytes(report.heapTotalKb)})`,
      `timed inside the child from Manager.run until the last of ${COUNT} distinct objects was ` +
        `reconciled (concurrency 50, list pages of 500); child process wall clock incl. Deno start ` +
        `${seconds(childMs)}; set-up: ${COUNT} creates at ${IN_FLIGHT} in flight, ` +
        perSecond(COUNT, createMs, "creates"),
    );
    return result;
  },
};

/** RSS of a fresh process that loaded nothing ("bare") or only the Kubernetes client library. */
async function probeRss(what: "bare" | "client-node"): Promise<number> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./rss_probe.ts", import.meta.url).pathname, what],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).output();
  return Number(new TextDecoder().decode(output.stdout).trim());
}
