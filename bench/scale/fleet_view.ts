/**
 * What the bench sees of the fleet: watch caches of the namespace's FlinkDeployments and
 * FlinkSessionJobs, with waiting for a condition over all of them and per-object listeners (the
 * reaction measurement notes the first status change after a patch).
 */
import { FlinkDeployments, FlinkSessionJobs } from "../../lib/flink/resources.ts";
import type { KubeClient } from "../../lib/kube/client.ts";
import { Store } from "../../lib/runtime/store.ts";
import { Watcher } from "../../lib/runtime/watcher.ts";
import { type Fd, isRunningStable } from "../../tests/support/flink.ts";
import { isSjRunningStable, type Sj } from "../../tests/support/session_job.ts";

export class FleetView {
  readonly fds = new Store<Fd>();
  readonly sessionJobs = new Store<Sj>();
  readonly #listeners = new Set<(fd: Fd | undefined, sj: Sj | undefined) => void>();
  readonly synced: Promise<unknown>;

  constructor(client: KubeClient, readonly namespace: string, signal: AbortSignal) {
    const notify = (fd?: Fd, sj?: Sj) => {
      for (const listener of [...this.#listeners]) listener(fd, sj);
    };
    const fdWatcher = new Watcher<Fd>({
      client,
      type: FlinkDeployments,
      namespace,
      store: this.fds,
      onApply: (fd) => notify(fd, undefined),
      onDelete: () => notify(),
    });
    const sjWatcher = new Watcher<Sj>({
      client,
      type: FlinkSessionJobs,
      namespace,
      store: this.sessionJobs,
      onApply: (sj) => notify(undefined, sj),
      onDelete: () => notify(),
    });
    void fdWatcher.run(signal);
    void sjWatcher.run(signal);
    this.synced = Promise.all([fdWatcher.synced, sjWatcher.synced]);
  }

  fd(name: string): Fd | undefined {
    return this.fds.get(`${this.namespace}/${name}`);
  }

  /** Calls `listener` on every change; returns the function that removes it. */
  listen(listener: (fd: Fd | undefined, sj: Sj | undefined) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves once `done()` holds (checked on every change), or rejects after `timeoutMs`. */
  until(what: string, done: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let remove = () => {};
      const timer = setTimeout(() => {
        remove();
        reject(new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        remove();
        resolve();
      };
      remove = this.listen(check);
      check();
    });
  }

  /** How many of the fleet run stably now: applications, session clusters, session jobs. */
  stableCounts(): { apps: number; sessions: number; sessionJobs: number } {
    let apps = 0;
    let sessions = 0;
    for (const fd of this.fds.list()) {
      if (fd.spec?.job) {
        if (isRunningStable(fd)) apps++;
      } else if (
        fd.status?.jobManagerDeploymentStatus === "READY" && fd.status?.lifecycleState === "STABLE"
      ) {
        sessions++;
      }
    }
    const sessionJobs = this.sessionJobs.list().filter(isSjRunningStable).length;
    return { apps, sessions, sessionJobs };
  }
}
