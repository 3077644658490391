/**
 * What the simulated JobManagers wrote to the node's shared file system: every checkpoint and
 * savepoint `_metadata` under `flink-data/<namespace>/`, read straight from disk. The simulator
 * keeps a job's whole state (its counter) in there, so these files say which state a job could
 * have been restored from — independently of what the operator recorded.
 */

export interface SnapshotFile {
  /** Flink path without scheme, e.g. `/flink-data/ns/sp/savepoints/savepoint-abc123-…`. */
  path: string;
  kind: "checkpoint" | "savepoint";
  jobId: string;
  counter: number;
  /** When the file was written: the snapshot completed then. */
  completedAt: number;
  /** Gone from disk since (subsumed checkpoint, disposed savepoint). */
  goneAt?: number;
}

/** `file:/x`, `file:///x`, `/x`, `/x/_metadata`, `/x/` → `/x`. */
export function normalizePath(path: string): string {
  let p = path.replace(/^file:(\/\/)?/, "");
  if (!p.startsWith("/")) p = `/${p}`;
  return p.replace(/\/_metadata$/, "").replace(/\/+$/, "");
}

export class SnapshotIndex {
  /** Every snapshot ever seen, by path; entries stay after the files are deleted. */
  readonly files = new Map<string, SnapshotFile>();
  #mtimes = new Map<string, number>();

  /** `hostFsRoot` is the node agent's `host-fs/`, the root of Flink's `file:` paths. */
  constructor(readonly hostFsRoot: string, readonly namespace: string) {}

  /** Reads new and changed `_metadata` files and notes deleted ones. */
  async scan(now = Date.now()): Promise<void> {
    const seen = new Set<string>();
    const base = `/flink-data/${this.namespace}`;
    for (const resource of await dirs(this.hostFsRoot + base)) {
      const root = `${base}/${resource}`;
      for (const jobDir of await dirs(`${this.hostFsRoot}${root}/checkpoints`)) {
        for (const chk of await dirs(`${this.hostFsRoot}${root}/checkpoints/${jobDir}`)) {
          if (chk.startsWith("chk-")) {
            await this.#read(`${root}/checkpoints/${jobDir}/${chk}`, "checkpoint", seen);
          }
        }
      }
      for (const sp of await dirs(`${this.hostFsRoot}${root}/savepoints`)) {
        if (sp.startsWith("savepoint-")) {
          await this.#read(`${root}/savepoints/${sp}`, "savepoint", seen);
        }
      }
    }
    for (const file of this.files.values()) {
      if (!seen.has(file.path) && file.goneAt === undefined) file.goneAt = now;
      if (seen.has(file.path)) file.goneAt = undefined;
    }
  }

  /** The newest checkpoint of a job still on disk, if any. */
  newestCheckpoint(jobId: string | undefined): SnapshotFile | undefined {
    return [...this.files.values()]
      .filter((f) => f.kind === "checkpoint" && f.jobId === jobId && f.goneAt === undefined)
      .sort((a, b) => b.completedAt - a.completedAt)[0];
  }

  /** Savepoints whose data is on disk now. */
  savepointsOnDisk(): SnapshotFile[] {
    return [...this.files.values()].filter((f) => f.kind === "savepoint" && f.goneAt === undefined);
  }

  async exists(path: string): Promise<boolean> {
    try {
      await Deno.stat(`${this.hostFsRoot}${normalizePath(path)}/_metadata`);
      return true;
    } catch {
      return false;
    }
  }

  /** The counter stored in a snapshot, from the index or (not yet indexed) from disk. */
  async counterOf(path: string): Promise<number | undefined> {
    const known = this.files.get(normalizePath(path));
    if (known) return known.counter;
    try {
      const text = await Deno.readTextFile(`${this.hostFsRoot}${normalizePath(path)}/_metadata`);
      return Number((JSON.parse(text) as { counter: number }).counter);
    } catch {
      return undefined;
    }
  }

  async #read(path: string, kind: SnapshotFile["kind"], seen: Set<string>): Promise<void> {
    const file = `${this.hostFsRoot}${path}/_metadata`;
    let mtime: number;
    try {
      mtime = (await Deno.stat(file)).mtime?.getTime() ?? 0;
    } catch {
      return; // not written yet, or deleted meanwhile
    }
    seen.add(path);
    if (this.#mtimes.get(path) === mtime) return;
    try {
      const meta = JSON.parse(await Deno.readTextFile(file)) as { jobId: string; counter: number };
      this.files.set(path, {
        path,
        kind,
        jobId: meta.jobId,
        counter: Number(meta.counter),
        completedAt: mtime,
      });
      this.#mtimes.set(path, mtime);
    } catch {
      // Half written: read it on the next scan.
    }
  }
}

async function dirs(path: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(path)) {
      if (entry.isDirectory) names.push(entry.name);
    }
  } catch {
    // absent
  }
  return names;
}
