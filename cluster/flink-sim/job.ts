import { type FlinkJobState, isGloballyTerminal } from "../../lib/api/enums.ts";
import {
  CheckpointCoordinator,
  type SavepointFormat,
  type SnapshotOutcome,
} from "./checkpoint_coordinator.ts";
import { type ContainerFs, flinkPathText } from "./container_fs.ts";
import { FlinkExceptions, type SimThrowable, throwable } from "./failure.ts";
import type { Faults } from "./faults.ts";
import type { FlinkConfig } from "./flink_config.ts";
import {
  checkpointDirOf,
  checkpointHistorySizeOf,
  checkpointIntervalMsOf,
  maxParallelismOf,
  parallelismOverrideOf,
  restartPolicyOf,
  retainedCheckpointsOf,
  retentionPolicyOf,
  tolerableCheckpointFailuresOf,
} from "./flink_options.ts";
import { derivedId } from "./ids.ts";
import type { KubernetesHaServices, ParallelismBounds, StoredJobGraph } from "./kubernetes_ha.ts";
import { readSnapshot, SnapshotReadError } from "./snapshot_files.ts";
import type { SimTimings } from "./timings.ts";
import type { ProcessTimers } from "./timers.ts";

// The simulator's modules import job-state predicates from here.
export { isGloballyTerminal };

/** What a job needs from the JobManager process that runs it. */
export interface JobContext {
  timings: SimTimings;
  timers: ProcessTimers;
  fs: ContainerFs;
  ha?: KubernetesHaServices;
  rpcHost: string;
  log(message: string): void;
  faults(): Faults;
  /** Called once when the job reaches FINISHED, CANCELED or FAILED. */
  onGloballyTerminal(job: SimJob): void;
}

export interface ExceptionRecord {
  failure: SimThrowable;
  timestamp: number;
}

/** A cancel request the job cannot honour; REST turns it into 409 like Flink. */
export class JobTerminatedError extends Error {
  constructor(readonly jobId: string, readonly state: FlinkJobState) {
    super(`Job ${jobId} has already reached another terminal state (${state}).`);
    this.name = "JobTerminatedError";
  }
}

/**
 * One simulated streaming job. Its state is a counter that grows while the job is RUNNING; the
 * value is computed from timestamps on demand, so a running job costs no timer except its
 * periodic checkpoint. State changes follow Flink's job status machine and are scheduled as
 * one-shot timers; every delayed step checks `#epoch` so a cancel or failure in between wins.
 */
export class SimJob {
  readonly id: string;
  readonly name: string;
  /**
   * The id of the job's one vertex. Flink derives vertex ids from the program's topology, not
   * from the job id, so the same program (entry class) has the same vertex id in every run and
   * `pipeline.jobvertex-parallelism-overrides` written for it keep applying.
   */
  readonly vertexId: string;
  /** The vertex's maximum parallelism (the upper limit of any rescale). */
  readonly maxParallelism: number;
  readonly graph: StoredJobGraph;
  readonly config: FlinkConfig;
  readonly checkpoints: CheckpointCoordinator;
  readonly startTime = Date.now();
  readonly timestamps: Partial<Record<FlinkJobState, number>> = {};
  readonly exceptions: ExceptionRecord[] = [];
  endTime: number | undefined;
  failure: ExceptionRecord | undefined;
  numRestarts = 0;

  #state: FlinkJobState = "INITIALIZING";
  #initialized = Promise.withResolvers<void>();
  #epoch = 0;
  #parallelism: number;
  #minParallelism: number;
  #initialCounter = 0;
  #counterBase = 0;
  #runningSince: number | undefined;
  #runningMs = 0;
  #restartingMs = 0;
  #restartingSince: number | undefined;

  constructor(
    private readonly ctx: JobContext,
    graph: StoredJobGraph,
    config: FlinkConfig,
    /** Recovered from the HA job graph store after a JobManager failover. */
    readonly recovered: boolean,
  ) {
    this.graph = graph;
    this.id = graph.jobId;
    this.name = graph.name;
    this.config = config;
    this.vertexId = derivedId(`vertex:${graph.entryClass ?? "counter"}`);
    const submitted = parallelismOverrideOf(config, this.vertexId) ?? graph.parallelism;
    this.maxParallelism = maxParallelismOf(config, submitted);
    // Requirements persisted by an earlier rescale win over what the job was submitted with.
    this.#minParallelism = graph.resourceRequirements?.lowerBound ?? 1;
    this.#parallelism = graph.resourceRequirements?.upperBound ?? submitted;
    this.timestamps.INITIALIZING = this.startTime;
    const haStore = ctx.ha?.checkpointStore(this.id);
    this.checkpoints = new CheckpointCoordinator({
      jobId: this.id,
      isRunning: () => this.#state === "RUNNING",
      counterNow: () => this.counter(),
      checkpointFailure: () => ctx.faults().checkpointFail,
      savepointFailure: () => ctx.faults().savepointFail,
      timers: ctx.timers,
      fs: ctx.fs,
      checkpointMs: ctx.timings.checkpointMs,
      // Read when a savepoint starts: the savepoint-duration-ms fault, else the timings.
      get savepointMs() {
        return ctx.faults().savepointDurationMs || ctx.timings.savepointMs;
      },
      log: (m) => ctx.log(m),
      onTolerableFailuresExceeded: (cause) => this.#failover(cause, false),
    }, {
      checkpointDir: checkpointDirOf(config),
      intervalMs: checkpointIntervalMsOf(config),
      retained: retainedCheckpointsOf(config),
      retention: retentionPolicyOf(config),
      historySize: checkpointHistorySizeOf(config),
      tolerableFailures: tolerableCheckpointFailuresOf(config),
      ha: haStore,
      haStorageDir: ctx.ha?.clusterStorageDir,
    });
  }

  get state(): FlinkJobState {
    return this.#state;
  }

  get parallelism(): number {
    return this.#parallelism;
  }

  /** The adaptive scheduler's bounds of the vertex: what `GET …/resource-requirements` shows. */
  get resourceRequirements(): ParallelismBounds {
    return { lowerBound: this.#minParallelism, upperBound: this.#parallelism };
  }

  /**
   * Resolves when the job leaves INITIALIZING (its JobMaster started, or failed to): what Flink's
   * job submission from a jar run waits for.
   */
  get initialized(): Promise<void> {
    return this.#initialized.promise;
  }

  /**
   * Whether the job got an execution graph (reached CREATED). A job that failed while
   * initialising, or that a JobManager only knows from the job result store, has none: no
   * vertices, no tasks.
   */
  get hasExecutionGraph(): boolean {
    return this.timestamps.CREATED !== undefined;
  }

  /** The job's state: +1 per counter tick of RUNNING time since the restored value. */
  counter(now = Date.now()): number {
    return this.#counterBase + Math.floor(this.runningMs(now) / this.ctx.timings.counterTickMs);
  }

  /** RUNNING time since the last (re)start from a snapshot. */
  runningMs(now = Date.now()): number {
    return this.#runningMs + (this.#runningSince === undefined ? 0 : now - this.#runningSince);
  }

  restartingMs(now = Date.now()): number {
    return this.#restartingMs +
      (this.#restartingSince === undefined ? 0 : now - this.#restartingSince);
  }

  /** Initialises (restores state) and schedules the way to RUNNING. */
  start(): void {
    this.ctx.log(`Job ${this.name} (${this.id}) is submitted.`);
    const epoch = this.#epoch;
    const half = this.ctx.timings.jobStartMs / 2;
    const initialised = Promise.all([this.#restoreState(), this.ctx.timers.sleep(half)]);
    initialised.then(() => {
      if (epoch !== this.#epoch) return;
      this.#switch("CREATED");
      const created = this.#epoch;
      this.ctx.timers.after(half, () => {
        if (created === this.#epoch) this.#switch("RUNNING");
      });
    }, (err: unknown) => {
      if (epoch !== this.#epoch) return;
      const failure = err instanceof JobFailure ? err.failure : throwable(
        FlinkExceptions.jobInitialization,
        "Could not start the JobMaster.",
        throwable(FlinkExceptions.runtime, (err as Error).message),
      );
      this.#fail(failure);
    });
  }

  /** A job that already reached a final state before this JobManager (job result store). */
  markTerminatedEarlier(state: FlinkJobState, endTime: number): void {
    this.#epoch++;
    this.#state = state;
    this.timestamps[state] = endTime;
    this.endTime = endTime;
    this.#initialized.resolve();
  }

  cancel(): void {
    if (isGloballyTerminal(this.#state)) {
      if (this.#state === "CANCELED") return;
      throw new JobTerminatedError(this.id, this.#state);
    }
    if (this.#state === "CANCELLING") return;
    this.#switch("CANCELLING");
    const epoch = this.#epoch;
    this.ctx.timers.after(this.ctx.timings.cancelMs, () => {
      if (epoch === this.#epoch) this.#switch("CANCELED");
    });
  }

  async triggerSavepoint(
    targetDir: string,
    format: SavepointFormat,
    cancelJob: boolean,
  ): Promise<SnapshotOutcome> {
    const outcome = await this.checkpoints.triggerSavepoint(targetDir, format, "SAVEPOINT");
    if (outcome.ok && cancelJob && this.#state === "RUNNING") this.#switch("CANCELED");
    return outcome;
  }

  /** Stop-with-savepoint: the job ends FINISHED once the savepoint is complete. */
  async stopWithSavepoint(targetDir: string, format: SavepointFormat): Promise<SnapshotOutcome> {
    const outcome = await this.checkpoints.triggerSavepoint(targetDir, format, "SYNC_SAVEPOINT");
    if (outcome.ok && this.#state === "RUNNING") this.#switch("FINISHED");
    return outcome;
  }

  /**
   * Adaptive-scheduler rescale: new bounds for the vertex; with the slots available the job runs
   * at the upper bound, so a changed upper bound restarts it with that parallelism from its latest
   * checkpoint (same job id). Not counted in numRestarts (it is no failure).
   */
  rescale(bounds: ParallelismBounds): void {
    this.#minParallelism = bounds.lowerBound;
    const parallelism = bounds.upperBound;
    if (parallelism === this.#parallelism) return;
    this.ctx.log(
      `Rescaling job ${this.id} from parallelism ${this.#parallelism} to ${parallelism}.`,
    );
    this.#parallelism = parallelism;
    if (this.#state !== "RUNNING") return;
    this.#switch("RESTARTING");
    this.#resumeAfter(this.ctx.timings.restartMs);
  }

  /** Applies fault annotations; called on REST requests and by the low-frequency tick. */
  applyFaults(faults: Faults): void {
    if (this.#state !== "RUNNING") return;
    if (faults.jobFail) {
      this.#fail(throwable(FlinkExceptions.runtime, faults.jobFail));
    } else if (faults.jobFinish) {
      this.#switch("FINISHED");
    } else if (faults.jobRestarts > this.numRestarts) {
      const n = this.numRestarts + 1;
      this.#failover(
        throwable(
          FlinkExceptions.runtime,
          `Simulated task failure ${n} of ${faults.jobRestarts} (job-restarts)`,
        ),
        true,
      );
    }
  }

  /** The JobManager goes away without HA cleanup: the job stops where it is. */
  suspend(): void {
    this.#epoch++;
    this.checkpoints.abortPending("Job is being suspended.");
    this.#leaveRunning();
    if (!this.ctx.ha && !isGloballyTerminal(this.#state)) {
      void this.checkpoints.discardOnTermination("SUSPENDED");
    }
  }

  async #restoreState(): Promise<void> {
    const ha = this.ctx.ha;
    let nextId = 1;
    if (ha) {
      const store = ha.checkpointStore(this.id);
      const stored = await store.read();
      nextId = stored?.counter ?? 1;
      const latest = stored?.checkpoints.at(-1);
      if (latest) {
        // HA checkpoints win over any savepoint path, exactly like Flink's restore order.
        const metadata = await readSnapshot(this.ctx.fs, latest.pointer).catch((err) => {
          throw new JobFailure(throwable(
            FlinkExceptions.jobInitialization,
            "Could not start the JobMaster.",
            throwable(
              FlinkExceptions.flink,
              `Could not retrieve checkpoint ${latest.id} from state handle under ` +
                `checkpointID-${String(latest.id).padStart(19, "0")}. This indicates that the ` +
                `retrieved state handle is broken. Try cleaning the state handle store.`,
              throwable(FlinkExceptions.fileNotFound, (err as Error).message),
            ),
          ));
        });
        this.#setRestored(metadata.counter);
        this.checkpoints.nextId = Math.max(nextId, latest.id + 1);
        this.checkpoints.noteRestored(
          {
            id: latest.id,
            restoreTimestamp: Date.now(),
            isSavepoint: false,
            externalPath: latest.pointer,
          },
          metadata.counter,
          true,
          stored!.checkpoints,
        );
        this.ctx.log(
          `Restoring job ${this.id} from Checkpoint ${latest.id} @ ${latest.pointer} (HA).`,
        );
        await store.open(this.checkpoints.nextId);
        await ha.putJobLeader(this.id, this.ctx.rpcHost);
        return;
      }
    }
    const restore = this.graph.savepointRestore;
    if (restore) {
      const metadata = await readSnapshot(this.ctx.fs, restore.path).catch((err) => {
        const reason = err instanceof SnapshotReadError && err.notFound
          ? throwable(FlinkExceptions.fileNotFound, err.message)
          : throwable(FlinkExceptions.io, (err as Error).message);
        throw new JobFailure(throwable(
          FlinkExceptions.jobInitialization,
          "Could not start the JobMaster.",
          throwable(FlinkExceptions.runtime, `${reason.className}: ${reason.message}`, reason),
        ));
      });
      this.#setRestored(metadata.counter);
      nextId = Math.max(nextId, metadata.checkpointId + 1);
      this.checkpoints.noteRestored(
        {
          id: metadata.checkpointId,
          restoreTimestamp: Date.now(),
          isSavepoint: metadata.type === "savepoint",
          externalPath: flinkPathText(restore.path, this.ctx.fs.workingDir),
        },
        metadata.counter,
        restore.claimMode === "CLAIM",
      );
      this.ctx.log(
        `Starting job ${this.id} from savepoint ${restore.path} (allowNonRestoredState: ` +
          `${restore.allowNonRestoredState}, claim mode: ${restore.claimMode}).`,
      );
    }
    this.checkpoints.nextId = nextId;
    if (ha) {
      await ha.checkpointStore(this.id).open(nextId);
      await ha.putJobLeader(this.id, this.ctx.rpcHost);
    }
  }

  #setRestored(counter: number): void {
    this.#initialCounter = counter;
    this.#counterBase = counter;
  }

  /**
   * A recoverable failure: restart from the latest retained checkpoint if the restart strategy
   * allows (or the restart was injected), else FAILED.
   */
  #failover(cause: SimThrowable, forced: boolean): void {
    if (this.#state !== "RUNNING") return;
    const policy = restartPolicyOf(this.config);
    const allowed = forced ||
      (policy.restarts &&
        (policy.maxAttempts === undefined || this.numRestarts < policy.maxAttempts));
    if (!allowed) {
      this.#fail(throwable(
        "org.apache.flink.runtime.JobException",
        `Recovery is suppressed by ${policy.description}`,
        cause,
      ));
      return;
    }
    this.#recordException(cause);
    this.numRestarts++;
    this.#switch("RESTARTING");
    this.#resumeAfter(this.ctx.timings.restartMs);
  }

  /** Back to RUNNING after a restart, with state rolled back to the latest checkpoint. */
  #resumeAfter(delayMs: number): void {
    const epoch = this.#epoch;
    this.ctx.timers.after(delayMs, () => {
      if (epoch !== this.#epoch) return;
      this.#counterBase = this.checkpoints.latestRetainedCounter() ?? this.#initialCounter;
      this.#runningMs = 0;
      this.#switch("RUNNING");
    });
  }

  #fail(failure: SimThrowable): void {
    if (isGloballyTerminal(this.#state)) return;
    this.#recordException(failure);
    this.failure = { failure, timestamp: Date.now() };
    this.#switch("FAILED");
  }

  #recordException(failure: SimThrowable): void {
    this.exceptions.unshift({ failure, timestamp: Date.now() });
    if (this.exceptions.length > 16) this.exceptions.length = 16;
  }

  #switch(to: FlinkJobState): void {
    const from = this.#state;
    if (from === to) return;
    const now = Date.now();
    this.#epoch++;
    if (from === "RUNNING") {
      this.checkpoints.abortPending(`Checkpoint was canceled: job switched to ${to}.`);
      this.#leaveRunning(now);
    }
    if (from === "RESTARTING" && this.#restartingSince !== undefined) {
      this.#restartingMs += now - this.#restartingSince;
      this.#restartingSince = undefined;
    }
    this.#state = to;
    this.timestamps[to] = now;
    if (from === "INITIALIZING") this.#initialized.resolve();
    this.ctx.log(`Job ${this.name} (${this.id}) switched from state ${from} to ${to}.`);
    if (to === "RUNNING") {
      this.#runningSince = now;
      this.checkpoints.startPeriodic();
      this.applyFaults(this.ctx.faults());
    } else if (to === "RESTARTING") {
      this.#restartingSince = now;
    } else if (to === "CANCELLING" || to === "FAILING") {
      this.checkpoints.abortPending(`Checkpoint was canceled: job switched to ${to}.`);
    }
    if (isGloballyTerminal(to)) {
      this.endTime = now;
      this.checkpoints.abortPending(`Job reached ${to}.`);
      void this.checkpoints.discardOnTermination(to as "FINISHED" | "CANCELED" | "FAILED");
      this.ctx.onGloballyTerminal(this);
    }
  }

  #leaveRunning(now = Date.now()): void {
    if (this.#runningSince === undefined) return;
    this.#runningMs += now - this.#runningSince;
    this.#runningSince = undefined;
  }
}

/** An initialisation failure that already carries the exception Flink would report. */
class JobFailure extends Error {
  constructor(readonly failure: SimThrowable) {
    super(failure.message);
  }
}
