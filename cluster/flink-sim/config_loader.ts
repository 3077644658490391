import type { ContainerFs } from "./container_fs.ts";
import { flattenYamlConfig, FlinkConfig, parseLegacyFlinkConf } from "./flink_config.ts";
import type { LaunchSpec } from "./launch.ts";
import { type FlinkVersion, isAtLeast } from "./version.ts";

export const DEFAULT_CONF_DIR = "/opt/flink/conf";

/**
 * Builds the configuration a Flink process starts with: the conf dir's file, then
 * FLINK_PROPERTIES (the docker entrypoint appends it to the file), then `-D` arguments.
 *
 * File choice follows Flink: 2.x reads only `config.yaml`; 1.19/1.20 prefer a present
 * `flink-conf.yaml` over `config.yaml`; older versions read `flink-conf.yaml`. Without either (an
 * unmounted conf dir) the image's default configuration file applies.
 */
export async function loadFlinkConfig(opts: {
  launch: LaunchSpec;
  env: Record<string, string>;
  fs: ContainerFs;
  imageVersion?: FlinkVersion;
}): Promise<FlinkConfig> {
  const confDir = opts.launch.configDir ?? opts.env["FLINK_CONF_DIR"] ?? DEFAULT_CONF_DIR;
  const fileEntries = await readConfFile(confDir, opts.fs, opts.imageVersion);
  const properties = parseLegacyFlinkConf(opts.env["FLINK_PROPERTIES"] ?? "");
  return new FlinkConfig(fileEntries).with(properties).with(opts.launch.dynamicProperties);
}

async function readConfFile(
  confDir: string,
  fs: ContainerFs,
  version: FlinkVersion | undefined,
): Promise<Record<string, string>> {
  const legacy = await readIfExists(fs.mountedHostPath(`${confDir}/flink-conf.yaml`));
  const standard = await readIfExists(fs.mountedHostPath(`${confDir}/config.yaml`));
  const legacyAllowed = !version || !isAtLeast(version, 2, 0);
  if (legacy !== undefined && legacyAllowed) return parseLegacyFlinkConf(legacy);
  if (standard !== undefined) {
    try {
      return flattenYamlConfig(standard);
    } catch (err) {
      throw new Error(`cannot parse ${confDir}/config.yaml: ${(err as Error).message}`);
    }
  }
  return { ...IMAGE_DEFAULT_CONFIG };
}

/** What the Flink images' own configuration file sets (1.x and 2.x alike). */
export const IMAGE_DEFAULT_CONFIG: Readonly<Record<string, string>> = {
  "jobmanager.rpc.address": "localhost",
  "jobmanager.rpc.port": "6123",
  "jobmanager.memory.process.size": "1600m",
  "taskmanager.memory.process.size": "1728m",
  "taskmanager.numberOfTaskSlots": "1",
  "parallelism.default": "1",
};

async function readIfExists(hostPath: string | undefined): Promise<string | undefined> {
  if (!hostPath) return undefined;
  try {
    return await Deno.readTextFile(hostPath);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.IsADirectory) {
      return undefined;
    }
    throw err;
  }
}
