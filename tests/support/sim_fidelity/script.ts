/**
 * The REST conversation of the simulator-fidelity test: the calls the operator makes
 * (lib/flink/rest/client.ts), in the order a session job's life makes them, against one session
 * cluster. Every call goes through FlinkRestClient — the very request bodies the operator sends —
 * over a transport that records the raw answer (status and body), so what is compared is what
 * Flink sent, not what the client made of it.
 */
import { FlinkRestClient } from "../../../lib/flink/rest/client.ts";
import type { FlinkVersion } from "../../../lib/flink/rest/flink_version.ts";
import {
  DirectTransport,
  type RestRequest,
  type RestResponse,
  type RestTransport,
} from "../../../lib/flink/rest/transport.ts";

/** One HTTP exchange as it happened. */
export interface Exchange {
  method: string;
  path: string;
  requestBody?: unknown;
  status: number;
  json?: unknown;
  text: string;
}

/** A named step of the script and the last exchange it made (the final poll, for polls). */
export interface StepRecord {
  name: string;
  exchange?: Exchange;
  /** Set when the step could not finish (no answer, or a poll that never ended). */
  error?: string;
}

class RecordingTransport implements RestTransport {
  readonly exchanges: Exchange[] = [];
  constructor(private readonly inner: RestTransport) {}

  describe(): string {
    return this.inner.describe();
  }

  async request(method: string, path: string, req: RestRequest): Promise<RestResponse> {
    const res = await this.inner.request(method, path, req);
    this.exchanges.push({
      method,
      path,
      requestBody: req.multipart ? `<multipart ${req.multipart.filename}>` : req.body,
      status: res.status,
      json: res.json,
      text: res.text,
    });
    return res;
  }
}

export interface ScriptInput {
  /** The JobManager's REST base URL, e.g. `http://10.244.0.5:8081`. */
  restUrl: string;
  flinkVersion: FlinkVersion;
  /** The counter job (cluster/flink-real/jobs/counter) for this release. */
  jar: Uint8Array;
  entryClass: string;
  /** `file:///…` directory for savepoints, writable by the JobManager. */
  savepointDir: string;
  /** `file:///…` directory for checkpoints. */
  checkpointDir: string;
  /** Fixed job ids, so both runs use the same ones. */
  jobIds: { first: string; restored: string; failing: string; unknown: string };
  log?: (message: string) => void;
  /** Deadline of each poll (real Flink needs seconds to start a job). */
  pollTimeoutMs?: number;
}

export interface ScriptResult {
  steps: StepRecord[];
  /** Every exchange, for a failure report. */
  exchanges: Exchange[];
}

const POLL_INTERVAL_MS = 200;
const UNKNOWN_TRIGGER = "0000000000000000000000000000beef";

/**
 * Runs the conversation. Steps whose answer is an error on purpose (unknown job, cancel of a
 * finished job) are recorded like any other; a step that cannot finish is recorded with `error`
 * and the script goes on where it can.
 */
export async function runFidelityScript(input: ScriptInput): Promise<ScriptResult> {
  const transport = new RecordingTransport(new DirectTransport(input.restUrl));
  const client = new FlinkRestClient(transport, { defaultMs: 30_000, jarRunMs: 60_000 });
  const steps: StepRecord[] = [];
  const log = input.log ?? (() => {});
  const pollTimeoutMs = input.pollTimeoutMs ?? 60_000;

  /** Runs one step; its record is the last exchange it made. Returns fn's value, if any. */
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T | undefined> => {
    const before = transport.exchanges.length;
    let value: T | undefined;
    let error: string | undefined;
    try {
      value = await fn();
    } catch (err) {
      // An HTTP error answer is recorded as the exchange; anything else is the step's failure.
      if (
        transport.exchanges.length === before || !(err instanceof Error) ||
        err.name !== "FlinkRestError"
      ) {
        error = err instanceof Error ? err.message : String(err);
      }
    }
    const exchange = transport.exchanges.length > before ? transport.exchanges.at(-1) : undefined;
    steps.push({ name, exchange, ...(error ? { error } : {}) });
    log(
      `${name}: ${exchange ? `HTTP ${exchange.status}` : "no answer"}${error ? ` (${error})` : ""}`,
    );
    return value;
  };

  /** Polls `fn` until `done` holds for its value. */
  const poll = async <T>(what: string, fn: () => Promise<T>, done: (v: T) => boolean) => {
    const deadline = Date.now() + pollTimeoutMs;
    for (;;) {
      const value = await fn();
      if (done(value)) return value;
      if (Date.now() > deadline) {
        throw new Error(`${what}: still not done after ${pollTimeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
    }
  };
  /** Waits without recording (readiness a real cluster needs and the simulator has at once). */
  const quietly = async (what: string, fn: () => Promise<boolean>) => {
    const before = transport.exchanges.length;
    try {
      await poll(what, () => fn().catch(() => false), (v) => v);
    } finally {
      transport.exchanges.splice(before);
    }
  };
  /** A trigger (savepoint or checkpoint) and, when accepted, its status polled until done. */
  const operation = async (
    kind: "savepoints" | "checkpoints",
    label: string,
    jobId: string,
    trigger: () => Promise<string>,
  ) => {
    const triggerId = await step(`POST /jobs/:jobid/${kind} ${label}`, trigger);
    if (!triggerId) return;
    await step(`GET /jobs/:jobid/${kind}/:triggerid until done ${label}`, () =>
      poll(
        `${kind} ${label}`,
        (): Promise<{ state: string }> =>
          kind === "savepoints"
            ? client.savepointStatus(jobId, triggerId)
            : client.checkpointStatus(jobId, triggerId),
        (s) => s.state !== "IN_PROGRESS",
      ));
  };
  const allTasksRunning = async (jobId: string) => {
    const res = await fetch(`${input.restUrl}/v1/jobs/overview`);
    const body = await res.json() as {
      jobs?: { jid: string; tasks?: { running?: number; total?: number } }[];
    };
    const tasks = body.jobs?.find((j) => j.jid === jobId)?.tasks;
    return tasks?.running !== undefined && tasks.running > 0 && tasks.running === tasks.total;
  };
  const terminal = new Set(["FINISHED", "CANCELED", "FAILED"]);
  const { first, restored, failing, unknown } = input.jobIds;

  // ---- the cluster ----
  await quietly("a registered TaskManager", async () => (await client.overview()).taskManagers > 0);
  await step("GET /config", () => client.config());
  await step("GET /overview", () => client.overview());
  await step("GET /taskmanagers", () => client.taskManagers());

  // ---- a job: upload, run with a fixed id, RUNNING ----
  const jarId = await step("POST /jars/upload", () => client.uploadJar(input.jar, "counter.jar"));
  if (!jarId) return { steps, exchanges: transport.exchanges };
  const jobConfig = {
    "execution.checkpointing.interval": "10 min",
    "execution.checkpointing.dir": input.checkpointDir,
    "execution.checkpointing.savepoint-dir": input.savepointDir,
  };
  await step("POST /jars/:jarid/run", () =>
    client.runJar(jarId, {
      entryClass: input.entryClass,
      programArgsList: ["--rate", "50"],
      parallelism: 2,
      jobId: first,
      flinkConfiguration: jobConfig,
    }, input.flinkVersion));
  await step(
    "GET /jobs/:jobid/status until RUNNING",
    () => poll("job RUNNING", () => client.jobStatus(first), (s) => s === "RUNNING"),
  );
  // Checkpoints need every task running, which real Flink reaches after the job state.
  await quietly("all tasks running", () => allTasksRunning(first));
  await step("GET /jobs/overview", () => client.listJobs());
  const details = await step("GET /jobs/:jobid", () => client.jobDetails(first));

  // ---- checkpoint ----
  // The statistics fetched now are what Flink serves for the next seconds (its cache): the
  // checkpoint below is missing from them and its details answer 404 until the entry expires.
  await step(
    "GET /jobs/:jobid/checkpoints (before the checkpoint)",
    () => client.checkpointStats(first),
  );
  const cpTrigger = await step(
    "POST /jobs/:jobid/checkpoints",
    () => client.triggerCheckpoint(first, { type: "FULL" }),
  );
  const cp = cpTrigger
    ? await step("GET /jobs/:jobid/checkpoints/:triggerid until done", () =>
      poll(
        "checkpoint",
        () => client.checkpointStatus(first, cpTrigger),
        (s) => s.state !== "IN_PROGRESS",
      ))
    : undefined;
  if (cp?.state === "COMPLETED") {
    await step(
      "GET /jobs/:jobid/checkpoints/details/:checkpointid (statistics cached before it)",
      () => client.checkpointDetails(first, cp.checkpointId),
    );
    await quietly("the checkpoint statistics cache to expire", async () => {
      await client.checkpointDetails(first, cp.checkpointId);
      return true;
    });
    await step(
      "GET /jobs/:jobid/checkpoints/details/:checkpointid",
      () => client.checkpointDetails(first, cp.checkpointId),
    );
  }
  await step("GET /jobs/:jobid/checkpoints", () => client.checkpointStats(first));

  // ---- savepoint ----
  const spTrigger = await step(
    "POST /jobs/:jobid/savepoints",
    () =>
      client.triggerSavepoint(first, {
        targetDirectory: input.savepointDir,
        formatType: "CANONICAL",
      }),
  );
  const sp = spTrigger
    ? await step("GET /jobs/:jobid/savepoints/:triggerid until done", () =>
      poll(
        "savepoint",
        () => client.savepointStatus(first, spTrigger),
        (s) => s.state !== "IN_PROGRESS",
      ))
    : undefined;

  // ---- observation of a running job ----
  await step("GET /jobs/:jobid/exceptions", () => client.exceptions(first, 10));
  await step("GET /jobs/:jobid/execution-result (running)", () => client.executionResult(first));
  await step("GET /jobs/:jobid/metrics", () =>
    client.metrics(first, [
      "numRestarts",
      "lastCheckpointExternalPath",
      "numberOfCompletedCheckpoints",
      "uptime",
    ]));
  // The default scheduler has no resource requirements: both calls fail (an in-place rescale
  // needs the adaptive scheduler). The PUT names every vertex, as the operator would.
  await step(
    "GET /jobs/:jobid/resource-requirements",
    () => client.resourceRequirements(first),
  );
  const bounds = Object.fromEntries(
    (details?.vertices ?? []).map((v) => [v.id, { lowerBound: 1, upperBound: v.parallelism }]),
  );
  await step(
    "PUT /jobs/:jobid/resource-requirements",
    () => client.updateResourceRequirements(first, bounds),
  );
  await step(
    "PUT /jobs/:jobid/resource-requirements (no vertices)",
    () => client.updateResourceRequirements(first, {}),
  );

  // ---- stop-with-savepoint, then what a stopped job answers ----
  const stopTrigger = await step("POST /jobs/:jobid/stop", () =>
    client.stopWithSavepoint(first, {
      targetDirectory: input.savepointDir,
      drain: false,
      formatType: "CANONICAL",
    }));
  const stopped = stopTrigger
    ? await step("GET /jobs/:jobid/savepoints/:triggerid until done (stop)", () =>
      poll(
        "stop-with-savepoint",
        () => client.savepointStatus(first, stopTrigger),
        (s) => s.state !== "IN_PROGRESS",
      ))
    : undefined;
  await step(
    "GET /jobs/:jobid/status until FINISHED",
    () => poll("job terminal", () => client.jobStatus(first), (s) => terminal.has(s)),
  );
  await step(
    "GET /jobs/:jobid/execution-result (finished)",
    () =>
      poll(
        "execution result",
        () => client.executionResult(first),
        (r) => r.state !== "IN_PROGRESS",
      ),
  );
  await step("PATCH /jobs/:jobid?mode=cancel (finished)", () => client.cancelJob(first));
  await operation(
    "savepoints",
    "(finished)",
    first,
    () =>
      client.triggerSavepoint(first, {
        targetDirectory: input.savepointDir,
        formatType: "CANONICAL",
      }),
  );
  await operation(
    "checkpoints",
    "(finished)",
    first,
    () => client.triggerCheckpoint(first, { type: "FULL" }),
  );

  // ---- restore from the stop's savepoint, without checkpointing; cancel ----
  if (stopped?.state === "COMPLETED") {
    await step("POST /jars/:jarid/run (from savepoint)", () =>
      client.runJar(jarId, {
        entryClass: input.entryClass,
        programArgsList: ["--rate", "50"],
        parallelism: 2,
        jobId: restored,
        savepointPath: stopped.location,
        flinkConfiguration: {
          "execution.checkpointing.savepoint-dir": input.savepointDir,
          // Only the cluster's configuration picks the scheduler: this one stays the default.
          "jobmanager.scheduler": "adaptive",
        },
      }, input.flinkVersion));
    await step(
      "GET /jobs/:jobid/status until RUNNING (restored)",
      () => poll("restored job RUNNING", () => client.jobStatus(restored), (s) => s === "RUNNING"),
    );
    await quietly("all tasks of the restored job running", () => allTasksRunning(restored));
    await step(
      "GET /jobs/:jobid/checkpoints (restored, no checkpointing)",
      () => client.checkpointStats(restored),
    );
    await step(
      "GET /jobs/:jobid/resource-requirements (scheduler set by the job)",
      () => client.resourceRequirements(restored),
    );
    await operation(
      "savepoints",
      "(no target directory)",
      restored,
      () => client.triggerSavepoint(restored, { formatType: "CANONICAL" }),
    );
    await step("PATCH /jobs/:jobid?mode=cancel (running)", () => client.cancelJob(restored));
    await step(
      "GET /jobs/:jobid/status until CANCELED",
      () => poll("job terminal", () => client.jobStatus(restored), (s) => terminal.has(s)),
    );
    await step("PATCH /jobs/:jobid?mode=cancel (canceled)", () => client.cancelJob(restored));
  }

  // ---- a job id the cluster does not know ----
  await step("GET /jobs/:unknown", () => client.jobDetails(unknown));
  await step("GET /jobs/:unknown/status", () => client.jobStatus(unknown));
  await step("PATCH /jobs/:unknown?mode=cancel", () => client.cancelJob(unknown));
  const unknownStop = await step(
    "POST /jobs/:unknown/stop",
    () =>
      client.stopWithSavepoint(unknown, {
        targetDirectory: input.savepointDir,
        drain: false,
        formatType: "CANONICAL",
      }),
  );
  if (unknownStop) {
    await step("GET /jobs/:unknown/savepoints/:triggerid until done", () =>
      poll(
        "stop of an unknown job",
        () => client.savepointStatus(unknown, unknownStop),
        (s) => s.state !== "IN_PROGRESS",
      ));
  }

  await operation(
    "savepoints",
    "(unknown job)",
    unknown,
    () =>
      client.triggerSavepoint(unknown, {
        targetDirectory: input.savepointDir,
        formatType: "CANONICAL",
      }),
  );
  await operation(
    "checkpoints",
    "(unknown job)",
    unknown,
    () => client.triggerCheckpoint(unknown, { type: "FULL" }),
  );
  // What a JobManager that restarted answers for a trigger the operator recorded before.
  await step(
    "GET /jobs/:jobid/savepoints/:unknown-trigger",
    () => client.savepointStatus(first, UNKNOWN_TRIGGER),
  );
  await step(
    "GET /jobs/:jobid/checkpoints/:unknown-trigger",
    () => client.checkpointStatus(first, UNKNOWN_TRIGGER),
  );
  await step(
    "GET /savepoint-disposal/:unknown-trigger",
    () => client.disposalStatus(UNKNOWN_TRIGGER),
  );

  // ---- savepoint disposal ----
  if (sp?.state === "COMPLETED") {
    const disposal = await step(
      "POST /savepoint-disposal",
      () => client.disposeSavepoint(sp.location),
    );
    if (disposal) {
      await step(
        "GET /savepoint-disposal/:triggerid until done",
        () =>
          poll("disposal", () => client.disposalStatus(disposal), (s) => s.state !== "IN_PROGRESS"),
      );
    }
  }
  const missing = await step(
    "POST /savepoint-disposal (missing path)",
    () => client.disposeSavepoint(`${input.savepointDir}/savepoint-000000-000000000000`),
  );
  if (missing) {
    await step(
      "GET /savepoint-disposal/:triggerid until done (missing path)",
      () =>
        poll("disposal", () => client.disposalStatus(missing), (s) => s.state !== "IN_PROGRESS"),
    );
  }

  // ---- a run Flink refuses: its savepoint does not exist ----
  const failingRun = await step(
    "POST /jars/:jarid/run (missing savepoint)",
    () =>
      client.runJar(jarId, {
        entryClass: input.entryClass,
        programArgsList: ["--rate", "50"],
        parallelism: 2,
        jobId: failing,
        savepointPath: `${input.savepointDir}/savepoint-000000-000000000000`,
        flinkConfiguration: jobConfig,
      }, input.flinkVersion),
  );
  if (failingRun) {
    await step(
      "GET /jobs/:jobid/status until terminal (missing savepoint)",
      () => poll("job terminal", () => client.jobStatus(failing), (s) => terminal.has(s)),
    );
  }
  await step("GET /jobs/:jobid (missing savepoint)", () => client.jobDetails(failing));
  await step("GET /jobs/overview (missing savepoint)", () => client.listJobs());
  await step(
    "GET /jobs/:jobid/execution-result (missing savepoint)",
    () => client.executionResult(failing),
  );
  await step(
    "GET /jobs/:jobid/exceptions (missing savepoint)",
    () => client.exceptions(failing, 10),
  );

  await step("DELETE /jars/:jarid", () => client.deleteJar(jarId));
  return { steps, exchanges: transport.exchanges };
}
