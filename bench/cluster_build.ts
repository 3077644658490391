/**
 * cluster.build: the cold build time of etcd + kube-apiserver + kube-controller-manager. A build
 * takes minutes of both cores, so the benchmark does not rebuild: it reads the `build-seconds`
 * that cluster/build-binaries.sh wrote when it built the cached binaries, and shows the state of
 * Go's build cache, which decides whether a rebuild would be that slow again.
 */
import { ensureBinaries } from "../cluster/binaries.ts";
import { type Benchmark, newResult } from "./benchmark.ts";

export const clusterBuild: Benchmark = {
  name: "cluster.build",
  description: "cold build of the control-plane binaries (recorded by build-binaries.sh)",
  async run() {
    const result = newResult("cluster.build");
    // Returns at once with the cached directory (builds only if nothing is cached).
    const binaries = await ensureBinaries((m) => console.error(`    build: ${m}`));
    const builtAt = await mtime(`${binaries.dir}/build-seconds`);
    result.figures.push({
      label: "cold build",
      value: binaries.buildSeconds !== undefined ? `${binaries.buildSeconds} s` : "not recorded",
    });
    result.notes.push(
      `from ${binaries.dir}/build-seconds, written by the cached build` +
        (builtAt ? ` at ${builtAt}` : "") + "; not rebuilt by this run",
    );
    const cache = await goBuildCache();
    result.figures.push({ label: "Go build cache", value: cache.summary });
    result.notes.push(`Go build cache: ${cache.detail}`);
    return result;
  },
};

async function mtime(path: string): Promise<string | undefined> {
  try {
    return (await Deno.stat(path)).mtime?.toISOString();
  } catch {
    return undefined;
  }
}

/** GOCACHE's location and size; a warm cache makes a rebuild much faster than the cold figure. */
async function goBuildCache(): Promise<{ summary: string; detail: string }> {
  const env = await run("go", ["env", "GOCACHE", "GOVERSION"]);
  if (env === undefined) return { summary: "go not installed", detail: "go is not on PATH" };
  const [dir, version] = env.split("\n");
  if (!dir || dir === "off") return { summary: "off", detail: `${version}: GOCACHE=off` };
  const du = await run("du", ["-sk", dir]);
  if (du === undefined) {
    return {
      summary: "empty",
      detail: `${version}: ${dir} does not exist (a build would be cold)`,
    };
  }
  const mb = Math.round(Number(du.split(/\s+/)[0]) / 1024);
  const state = mb > 100 ? "warm" : "cold";
  return {
    summary: `${state} (${mb} MB)`,
    detail: `${version}: ${dir} holds ${mb} MB (${state}: a rebuild would ${
      state === "warm" ? "reuse compiled packages and be faster than the cold figure" : "be cold"
    })`,
  };
}

async function run(cmd: string, args: string[]): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}
