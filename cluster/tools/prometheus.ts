/**
 * Prometheus and promtool for the monitoring tests, from Debian's `prometheus` package: the .deb
 * is fetched with `apt-get download` and unpacked with `dpkg -x` into the cache, so nothing is
 * installed system-wide, no service starts, and the same steps work again on any Debian machine:
 *
 *   <cache>/prometheus/<package version>/usr/bin/prometheus
 *   <cache>/prometheus/<package version>/usr/bin/promtool
 *
 * `ensurePrometheus()` is what the test runner calls before the tests move into their network
 * namespace; a cached unpacked package is used as it is (no network needed after the first time).
 */
import { commandOutput } from "../command_output.ts";
import { withFileLock } from "../file_lock.ts";
import { cacheRoot } from "../paths.ts";

export interface PrometheusTools {
  /** The Debian package version, e.g. 2.42.0+ds-5+deb12u1. */
  version: string;
  prometheus: string;
  promtool: string;
}

export function prometheusCacheDir(): string {
  return `${cacheRoot()}/prometheus`;
}

/** The unpacked package already in the cache, if any (the newest by name). */
export async function cachedPrometheus(): Promise<PrometheusTools | undefined> {
  const versions: string[] = [];
  try {
    for await (const entry of Deno.readDir(prometheusCacheDir())) {
      if (entry.isDirectory && !entry.name.endsWith(".tmp")) versions.push(entry.name);
    }
  } catch {
    return undefined;
  }
  for (const version of versions.sort().reverse()) {
    const tools = toolsIn(version);
    if (await isFile(tools.prometheus) && await isFile(tools.promtool)) return tools;
  }
  return undefined;
}

/**
 * The cached tools; when there are none, downloads Debian's `prometheus` package (running
 * `apt-get update` first if apt does not know the package yet) and unpacks it. Serialised across
 * processes by a lock file.
 */
export async function ensurePrometheus(
  log: (message: string) => void = (m) => console.error(`prometheus: ${m}`),
): Promise<PrometheusTools> {
  const cached = await cachedPrometheus();
  if (cached) return cached;
  await Deno.mkdir(prometheusCacheDir(), { recursive: true });
  return await withFileLock(`${prometheusCacheDir()}/download.lock`, async () => {
    const again = await cachedPrometheus();
    if (again) return again;
    const started = Date.now();
    const work = await Deno.makeTempDir({ dir: prometheusCacheDir(), prefix: "download-" });
    try {
      let download = await commandOutput("apt-get", ["download", "prometheus"], { cwd: work });
      if (!download.success) {
        log("apt-get does not know the prometheus package yet; running apt-get update");
        const update = await commandOutput("apt-get", ["update"], { cwd: work });
        if (!update.success) {
          throw new Error(
            `apt-get update failed (exit ${update.code}); Debian's package mirrors must be ` +
              `reachable the first time:\n${tail(update.output)}`,
          );
        }
        download = await commandOutput("apt-get", ["download", "prometheus"], { cwd: work });
      }
      if (!download.success) {
        throw new Error(
          `apt-get download prometheus failed (exit ${download.code}); the monitoring tests ` +
            `need Debian's prometheus package (Debian 12 has 2.42):\n${tail(download.output)}`,
        );
      }
      const deb = [...Deno.readDirSync(work)].find((e) => e.name.endsWith(".deb"))?.name;
      if (!deb) throw new Error(`apt-get download prometheus left no .deb in ${work}`);
      // prometheus_2.42.0+ds-5+deb12u1_amd64.deb -> 2.42.0+ds-5+deb12u1
      const version = decodeURIComponent(deb.split("_")[1] ?? "unknown");
      const tmp = `${prometheusCacheDir()}/${version}.tmp`;
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
      const unpack = await commandOutput("dpkg", ["-x", `${work}/${deb}`, tmp], { cwd: work });
      if (!unpack.success) {
        throw new Error(`dpkg -x ${deb} failed (exit ${unpack.code}):\n${tail(unpack.output)}`);
      }
      const dir = `${prometheusCacheDir()}/${version}`;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await Deno.rename(tmp, dir);
      const tools = toolsIn(version);
      for (const bin of [tools.prometheus, tools.promtool]) {
        if (!await isFile(bin)) throw new Error(`the prometheus package has no ${bin}`);
      }
      log(`prometheus ${version} unpacked in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      return tools;
    } finally {
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  });
}

/** The tools from the cache, or an error that says how to get them. */
export async function requirePrometheus(): Promise<PrometheusTools> {
  const tools = await cachedPrometheus();
  if (tools) return tools;
  throw new Error(
    `Prometheus tools are not in ${prometheusCacheDir()}: run \`deno task test\` (its online ` +
      "phase unpacks Debian's prometheus package there) or ensurePrometheus() from " +
      "cluster/tools/prometheus.ts on a machine with Debian's package mirrors",
  );
}

function toolsIn(version: string): PrometheusTools {
  const dir = `${prometheusCacheDir()}/${version}/usr/bin`;
  return { version, prometheus: `${dir}/prometheus`, promtool: `${dir}/promtool` };
}

function tail(text: string): string {
  return text.trim().split("\n").slice(-10).join("\n");
}

async function isFile(path: string): Promise<boolean> {
  return (await Deno.stat(path).catch(() => undefined))?.isFile ?? false;
}
