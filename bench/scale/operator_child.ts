/**
 * The operator as the product runs: `main.ts run` in its own process (so its memory and CPU are
 * its own, read from /proc), with the default configuration, its probe server on a free port for
 * `/metrics`, and its log written to a file rather than kept in memory.
 */
import { freeLoopbackPort } from "../../cluster/free_port.ts";
import { readCpuMs, readMemory } from "../proc_status.ts";
import { productV8Flags } from "./product_v8_flags.ts";

const repoRoot = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

export interface OperatorSample {
  at: number;
  rssKb: number;
  peakRssKb: number;
  cpuMs: number;
}

export class OperatorChild {
  readonly port = freeLoopbackPort();
  readonly #child: Deno.ChildProcess;
  readonly #log: Deno.FsFile;
  readonly status: Promise<Deno.CommandStatus>;
  exitCode: number | undefined;

  constructor(
    readonly kubeconfig: string,
    readonly namespace: string,
    readonly logPath: string,
    settings: Record<string, string>,
  ) {
    this.#log = Deno.openSync(logPath, { write: true, create: true, truncate: true });
    const passThrough: Record<string, string> = {};
    for (const name of ["HOME", "DENO_DIR", "XDG_CACHE_HOME", "PATH"]) {
      const value = Deno.env.get(name);
      if (value !== undefined) passThrough[name] = value;
    }
    const args = [
      "run",
      "--no-prompt",
      "-A",
      ...productV8Flags(),
      `${repoRoot}/main.ts`,
      "run",
      "--kubeconfig",
      kubeconfig,
      "--watch-namespaces",
      namespace,
      "--rest-access",
      "pod-ip",
      "--log-format",
      "json",
      ...Object.entries({
        "kubernetes.operator.health.probe.port": String(this.port),
        ...settings,
      }).flatMap(([k, v]) => ["--set", `${k}=${v}`]),
    ];
    this.#child = new Deno.Command(Deno.execPath(), {
      args,
      cwd: repoRoot,
      clearEnv: true,
      env: { ...passThrough, NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const log = this.#log;
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) await log.write(chunk);
    };
    const pumps = Promise.all([pump(this.#child.stdout), pump(this.#child.stderr)]);
    this.status = this.#child.status.then(async (status) => {
      this.exitCode = status.code;
      await pumps.catch(() => {});
      return status;
    });
  }

  get pid(): number {
    return this.#child.pid;
  }

  sample(): OperatorSample {
    const memory = readMemory(this.pid);
    return { at: performance.now(), ...memory, cpuMs: readCpuMs(this.pid) };
  }

  /** Waits until the probe server answers /readyz (the caches are synced). */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exitCode !== undefined) {
        throw new Error(`the operator exited with ${this.exitCode}; see ${this.logPath}`);
      }
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}/readyz`);
        await res.body?.cancel();
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`the operator was not ready within ${timeoutMs} ms; see ${this.logPath}`);
  }

  /** The operator's /metrics as `name{labels}` → value. */
  async metrics(): Promise<Metrics> {
    const res = await fetch(`http://127.0.0.1:${this.port}/metrics`);
    if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
    return Metrics.parse(await res.text());
  }

  /** SIGTERM, then SIGKILL after 30 s. */
  async stop(): Promise<void> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // already exited
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((r) => timer = setTimeout(() => r("late"), 30_000));
    if (await Promise.race([this.status, late]) === "late") {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
    clearTimeout(timer);
    await this.status;
    try {
      this.#log.close();
    } catch {
      // closed
    }
  }
}

/** Prometheus text samples, summed over label subsets. */
export class Metrics {
  constructor(
    readonly samples: { name: string; labels: Record<string, string>; value: number }[],
  ) {}

  static parse(text: string): Metrics {
    const samples = [];
    for (const line of text.split("\n")) {
      if (line.startsWith("#") || line.trim() === "") continue;
      const match = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? ([^ ]+)$/);
      if (!match) continue;
      const labels: Record<string, string> = {};
      for (const m of (match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1]] = m[2];
      samples.push({ name: match[1], labels, value: Number(match[3]) });
    }
    return new Metrics(samples);
  }

  /** Sum of the series `name` whose labels include all of `where` (a value may be a list). */
  sum(name: string, where: Record<string, string | string[]> = {}): number {
    let total = 0;
    for (const s of this.samples) {
      if (s.name !== name) continue;
      const matches = Object.entries(where).every(([k, v]) =>
        Array.isArray(v) ? v.includes(s.labels[k]) : s.labels[k] === v
      );
      if (matches && Number.isFinite(s.value)) total += s.value;
    }
    return total;
  }
}

/** What the operator did between two /metrics readings. */
export interface Activity {
  restRequests: number;
  apiRequests: number;
  apiWrites: number;
  apiWatches: number;
  statusWrites: number;
  events: number;
  reconciles: number;
}

const WRITE_VERBS = ["create", "update", "patch", "delete"];

export function activityBetween(a: Metrics, b: Metrics): Activity {
  const delta = (name: string, where: Record<string, string | string[]> = {}) =>
    b.sum(name, where) - a.sum(name, where);
  return {
    restRequests: delta("flinkop_flink_rest_requests_total"),
    apiRequests: delta("flinkop_kube_requests_total"),
    apiWrites: delta("flinkop_kube_requests_total", { verb: WRITE_VERBS }),
    apiWatches: delta("flinkop_kube_requests_total", { verb: "watch" }),
    statusWrites: delta("flinkop_kube_requests_total", {
      verb: ["update", "patch"],
      subresource: "status",
    }),
    events: delta("flinkop_kube_requests_total", {
      verb: ["create", "patch", "update"],
      resource: "events",
    }),
    reconciles: delta("flinkop_reconcile_total"),
  };
}
