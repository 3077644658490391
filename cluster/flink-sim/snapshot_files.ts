import { childPath, type ContainerFs, flinkPathText } from "./container_fs.ts";
import { randomHex } from "./ids.ts";

/** The `_metadata` file of a simulated checkpoint or savepoint: the whole job state. */
export interface SnapshotMetadata {
  jobId: string;
  checkpointId: number;
  /** The job's only state: its counter when the snapshot was taken. */
  counter: number;
  timestamp: number;
  type: "checkpoint" | "savepoint";
  format?: "CANONICAL" | "NATIVE";
}

export const METADATA_FILE = "_metadata";

export function checkpointDirName(checkpointId: number): string {
  return `chk-${checkpointId}`;
}

/** Flink names savepoint dirs `savepoint-<first 6 hex of the job id>-<12 random hex>`. */
export function savepointDirName(jobId: string): string {
  return `savepoint-${jobId.slice(0, 6)}-${randomHex(12)}`;
}

/** Writes `<dir>/_metadata` and returns the snapshot's external pointer (Flink path text). */
export async function writeSnapshot(
  fs: ContainerFs,
  dir: string,
  metadata: SnapshotMetadata,
): Promise<{ pointer: string; sizeBytes: number }> {
  const hostDir = fs.hostPath(dir);
  await Deno.mkdir(hostDir, { recursive: true });
  const text = JSON.stringify(metadata, null, 2) + "\n";
  await Deno.writeTextFile(`${hostDir}/${METADATA_FILE}`, text);
  return { pointer: flinkPathText(dir, fs.workingDir), sizeBytes: text.length };
}

/** Why a snapshot could not be read, in Flink's words (callers wrap it into exceptions). */
export class SnapshotReadError extends Error {
  constructor(message: string, readonly notFound: boolean) {
    super(message);
    this.name = "SnapshotReadError";
  }
}

/** Reads a snapshot from its directory or its `_metadata` file, as Flink's restore does. */
export async function readSnapshot(fs: ContainerFs, pointer: string): Promise<SnapshotMetadata> {
  const hostPath = fs.hostPath(pointer);
  let metadataPath = hostPath;
  try {
    const info = await Deno.stat(hostPath);
    if (info.isDirectory) metadataPath = `${hostPath}/${METADATA_FILE}`;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new SnapshotReadError(
        `Cannot find checkpoint or savepoint file/directory '${pointer}' on file system '${
          schemeOf(pointer)
        }'.`,
        true,
      );
    }
    throw err;
  }
  let text: string;
  try {
    text = await Deno.readTextFile(metadataPath);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new SnapshotReadError(
        `Cannot find meta data file '${METADATA_FILE}' in directory '${pointer}'. Please try to ` +
          `load the checkpoint/savepoint directly from the metadata file instead of the directory.`,
        true,
      );
    }
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<SnapshotMetadata>;
    if (typeof parsed.counter !== "number" || typeof parsed.checkpointId !== "number") {
      throw new Error("missing counter or checkpointId");
    }
    return parsed as SnapshotMetadata;
  } catch (err) {
    throw new SnapshotReadError(
      `Invalid checkpoint/savepoint metadata in '${pointer}': ${(err as Error).message}`,
      false,
    );
  }
}

/** Deletes a snapshot directory (given as directory or `_metadata` pointer). */
export async function deleteSnapshot(fs: ContainerFs, pointer: string): Promise<boolean> {
  let hostPath = fs.hostPath(pointer);
  if (hostPath.endsWith(`/${METADATA_FILE}`)) {
    hostPath = hostPath.slice(0, -METADATA_FILE.length - 1);
  }
  try {
    await Deno.remove(hostPath, { recursive: true });
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

export function snapshotDir(baseDir: string, ...children: string[]): string {
  return children.reduce((dir, child) => childPath(dir, child), baseDir);
}

function schemeOf(pointer: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(pointer);
  return m && m[1].length > 1 ? m[1].toLowerCase() : "file";
}
