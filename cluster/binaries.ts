import { cacheRoot, repoRoot } from "./paths.ts";
import { withFileLock } from "./file_lock.ts";

/** The executables cluster/build-binaries.sh produces, all in one directory. */
export interface Binaries {
  dir: string;
  etcd: string;
  apiserver: string;
  controllerManager: string;
  /** Seconds the cold build took, when the build recorded it. */
  buildSeconds?: number;
}

/**
 * Returns the built control-plane binaries, building them first when the cache is cold.
 *
 * build-binaries.sh writes into one fixed `<version>.tmp` directory, so two concurrent builds would
 * corrupt each other: callers of this function serialise on a lock file, and a build started by
 * hand (outside the lock) is waited for instead of being raced.
 */
export async function ensureBinaries(log: (message: string) => void): Promise<Binaries> {
  const root = cacheRoot();
  await Deno.mkdir(root, { recursive: true });
  return await withFileLock(`${root}/build.lock`, async () => {
    await waitForForeignBuilds(log);
    const script = `${repoRoot}/cluster/build-binaries.sh`;
    const started = Date.now();
    const slowNotice = setTimeout(() => {
      log(
        "building etcd, kube-apiserver and kube-controller-manager from the Go module proxy; " +
          "a cold build takes 10-25 minutes on 2 cores (later runs reuse the cache)",
      );
    }, 3000);
    let output: Deno.CommandOutput;
    try {
      output = await new Deno.Command("bash", {
        args: [script],
        cwd: repoRoot,
        stdin: "null",
        stdout: "piped",
        stderr: "inherit",
      }).output();
    } finally {
      clearTimeout(slowNotice);
    }
    if (!output.success) {
      throw new Error(
        `cluster/build-binaries.sh failed (exit ${output.code}); see its output above`,
      );
    }
    const dir = new TextDecoder().decode(output.stdout).trim().split("\n").at(-1) ?? "";
    if (!dir) throw new Error("cluster/build-binaries.sh printed no binary directory");
    if (Date.now() - started > 10_000) {
      log(`binaries ready in ${Math.round((Date.now() - started) / 1000)}s: ${dir}`);
    }
    return describeBinaries(dir);
  });
}

async function describeBinaries(dir: string): Promise<Binaries> {
  let buildSeconds: number | undefined;
  try {
    buildSeconds = Number((await Deno.readTextFile(`${dir}/build-seconds`)).trim()) || undefined;
  } catch {
    buildSeconds = undefined;
  }
  return {
    dir,
    etcd: `${dir}/etcd`,
    apiserver: `${dir}/kube-apiserver`,
    controllerManager: `${dir}/kube-controller-manager`,
    buildSeconds,
  };
}

/** Waits while a build-binaries.sh that we did not start (e.g. run by hand) is still running. */
async function waitForForeignBuilds(log: (message: string) => void): Promise<void> {
  let announced = false;
  while (true) {
    const pids = await runningBuildScripts();
    if (pids.length === 0) return;
    if (!announced) {
      log(
        `another build-binaries.sh is running (pid ${pids.join(", ")}); waiting for it ` +
          "instead of starting a second build",
      );
      announced = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
}

async function runningBuildScripts(): Promise<number[]> {
  const pids: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    let cmdline: string;
    try {
      cmdline = await Deno.readTextFile(`/proc/${entry.name}/cmdline`);
    } catch {
      continue; // exited while we were looking
    }
    const args = cmdline.split("\0");
    // Only the interpreter running the script counts, not wrappers such as `time` around it.
    if (!/(^|\/)(ba)?sh$/.test(args[0] ?? "")) continue;
    if (args.some((a) => a.endsWith("build-binaries.sh"))) pids.push(Number(entry.name));
  }
  return pids;
}
