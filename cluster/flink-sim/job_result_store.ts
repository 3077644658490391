import type { FlinkJobState } from "../../lib/api/enums.ts";
import { childPath, type ContainerFs } from "./container_fs.ts";

const STATUS_OF_STATE: Partial<Record<FlinkJobState, string>> = {
  FINISHED: "SUCCEEDED",
  FAILED: "FAILED",
  CANCELED: "CANCELED",
};

const STATE_OF_STATUS: Record<string, FlinkJobState> = {
  SUCCEEDED: "FINISHED",
  FAILED: "FAILED",
  CANCELED: "CANCELED",
};

export interface JobResultEntry {
  state: FlinkJobState;
  endTime: number;
}

/**
 * Flink's file-based JobResultStore (HA clusters only): a globally terminated job leaves
 * `<storage-path>/<jobId>_DIRTY.json` until its cleanup is done, then `<jobId>.json` — or nothing
 * with `job-result-store.delete-on-commit: true` (the default; the operator sets false). An
 * application JobManager that finds its job here does not run it again.
 */
export class FileJobResultStore {
  constructor(
    private readonly fs: ContainerFs,
    /** A Flink path, e.g. `<storageDir>/job-result-store/<cluster-id>`. */
    private readonly basePath: string,
    private readonly deleteOnCommit: boolean,
  ) {}

  async find(jobId: string): Promise<JobResultEntry | undefined> {
    for (const name of [`${jobId}.json`, `${jobId}_DIRTY.json`]) {
      try {
        const text = await Deno.readTextFile(this.#host(name));
        const parsed = JSON.parse(text) as {
          result?: { "application-status"?: string; "net-runtime"?: number };
          endTime?: number;
        };
        const status = parsed.result?.["application-status"] ?? "UNKNOWN";
        return {
          state: STATE_OF_STATUS[status] ?? "FAILED",
          endTime: parsed.endTime ?? Date.now(),
        };
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) continue;
        if (err instanceof SyntaxError) return undefined;
        throw err;
      }
    }
    return undefined;
  }

  async createDirty(jobId: string, state: FlinkJobState, netRuntime: number): Promise<void> {
    const body = {
      result: {
        "id": jobId,
        "application-status": STATUS_OF_STATE[state] ?? "UNKNOWN",
        "accumulator-results": {},
        "net-runtime": netRuntime,
      },
      version: 1,
      endTime: Date.now(),
    };
    await Deno.mkdir(this.#host(""), { recursive: true });
    await Deno.writeTextFile(this.#host(`${jobId}_DIRTY.json`), JSON.stringify(body) + "\n");
  }

  async markClean(jobId: string): Promise<void> {
    const dirty = this.#host(`${jobId}_DIRTY.json`);
    if (this.deleteOnCommit) await Deno.remove(dirty).catch(() => {});
    else await Deno.rename(dirty, this.#host(`${jobId}.json`)).catch(() => {});
  }

  #host(name: string): string {
    return this.fs.hostPath(name ? childPath(this.basePath, name) : this.basePath);
  }
}
