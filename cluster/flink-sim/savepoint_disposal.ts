import { type ContainerFs, flinkPathText } from "./container_fs.ts";
import { FlinkExceptions, type SimThrowable, throwable } from "./failure.ts";
import { deleteSnapshot, readSnapshot, SnapshotReadError } from "./snapshot_files.ts";

/** One `POST /savepoint-disposal` as it happened, for tests to assert on. */
export interface SavepointDisposal {
  at: number;
  namespace: string;
  podName: string;
  /** The path as the client sent it. */
  path: string;
  /** Where it lived on the host. */
  hostPath: string;
  outcome: "deleted" | "failed";
  failure?: string;
}

const MAX_RECORDED = 1000;

/**
 * Every savepoint disposal of every simulated JobManager in this Deno process, oldest first
 * (bounded to the last 1000). Tests read it to verify the operator disposes what it should.
 */
export const savepointDisposals: SavepointDisposal[] = [];

/**
 * Disposes a savepoint like Flink: the path must resolve to a savepoint (directory with
 * `_metadata`, or the metadata file); its directory is deleted. Returns the failure, if any.
 */
export async function disposeSavepoint(
  fs: ContainerFs,
  path: string,
  who: { namespace: string; podName: string; log: (message: string) => void },
): Promise<SimThrowable | undefined> {
  who.log(`Disposing savepoint ${flinkPathText(path, fs.workingDir)}`);
  let failure: SimThrowable | undefined;
  try {
    await readSnapshot(fs, path);
    await deleteSnapshot(fs, path);
  } catch (err) {
    const reason = err instanceof SnapshotReadError && err.notFound
      ? throwable(FlinkExceptions.fileNotFound, err.message)
      : throwable(FlinkExceptions.io, (err as Error).message);
    failure = throwable(FlinkExceptions.flink, `Could not dispose savepoint ${path}.`, reason);
  }
  savepointDisposals.push({
    at: Date.now(),
    namespace: who.namespace,
    podName: who.podName,
    path,
    hostPath: fs.hostPath(path),
    outcome: failure ? "failed" : "deleted",
    ...(failure ? { failure: failure.cause?.message ?? failure.message } : {}),
  });
  if (savepointDisposals.length > MAX_RECORDED) savepointDisposals.shift();
  return failure;
}
