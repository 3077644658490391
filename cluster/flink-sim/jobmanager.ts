import type { ContainerExit, ContainerSpec, RunningContainer } from "../nodeagent/runtime.ts";
import { Resources } from "../../lib/kube/resource.ts";
import { loadFlinkConfig } from "./config_loader.ts";
import { ContainerFs } from "./container_fs.ts";
import { type Faults, parseFaults } from "./faults.ts";
import type { FlinkConfig } from "./flink_config.ts";
import { decodeFlinkList } from "./flink_list.ts";
import {
  CLAIM_MODE_KEYS,
  clusterIdOf,
  haKind,
  IGNORE_UNCLAIMED_KEYS,
  jobNameOf,
  parallelismOf,
  parseClaimMode,
  restPortOf,
  SAVEPOINT_PATH_KEYS,
  slotsPerTaskManagerOf,
} from "./flink_options.ts";
import type { HaConfigMapStore } from "./ha_store.ts";
import { haApplicationJobId, isFlinkId, newJobId } from "./ids.ts";
import { JarStore } from "./jar_store.ts";
import { isGloballyTerminal, type JobContext, SimJob } from "./job.ts";
import { FileJobResultStore } from "./job_result_store.ts";
import type { JobManagerApi, JobViewCaches } from "./jobmanager_api.ts";
import { checkpointStatsCacheMsOf, JobViewCache, refreshIntervalMsOf } from "./rest_cache.ts";
import {
  KubernetesHaServices,
  type ParallelismBounds,
  type StoredJobGraph,
} from "./kubernetes_ha.ts";
import type { ClusterMode, LaunchSpec } from "./launch.ts";
import { AsyncOperations } from "./operations.ts";
import { ExitCodes, ProcessExit } from "./process_exit.ts";
import { registerClusterRoutes } from "./rest_cluster.ts";
import { registerJarRoutes } from "./rest_jars.ts";
import { registerJobRoutes } from "./rest_jobs.ts";
import { jsonResponse, RestError, RestRouter } from "./rest_router.ts";
import { RestServer, sleepUnless } from "./rest_server.ts";
import { restServerTls, type SimRestTls } from "./rest_tls.ts";
import { registerSnapshotRoutes } from "./rest_snapshots.ts";
import { jobManagerRefusal } from "./startup_checks.ts";
import type { RegisteredTaskManager, TaskManagerRegistry } from "./taskmanager_registry.ts";
import type { SharedTicker } from "./ticker.ts";
import type { SimTimings } from "./timings.ts";
import { ProcessTimers, type TimerHandle } from "./timers.ts";
import { DEFAULT_FLINK_VERSION, type FlinkVersion, parseFlinkVersion } from "./version.ts";
import type { KubeClient } from "../../lib/kube/client.ts";

/** Creates the HA ConfigMap storage for a cluster; the runtime passes a KubeClient-backed one. */
export type HaStoreFactory = (
  kube: KubeClient,
  namespace: string,
  clusterId: string,
) => HaConfigMapStore;

export interface JobManagerDeps {
  spec: ContainerSpec;
  launch: LaunchSpec;
  timings: SimTimings;
  ticker: SharedTicker;
  taskManagers: TaskManagerRegistry;
  haStoreFactory: HaStoreFactory;
  imageVersion?: FlinkVersion;
}

/**
 * A simulated Flink JobManager process (application or session cluster): loads its
 * configuration, takes HA leadership, recovers or submits jobs, then serves the REST API until it
 * exits — on SIGTERM/SIGKILL, DELETE /cluster, application end, or an injected crash.
 */
export class SimJobManager implements RunningContainer, JobManagerApi {
  readonly timers = new ProcessTimers();
  readonly operations: AsyncOperations;
  readonly fs: ContainerFs;
  readonly mode: ClusterMode;
  readonly timings: SimTimings;
  readonly namespace: string;
  readonly podName: string;
  config!: FlinkConfig;
  version: FlinkVersion = DEFAULT_FLINK_VERSION;
  jars!: JarStore;
  viewCaches!: JobViewCaches;
  restUrl = "";

  readonly #deps: JobManagerDeps;
  readonly #exit = new ProcessExit();
  readonly #jobs = new Map<string, SimJob>();
  readonly #submitting = new Set<string>();
  readonly #startedAt = Date.now();
  readonly #router = new RestRouter();
  #server: RestServer | undefined;
  #ha: KubernetesHaServices | undefined;
  #jobResults: FileJobResultStore | undefined;
  #clusterKey = "default";
  #unsubscribeTick: (() => void) | undefined;
  #crashTimer: TimerHandle | undefined;
  #stopping = false;
  /** Set the moment the process starts to exit; fences HA writes from in-flight work. */
  #halted = false;
  #hangRelease = Promise.withResolvers<void>();

  private constructor(deps: JobManagerDeps) {
    this.#deps = deps;
    this.timings = deps.timings;
    this.mode = deps.launch.mode;
    this.namespace = deps.spec.namespace;
    this.podName = deps.spec.podName;
    this.fs = new ContainerFs(deps.spec.mounts, deps.spec.sharedFsRoot);
    this.operations = new AsyncOperations(deps.timings.operationRetentionMs);
  }

  static start(deps: JobManagerDeps): SimJobManager {
    const jm = new SimJobManager(deps);
    jm.#run().catch((err) => jm.#fatal(ExitCodes.runtimeFailure, err));
    return jm;
  }

  // ---- RunningContainer ----

  get exited(): Promise<ContainerExit> {
    return this.#exit.exited;
  }

  /**
   * Ready while the REST endpoint accepts connections: a refused endpoint is not ready, a hanging
   * one is (its port still accepts, as a hung JVM's does), so requests reach it and hang.
   */
  ready(): boolean {
    return this.#exit.alive && !this.#stopping && (this.#server?.listening ?? false) &&
      this.faults().restUnreachable !== "refuse";
  }

  terminate(): void {
    if (!this.#exit.alive || this.#stopping) return;
    this.#stopping = true;
    this.log("RECEIVED SIGNAL 15: SIGTERM. Shutting down as requested.");
    for (const job of this.#jobs.values()) job.suspend();
    void this.#finish(ExitCodes.terminated);
  }

  kill(): void {
    if (!this.#exit.alive) return;
    this.#stopping = true;
    void this.#finish(ExitCodes.killed);
  }

  // ---- JobManagerApi ----

  log(message: string): void {
    this.#deps.spec.log(message);
  }

  faults(): Faults {
    return parseFaults(this.#deps.spec.annotations());
  }

  jobs(): SimJob[] {
    return [...this.#jobs.values()];
  }

  findJob(jobId: string): SimJob | undefined {
    if (!isFlinkId(jobId)) throw new RestError(400, [`Invalid JobID: ${jobId}`]);
    return this.#jobs.get(jobId.toLowerCase());
  }

  job(jobId: string): SimJob {
    const job = this.findJob(jobId);
    if (!job) {
      throw new RestError(404, [
        `org.apache.flink.runtime.rest.NotFoundException: Job ${jobId} not found`,
      ]);
    }
    return job;
  }

  /**
   * New resource requirements for a job (adaptive scheduler): persisted with its job graph first,
   * as Flink's Dispatcher does, then applied.
   */
  async updateResourceRequirements(job: SimJob, bounds: ParallelismBounds): Promise<void> {
    await this.#ha?.putJobGraph({ ...job.graph, resourceRequirements: bounds });
    job.rescale(bounds);
  }

  async submitJob(graph: StoredJobGraph): Promise<SimJob> {
    if (this.#jobs.has(graph.jobId) || this.#submitting.has(graph.jobId)) {
      throw new RestError(409, [
        "org.apache.flink.runtime.client.DuplicateJobSubmissionException: Job has already been " +
        `submitted. (JobID: ${graph.jobId})`,
      ]);
    }
    this.#submitting.add(graph.jobId);
    try {
      // Flink persists the job graph before it acknowledges the submission.
      await this.#ha?.putJobGraph(graph);
      return this.#startJob(graph, false);
    } finally {
      this.#submitting.delete(graph.jobId);
    }
  }

  taskManagers(): RegisteredTaskManager[] {
    const registered = this.#deps.taskManagers.list(this.namespace, this.#clusterKey);
    if (registered.length > 0 || this.#deps.launch.deployment === "standalone") return registered;
    // Native mode: TaskManager pods are not created; report the ones Flink would have started.
    const slots = this.slotsPerTaskManager();
    const needed = this.jobs()
      .filter((j) => !isGloballyTerminal(j.state))
      .reduce((n, j) => n + j.parallelism, 0);
    return Array.from({ length: Math.ceil(needed / slots) }, (_, i) => ({
      id: `${this.#clusterKey}-taskmanager-1-${i + 1}`,
      host: this.#deps.spec.podIP,
      slots,
      registeredAt: this.#startedAt,
    }));
  }

  slotsPerTaskManager(): number {
    return slotsPerTaskManagerOf(this.config);
  }

  shutDownCluster(): void {
    // After the HTTP response has gone out, like Flink's asynchronous shutdown.
    this.timers.after(20, () => void this.#shutDownCluster(ExitCodes.completed, "DELETE /cluster"));
  }

  // ---- startup ----

  async #run(): Promise<void> {
    const { spec, launch } = this.#deps;
    try {
      this.config = await loadFlinkConfig({
        launch,
        env: spec.env,
        fs: this.fs,
        imageVersion: this.#deps.imageVersion,
      });
    } catch (err) {
      return this.#fatal(ExitCodes.startupFailure, err);
    }
    if (launch.restPort) this.config = this.config.with({ "rest.port": launch.restPort });
    this.version = parseFlinkVersion(this.config.get("$internal.flink.version")) ??
      this.#deps.imageVersion ?? DEFAULT_FLINK_VERSION;
    this.viewCaches = {
      executionGraph: new JobViewCache(refreshIntervalMsOf(this.config)),
      checkpointStats: new JobViewCache(checkpointStatsCacheMsOf(this.config)),
    };
    const refusal = jobManagerRefusal(this.config, launch, this.version);
    if (refusal) {
      for (const line of refusal.lines) this.log(line);
      this.#stopping = true;
      return void this.#finish(ExitCodes.startupFailure, refusal.message);
    }
    this.#clusterKey = clusterIdOf(this.config) ?? this.config.get("jobmanager.rpc.address") ??
      "default";
    const port = restPortOf(this.config);
    let restTls: SimRestTls | undefined;
    try {
      restTls = await restServerTls(
        this.config,
        this.fs,
        `v${this.version.major}_${this.version.minor}`,
      );
    } catch (err) {
      // Flink builds the REST endpoint's SSL context while creating the dispatcher component.
      return this.#fatal(
        ExitCodes.startupFailure,
        new Error(`Could not create the DispatcherResourceManagerComponent: ${errorText(err)}`),
      );
    }
    this.restUrl = `${restTls ? "https" : "http"}://${spec.podIP}:${port}`;
    this.#initJarStore();
    this.log(
      `Starting simulated Flink ${this.version.major}.${this.version.minor} JobManager ` +
        `(${launch.deployment} ${this.mode} mode) on ${this.restUrl}.`,
    );

    const faults = this.faults();
    if (faults.jobManagerCrashAfterMs === 0) {
      return this.#crash(ExitCodes.startupFailure);
    }
    this.#unsubscribeTick = this.#deps.ticker.subscribe(() => this.#tick());
    this.#scheduleCrash(faults);

    const haError = this.#initHa();
    if (haError) return this.#fatal(ExitCodes.startupFailure, new Error(haError));

    await this.timers.sleep(this.timings.jobManagerStartMs + faults.startupDelayMs);
    try {
      await this.#ha?.acquireLeadership({ rpcHost: spec.podIP, restUrl: this.restUrl });
      await this.#recoverJobs();
      if (this.mode === "application") await this.#submitApplicationJob();
    } catch (err) {
      return this.#fatal(ExitCodes.startupFailure, err);
    }
    if (!this.#exit.alive || this.#stopping) return;

    this.#registerRoutes();
    this.#server = new RestServer(
      spec.podIP,
      port,
      (req, closing) => this.#serve(req, closing),
      restTls,
    );
    try {
      if (!this.faults().restUnreachable) this.#server.open();
    } catch (err) {
      return this.#fatal(
        ExitCodes.startupFailure,
        new Error(`Could not start rest endpoint on any port in port range ${port}: ${err}`),
      );
    }
    this.log(`Rest endpoint listening at ${this.restUrl}`);
  }

  /** Sets up Kubernetes HA if configured; returns a fatal configuration error, if any. */
  #initHa(): string | undefined {
    const kind = haKind(this.config);
    if (kind === "none") return undefined;
    if (kind === "unsupported") {
      this.log(
        `High availability mode '${
          this.config.get("high-availability.type", "high-availability")
        }'` +
          " is not simulated; running without HA.",
      );
      return undefined;
    }
    const clusterId = clusterIdOf(this.config);
    if (!clusterId) return "Kubernetes HA needs kubernetes.cluster-id to be set.";
    const storageDir = this.config.get("high-availability.storageDir");
    if (!storageDir) {
      return "Configuration is missing the mandatory parameter: high-availability.storageDir";
    }
    const namespace = this.config.get("kubernetes.namespace") ?? this.namespace;
    const store = this.#fenced(
      this.#deps.haStoreFactory(this.#deps.spec.kube, namespace, clusterId),
    );
    this.#ha = new KubernetesHaServices(store, clusterId, this.version, this.fs, storageDir);
    this.#jobResults = new FileJobResultStore(
      this.fs,
      this.config.get("job-result-store.storage-path") ??
        `${storageDir.replace(/\/+$/, "")}/job-result-store/${clusterId}`,
      this.config.getBool(["job-result-store.delete-on-commit"], true),
    );
    return undefined;
  }

  /** A crashed or killed JobManager must not touch HA data any more. */
  #fenced(store: HaConfigMapStore): HaConfigMapStore {
    const check = () => {
      if (this.#halted) throw new Error("JobManager process has exited");
    };
    return {
      get: (name) => (check(), store.get(name)),
      update: (name, change) => (check(), store.update(name, change)),
      delete: (name) => (check(), store.delete(name)),
    };
  }

  /** The Dispatcher recovers every job that has a job graph in HA (after a failover). */
  async #recoverJobs(): Promise<void> {
    if (!this.#ha) return;
    for (const jobId of await this.#ha.jobGraphIds()) {
      const graph = await this.#ha.getJobGraph(jobId);
      if (!graph || this.#jobs.has(graph.jobId)) continue;
      this.log(`Recovered job graph of job ${graph.jobId} (${graph.name}) from HA.`);
      this.#startJob(graph, true);
    }
  }

  async #submitApplicationJob(): Promise<void> {
    const cfg = this.config;
    const { launch } = this.#deps;
    const entryClass = launch.jobClassName ?? cfg.get("$internal.application.main");
    const configuredId = launch.jobId ?? cfg.get("$internal.pipeline.job-id");
    const haClusterId = cfg.get("high-availability.cluster-id") ?? this.#ha?.clusterId;
    const jobId = (configuredId ??
      (haClusterId && this.#ha ? haApplicationJobId(haClusterId) : newJobId())).toLowerCase();
    if (this.#jobs.has(jobId)) return; // recovered from the HA job graph store
    const savepointPath = launch.fromSavepoint ?? cfg.get(...SAVEPOINT_PATH_KEYS);
    const programArgs = launch.programArgs.length > 0
      ? launch.programArgs
      : decodeFlinkList(cfg.get("$internal.application.program-args") ?? "");
    const graph: StoredJobGraph = {
      jobId,
      name: jobNameOf(cfg, entryClass),
      entryClass,
      programArgs,
      parallelism: parallelismOf(cfg),
      configOverrides: {},
      savepointRestore: savepointPath
        ? {
          path: savepointPath,
          allowNonRestoredState: launch.allowNonRestoredState ||
            cfg.getBool(IGNORE_UNCLAIMED_KEYS, false),
          claimMode: parseClaimMode(cfg.get(...CLAIM_MODE_KEYS)) ?? "NO_CLAIM",
        }
        : undefined,
    };
    const earlier = await this.#jobResults?.find(jobId);
    if (earlier) {
      // The job result store says this job already ended: Flink does not run it again.
      this.log(`Job ${jobId} has already reached a globally-terminal state; not running it again.`);
      this.#startJob(graph, false, earlier);
      this.#afterApplicationJobEnded();
      return;
    }
    await this.#ha?.putJobGraph(graph);
    this.#startJob(graph, false);
  }

  #startJob(
    graph: StoredJobGraph,
    recovered: boolean,
    terminatedEarlier?: { state: SimJob["state"]; endTime: number },
  ): SimJob {
    const context: JobContext = {
      timings: this.timings,
      timers: this.timers,
      fs: this.fs,
      ha: this.#ha,
      rpcHost: this.#deps.spec.podIP,
      log: (m) => this.log(m),
      faults: () => this.faults(),
      onGloballyTerminal: (job) => void this.#onJobTerminated(job),
    };
    const job = new SimJob(context, graph, this.config.with(graph.configOverrides), recovered);
    this.#jobs.set(job.id, job);
    if (terminatedEarlier) {
      job.markTerminatedEarlier(terminatedEarlier.state, terminatedEarlier.endTime);
    } else job.start();
    return job;
  }

  #initJarStore(): void {
    const uploadBase = this.config.get("web.upload.dir");
    const tmpName = `flink-web-${crypto.randomUUID()}`;
    const containerDir = `${uploadBase ?? `/tmp/${tmpName}`}/flink-web-upload`;
    const hostDir = uploadBase
      ? this.fs.hostPath(containerDir)
      : `${this.#deps.spec.scratchDir}/${tmpName}/flink-web-upload`;
    this.jars = new JarStore(hostDir, containerDir);
  }

  #registerRoutes(): void {
    registerClusterRoutes(this.#router, this);
    registerJobRoutes(this.#router, this);
    registerSnapshotRoutes(this.#router, this);
    registerJarRoutes(this.#router, this);
  }

  // ---- serving and faults ----

  async #serve(request: Request, closing: AbortSignal): Promise<Response> {
    const faults = this.faults();
    if (faults.restUnreachable) {
      this.#applyRestFaults(faults);
      await Promise.race([this.#hangRelease.promise, sleepUnless(2 ** 31 - 1, closing)]);
      return jsonResponse({ errors: ["Service temporarily unavailable."] }, 503);
    }
    if (faults.restDelayMs > 0) await sleepUnless(faults.restDelayMs, closing);
    this.#applyJobFaults(faults);
    return await this.#router.handle(request);
  }

  /** The shared low-frequency tick: picks up annotation changes while nobody calls REST. */
  #tick(): void {
    if (!this.#exit.alive || this.#stopping) return;
    const faults = this.faults();
    this.#scheduleCrash(faults);
    this.#applyRestFaults(faults);
    this.#applyJobFaults(faults);
  }

  #applyJobFaults(faults: Faults): void {
    for (const job of this.#jobs.values()) job.applyFaults(faults);
  }

  #applyRestFaults(faults: Faults): void {
    const server = this.#server;
    if (!server) return;
    if (faults.restUnreachable !== "hang") {
      this.#hangRelease.resolve();
      this.#hangRelease = Promise.withResolvers<void>();
    }
    if (faults.restUnreachable === "refuse" && server.listening) {
      this.log("REST endpoint made unreachable (rest-unreachable=refuse).");
      void server.close();
    } else if (!faults.restUnreachable && !server.listening && !this.#stopping) {
      try {
        server.open();
        this.log("REST endpoint reachable again.");
      } catch (err) {
        this.log(`Could not reopen the REST endpoint: ${err}`);
      }
    }
  }

  #scheduleCrash(faults: Faults): void {
    if (faults.jobManagerCrashAfterMs === undefined || this.#crashTimer !== undefined) return;
    const remaining = Math.max(0, this.#startedAt + faults.jobManagerCrashAfterMs - Date.now());
    this.#crashTimer = this.timers.after(remaining, () => {
      if (this.faults().jobManagerCrashAfterMs === undefined) {
        this.#crashTimer = undefined; // annotation removed in the meantime
        return;
      }
      this.#crash(ExitCodes.runtimeFailure);
    });
  }

  #crash(code: number): void {
    this.log("Simulated JobManager crash (jobmanager-crash): terminating the process.");
    this.#stopping = true;
    void this.#finish(code, "simulated JobManager crash");
  }

  // ---- job and cluster termination ----

  async #onJobTerminated(job: SimJob): Promise<void> {
    if (!this.#exit.alive || this.#stopping) return;
    if (this.#ha) {
      try {
        await this.#jobResults?.createDirty(job.id, job.state, (job.endTime ?? 0) - job.startTime);
        await this.#ha.cleanupJob(job.id);
        await this.#jobResults?.markClean(job.id);
      } catch (err) {
        this.log(`Could not clean up HA data of job ${job.id}: ${err}`);
      }
    }
    if (this.mode === "application") this.#afterApplicationJobEnded();
  }

  /** Application clusters shut down when their job ends, unless told to stay for observation. */
  #afterApplicationJobEnded(): void {
    if (!this.config.getBool(["execution.shutdown-on-application-finish"], true)) return;
    const jobs = this.jobs();
    if (!jobs.every((j) => isGloballyTerminal(j.state))) return;
    const failed = jobs.some((j) => j.state === "FAILED");
    const code = failed ? ExitCodes.applicationFailed : ExitCodes.completed;
    this.timers.after(0, () => void this.#shutDownCluster(code, "application finished"));
  }

  /** Cluster shutdown with cleanup: HA data goes; native mode also deletes its Deployment. */
  async #shutDownCluster(code: number, why: string): Promise<void> {
    if (!this.#exit.alive || this.#stopping) return;
    this.#stopping = true;
    this.log(`Shutting down cluster (${why}).`);
    for (const job of this.#jobs.values()) job.suspend();
    try {
      await this.#ha?.cleanupCluster([...this.#jobs.keys()]);
    } catch (err) {
      this.log(`Could not clean up HA data: ${err}`);
    }
    if (this.#deps.launch.deployment === "native") {
      const namespace = this.config.get("kubernetes.namespace") ?? this.namespace;
      const clusterId = clusterIdOf(this.config);
      if (clusterId) {
        await this.#deps.spec.kube.delete(Resources.deployments, namespace, clusterId).catch(
          (err) => this.log(`Could not delete Deployment ${namespace}/${clusterId}: ${err}`),
        );
      }
    }
    await this.#finish(code);
  }

  #fatal(code: number, err: unknown): void {
    this.log(
      `Fatal error, terminating the JobManager: ${err instanceof Error ? err.message : err}`,
    );
    this.#stopping = true;
    void this.#finish(code, err instanceof Error ? err.message : String(err));
  }

  /** Stops everything the process owns, then reports the exit. */
  async #finish(code: number, message?: string): Promise<void> {
    this.#halted = true;
    this.timers.stopAll();
    this.#unsubscribeTick?.();
    this.#unsubscribeTick = undefined;
    this.#hangRelease.resolve();
    await this.#server?.close({ dropInFlight: true });
    await this.jars?.removeAll();
    if (this.#exit.exit(code, message)) {
      this.log(`JobManager process exited with code ${code}.`);
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
