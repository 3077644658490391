/**
 * Real Flink distributions, assembled from Maven Central by the project's own poms, once per
 * release and reused:
 *
 *   <cache>/flink/maven-repo/            private Maven local repository (-Dmaven.repo.local)
 *   <cache>/flink/<version>/lib/         dist/<line>/pom.xml's runtime dependencies
 *                          /usrlib/counter.jar, /examples/counter.jar   jobs/counter built for it
 *                          /plugins/     empty, as in an image without optional plugins
 *                          /conf/        the image's default configuration and log4j setup
 *                          /.stamp       digest of the inputs; a changed pom or job rebuilds
 *
 * `ensureRealFlink()` is what the test runner and the demo call before the cluster starts (while
 * the network is still reachable); the runtime calls `ensureFlinkHome()` again per pod, which is a
 * stamp check when the distribution is current.
 */
import { digestFiles, filesUnder } from "../file_digest.ts";
import { withFileLock } from "../file_lock.ts";
import { mavenOfflineFirst } from "../maven.ts";
import { cacheRoot, repoRoot } from "../paths.ts";
import { REAL_FLINK_RELEASES, type RealFlinkRelease } from "./versions.ts";
import { requireToolchain } from "./toolchain.ts";

export interface FlinkHome {
  release: RealFlinkRelease;
  /** The directory that stands in for the image's /opt/flink. */
  dir: string;
  /** The counter job's jar as a host file (e.g. for a session job's file:// jarURI). */
  counterJar: string;
}

/** Bump when the layout or the default files below change, so existing homes are rebuilt. */
const LAYOUT_VERSION = "1";
const SOURCES = `${repoRoot}/cluster/flink-real`;
const DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1";

export function flinkCacheDir(): string {
  return `${cacheRoot()}/flink`;
}

export function flinkHomeDir(release: RealFlinkRelease): string {
  return `${flinkCacheDir()}/${release.version}`;
}

/** The counter job in a release's home, as a container path and as a host file. */
export const COUNTER_JAR_IN_IMAGE = "/opt/flink/usrlib/counter.jar";
export const COUNTER_EXAMPLE_JAR_IN_IMAGE = "/opt/flink/examples/counter.jar";
export const COUNTER_ENTRY_CLASS = "dev.flinkop.jobs.CounterJob";

/** Assembles (or confirms) every release's home; for the test runner and the demo. */
export async function ensureRealFlink(
  log: (message: string) => void = (m) => console.error(`flink-real: ${m}`),
): Promise<FlinkHome[]> {
  const homes: FlinkHome[] = [];
  for (const release of REAL_FLINK_RELEASES) homes.push(await ensureFlinkHome(release, log));
  return homes;
}

/** The release's home, built first when missing or stale. Serialised across processes. */
export async function ensureFlinkHome(
  release: RealFlinkRelease,
  log: (message: string) => void,
): Promise<FlinkHome> {
  const dir = flinkHomeDir(release);
  const home = { release, dir, counterJar: `${dir}/examples/counter.jar` };
  const stamp = await inputsDigest(release);
  if (await readStamp(dir) === stamp) return home;
  await Deno.mkdir(flinkCacheDir(), { recursive: true });
  return await withFileLock(`${flinkCacheDir()}/build.lock`, async () => {
    if (await readStamp(dir) === stamp) return home; // built while we waited for the lock
    await requireToolchain(true);
    const started = Date.now();
    log(`assembling Flink ${release.version} from Maven Central into ${dir}`);
    await build(release, dir, stamp);
    log(`Flink ${release.version} ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return home;
  });
}

function maven(args: string[]): Promise<void> {
  return mavenOfflineFirst(`${flinkCacheDir()}/maven-repo`, args, {
    cwd: SOURCES,
    whenOffline: "Maven Central must be reachable for the first assembly.",
  });
}

async function build(release: RealFlinkRelease, dir: string, stamp: string): Promise<void> {
  const tmp = `${dir}.tmp`;
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
  for (const sub of ["lib", "usrlib", "examples", "plugins", "conf"]) {
    await Deno.mkdir(`${tmp}/${sub}`, { recursive: true });
  }
  await maven([
    "-f",
    `${SOURCES}/dist/${release.line}/pom.xml`,
    `${DEPENDENCY_PLUGIN}:copy-dependencies`,
    "-DincludeScope=runtime",
    `-DoutputDirectory=${tmp}/lib`,
  ]);
  await maven([
    "-f",
    `${SOURCES}/jobs/counter/pom.xml`,
    `-Dflink.version=${release.version}`,
    `-Dbuild.dir=${tmp}/.build`,
    "package",
  ]);
  await Deno.copyFile(`${tmp}/.build/counter.jar`, `${tmp}/usrlib/counter.jar`);
  await Deno.copyFile(`${tmp}/.build/counter.jar`, `${tmp}/examples/counter.jar`);
  await Deno.remove(`${tmp}/.build`, { recursive: true });
  await Deno.writeTextFile(`${tmp}/conf/${release.configFile}`, defaultConfig());
  await Deno.writeTextFile(`${tmp}/conf/log4j-console.properties`, DEFAULT_LOG4J);
  await Deno.writeTextFile(`${tmp}/.stamp`, stamp);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.rename(tmp, dir);
}

async function inputsDigest(release: RealFlinkRelease): Promise<string> {
  const files = await filesUnder(`${SOURCES}/jobs/counter/src`);
  files.add(`${SOURCES}/jobs/counter/pom.xml`);
  files.add(`${SOURCES}/dist/${release.line}/pom.xml`);
  return await digestFiles(
    files,
    `${release.version}|${LAYOUT_VERSION}|${defaultConfig()}|${DEFAULT_LOG4J}`,
  );
}

async function readStamp(dir: string): Promise<string | undefined> {
  try {
    return (await Deno.readTextFile(`${dir}/.stamp`)).trim();
  } catch {
    return undefined;
  }
}

/**
 * What the Flink image ships in its conf file: used when a pod mounts no configuration. Flat
 * `key: value` lines read the same as flink-conf.yaml (1.x) and as YAML config.yaml (2.x).
 */
function defaultConfig(): string {
  return [
    "jobmanager.rpc.address: localhost",
    "jobmanager.rpc.port: 6123",
    "jobmanager.memory.process.size: 1600m",
    "taskmanager.memory.process.size: 1728m",
    "taskmanager.numberOfTaskSlots: 1",
    "parallelism.default: 1",
    "",
  ].join("\n");
}

/**
 * Console and file logging as the image's log4j-console.properties does, with `append = true`:
 * Pekko logs after log4j's shutdown hook ran, the file is reopened, and `append = false` would
 * wipe the log of the run that just ended.
 */
const DEFAULT_LOG4J =
  `# flinkop real runtime: the default when the pod mounts no log4j-console.properties
monitorInterval = 30
rootLogger.level = INFO
rootLogger.appenderRef.console.ref = ConsoleAppender
rootLogger.appenderRef.rolling.ref = RollingFileAppender
logger.pekko.name = org.apache.pekko
logger.pekko.level = INFO
logger.zookeeper.name = org.apache.zookeeper
logger.zookeeper.level = INFO
logger.netty.name = org.jboss.netty.channel.DefaultChannelPipeline
logger.netty.level = OFF
appender.console.name = ConsoleAppender
appender.console.type = CONSOLE
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
appender.rolling.name = RollingFileAppender
appender.rolling.type = RollingFile
appender.rolling.append = true
appender.rolling.fileName = \${sys:log.file}
appender.rolling.filePattern = \${sys:log.file}.%i
appender.rolling.layout.type = PatternLayout
appender.rolling.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
appender.rolling.policies.type = Policies
appender.rolling.policies.size.type = SizeBasedTriggeringPolicy
appender.rolling.policies.size.size = 100MB
appender.rolling.strategy.type = DefaultRolloverStrategy
appender.rolling.strategy.max = 10
`;
