/**
 * A minimal Prometheus registry (counters, gauges, histograms with labels) rendered in the text
 * exposition format. Small on purpose: the operator exports a handful of series.
 */
type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  return Object.keys(labels).sort().map((k) => `${k}="${escape(labels[k])}"`).join(",");
}

function escape(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

abstract class Metric {
  constructor(readonly name: string, readonly help: string, readonly type: string) {}
  abstract samples(): string[];
  render(): string {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} ${this.type}`,
      ...this.samples(),
    ]
      .join("\n");
  }
}

export class Counter extends Metric {
  readonly #values = new Map<string, number>();
  constructor(name: string, help: string) {
    super(name, help, "counter");
  }
  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    this.#values.set(k, (this.#values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }
  samples(): string[] {
    return [...this.#values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ""} ${v}`);
  }
}

export class Gauge extends Metric {
  readonly #values = new Map<string, () => number>();
  constructor(name: string, help: string) {
    super(name, help, "gauge");
  }
  set(labels: Labels, value: number): void {
    this.#values.set(labelKey(labels), () => value);
  }
  /** Reads the value when scraped, e.g. a queue depth. */
  track(labels: Labels, read: () => number): void {
    this.#values.set(labelKey(labels), read);
  }
  get(labels: Labels = {}): number {
    return this.#values.get(labelKey(labels))?.() ?? 0;
  }
  samples(): string[] {
    return [...this.#values].map(([k, read]) => `${this.name}${k ? `{${k}}` : ""} ${read()}`);
  }
}

export class Histogram extends Metric {
  readonly #series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(name: string, help: string, readonly buckets: number[]) {
    super(name, help, "histogram");
  }
  observe(labels: Labels, value: number): void {
    const k = labelKey(labels);
    let s = this.#series.get(k);
    if (!s) this.#series.set(k, s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 });
    this.buckets.forEach((b, i) => {
      if (value <= b) s.counts[i]++;
    });
    s.sum += value;
    s.count++;
  }
  count(labels: Labels = {}): number {
    return this.#series.get(labelKey(labels))?.count ?? 0;
  }
  samples(): string[] {
    const out: string[] = [];
    for (const [k, s] of this.#series) {
      const sep = k ? "," : "";
      this.buckets.forEach((b, i) =>
        out.push(`${this.name}_bucket{${k}${sep}le="${b}"} ${s.counts[i]}`)
      );
      out.push(`${this.name}_bucket{${k}${sep}le="+Inf"} ${s.count}`);
      out.push(`${this.name}_sum${k ? `{${k}}` : ""} ${s.sum}`);
      out.push(`${this.name}_count${k ? `{${k}}` : ""} ${s.count}`);
    }
    return out;
  }
}

/** Anything that renders whole metric families itself (e.g. FKO's operator metrics). */
export interface Collector {
  render(): string;
}

export class Registry {
  readonly #metrics: Collector[] = [];
  register<M extends Collector>(metric: M): M {
    this.#metrics.push(metric);
    return metric;
  }
  render(): string {
    return this.#metrics.map((m) => m.render()).filter((text) => text !== "").join("\n") + "\n";
  }
}

/** The runtime's own series; one instance per manager (tests create their own). */
export class RuntimeMetrics {
  readonly registry = new Registry();
  readonly reconciles = this.registry.register(
    new Counter("flinkop_reconcile_total", "Reconcile passes by controller and result."),
  );
  readonly reconcileErrors = this.registry.register(
    new Counter("flinkop_reconcile_errors_total", "Reconcile passes that ended in an error."),
  );
  readonly reconcileDuration = this.registry.register(
    new Histogram(
      "flinkop_reconcile_duration_seconds",
      "Time spent in one reconcile pass.",
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    ),
  );
  readonly queueDepth = this.registry.register(
    new Gauge("flinkop_workqueue_depth", "Keys waiting in a controller's work queue."),
  );
  readonly queueInFlight = this.registry.register(
    new Gauge("flinkop_workqueue_in_flight", "Keys being reconciled right now."),
  );
  readonly watchRestarts = this.registry.register(
    new Counter("flinkop_watch_restarts_total", "Watch reconnects by kind and reason."),
  );
  readonly kubeRequests = this.registry.register(
    new Counter(
      "flinkop_kube_requests_total",
      "Requests to the Kubernetes API server by verb, resource and subresource.",
    ),
  );
  readonly leader = this.registry.register(
    new Gauge("flinkop_leader", "1 while this instance holds the leader lease."),
  );
}
