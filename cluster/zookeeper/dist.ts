/**
 * The ZooKeeper server the tests run, assembled from Maven Central by cluster/zookeeper/pom.xml,
 * once per version and reused:
 *
 *   <cache>/zookeeper/maven-repo/         private Maven local repository (-Dmaven.repo.local)
 *   <cache>/zookeeper/<version>/lib/      the pom's runtime dependencies: server, jute, logging
 *                              /.stamp    digest of the pom; a changed pom reassembles
 *
 * `ensureZooKeeper()` is what the test runner calls before the tests move into their network
 * namespace; `startZooKeeperServer()` (server.ts) calls it again, which is a stamp check when the
 * assembly is current and an error naming the fix when it is missing and Maven Central is not
 * reachable.
 */
import { digestFiles } from "../file_digest.ts";
import { withFileLock } from "../file_lock.ts";
import { mavenOfflineFirst } from "../maven.ts";
import { cacheRoot, repoRoot } from "../paths.ts";
import { requireToolchain, ToolchainError } from "../flink-real/toolchain.ts";

const POM = `${repoRoot}/cluster/zookeeper/pom.xml`;
const DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1";

export interface ZooKeeperDist {
  version: string;
  /** Directory of the jars: the server's classpath is `<lib>/*`. */
  lib: string;
}

export function zooKeeperCacheDir(): string {
  return `${cacheRoot()}/zookeeper`;
}

/** The ZooKeeper version the pom pins (`<zookeeper.version>`). */
export async function zooKeeperVersion(): Promise<string> {
  const pom = await Deno.readTextFile(POM);
  const m = /<zookeeper\.version>([^<]+)<\/zookeeper\.version>/.exec(pom);
  if (!m) throw new Error(`${POM} has no <zookeeper.version> property`);
  return m[1].trim();
}

/** The server's jars, assembled first when missing or stale. Serialised across processes. */
export async function ensureZooKeeper(
  log: (message: string) => void = (m) => console.error(`zookeeper: ${m}`),
): Promise<ZooKeeperDist> {
  const version = await zooKeeperVersion();
  const dir = `${zooKeeperCacheDir()}/${version}`;
  const dist = { version, lib: `${dir}/lib` };
  const stamp = await digestFiles([POM]);
  if (await readStamp(dir) === stamp) return dist;
  await Deno.mkdir(zooKeeperCacheDir(), { recursive: true });
  return await withFileLock(`${zooKeeperCacheDir()}/build.lock`, async () => {
    if (await readStamp(dir) === stamp) return dist; // assembled while we waited for the lock
    try {
      await requireToolchain(true);
    } catch (err) {
      if (!(err instanceof ToolchainError)) throw err;
      throw new ToolchainError(`the ZooKeeper test server needs the same tools: ${err.message}`);
    }
    const started = Date.now();
    log(`assembling ZooKeeper ${version} from Maven Central into ${dir}`);
    const tmp = `${dir}.tmp`;
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    await Deno.mkdir(`${tmp}/lib`, { recursive: true });
    await maven([
      "-f",
      POM,
      `${DEPENDENCY_PLUGIN}:copy-dependencies`,
      "-DincludeScope=runtime",
      `-DoutputDirectory=${tmp}/lib`,
    ]);
    await Deno.writeTextFile(`${tmp}/.stamp`, stamp);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.rename(tmp, dir);
    log(`ZooKeeper ${version} ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return dist;
  });
}

async function readStamp(dir: string): Promise<string | undefined> {
  try {
    return (await Deno.readTextFile(`${dir}/.stamp`)).trim();
  } catch {
    return undefined;
  }
}

function maven(args: string[]): Promise<void> {
  return mavenOfflineFirst(`${zooKeeperCacheDir()}/maven-repo`, args, {
    whenOffline: "Maven Central must be reachable the first time (run `deno task test` or " +
      "ensureZooKeeper() online).",
  });
}
