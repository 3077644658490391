/**
 * Maven against a private local repository: offline first (a warm repository needs no network,
 * and a test run may have none), online when something is missing. Used to assemble Flink and
 * ZooKeeper from Maven Central.
 */
import { commandOutput } from "./command_output.ts";

export async function mavenOfflineFirst(
  repo: string,
  args: string[],
  opts: { cwd?: string; whenOffline: string },
): Promise<void> {
  const base = ["-B", "-q", `-Dmaven.repo.local=${repo}`];
  const warm = await Deno.stat(repo).then(() => true, () => false);
  if (warm && (await commandOutput("mvn", [...base, "-o", ...args], opts)).success) return;
  const result = await commandOutput("mvn", [...base, ...args], opts);
  if (!result.success) {
    throw new Error(
      `mvn ${args.join(" ")} failed (exit ${result.code}); ${opts.whenOffline} Last output:\n` +
        result.output.split("\n").slice(-25).join("\n"),
    );
  }
}
