/**
 * A real Prometheus (Debian's package, unpacked by cluster/tools/prometheus.ts in the test run's
 * online phase) scraping given targets, on a free loopback port of the test's network namespace.
 * `await using prom = await startPrometheus({ targets })`; `prom.query(expr)` runs an instant
 * query; disposal stops it and removes its data directory.
 */
import { stringify } from "yaml";
import { freeLoopbackPort } from "../../cluster/free_port.ts";
import { requirePrometheus } from "../../cluster/tools/prometheus.ts";
import { waitFor } from "./cluster.ts";

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RunningPrometheus extends AsyncDisposable {
  url: string;
  /** An instant query; throws with Prometheus' error for a query it rejects. */
  query(expr: string): Promise<PromSample[]>;
  /** The scrape targets' health, as /api/v1/targets reports it. */
  targets(): Promise<{ scrapeUrl: string; health: string; lastError: string }[]>;
}

export async function startPrometheus(opts: {
  /** host:port targets of one job, scraped at /metrics. */
  targets: string[];
  job?: string;
  scrapeIntervalSeconds?: number;
}): Promise<RunningPrometheus> {
  const tools = await requirePrometheus();
  const dir = await Deno.makeTempDir({ prefix: "flinkop-prometheus-" });
  const port = freeLoopbackPort();
  const interval = `${opts.scrapeIntervalSeconds ?? 1}s`;
  await Deno.writeTextFile(
    `${dir}/prometheus.yml`,
    stringify({
      global: { scrape_interval: interval, evaluation_interval: interval },
      scrape_configs: [{
        job_name: opts.job ?? "flinkop",
        scrape_interval: interval,
        scrape_timeout: interval,
        static_configs: [{ targets: opts.targets }],
      }],
    }),
  );
  const child = new Deno.Command(tools.prometheus, {
    args: [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  const stderr = new Response(child.stderr).text();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // exited already
    }
    await child.status;
    await stderr;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5000) });
    const body = await res.json() as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`Prometheus ${path}: ${body.error}`);
    return body.data;
  };
  try {
    await waitFor("Prometheus to be ready", async () => {
      const res = await fetch(`${url}/-/ready`).catch(() => undefined);
      await res?.body?.cancel();
      return res?.ok;
    }, { timeoutMs: 30_000, intervalMs: 200 });
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}; Prometheus' output: ${await stderr}`);
  }
  return {
    url,
    async query(expr) {
      const data = await api<{ resultType: string; result: PromSample[] }>(
        `/api/v1/query?query=${encodeURIComponent(expr)}`,
      );
      return data.resultType === "vector" ? data.result : [];
    },
    async targets() {
      const data = await api<
        { activeTargets: { scrapeUrl: string; health: string; lastError: string }[] }
      >("/api/v1/targets");
      return data.activeTargets;
    },
    [Symbol.asyncDispose]: stop,
  };
}
