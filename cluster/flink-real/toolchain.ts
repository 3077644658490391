/**
 * The tools real Flink needs on this machine: a Java 17+ runtime to run it and Maven to assemble
 * it from Maven Central. Checked up front so a missing tool is one clear message instead of a
 * spawn error deep inside a pod start.
 */
export interface Toolchain {
  /** Absolute path of the `java` executable (symlinks resolved). */
  java: string;
  /** The JDK/JRE directory `java` belongs to (JAVA_HOME for the Flink processes). */
  javaHome: string;
  javaMajor: number;
}

export const INSTALL_HINT = "apt-get install -y openjdk-17-jdk-headless maven";

export class ToolchainError extends Error {
  override name = "ToolchainError";
}

/** Finds java (17 or newer); mvn too when `needMaven`. Throws one message naming what is missing. */
export async function requireToolchain(needMaven: boolean): Promise<Toolchain> {
  const problems: string[] = [];
  const java = await findJava();
  if (typeof java === "string") problems.push(java);
  if (needMaven && !(await runs("mvn", ["--version"]))) problems.push("mvn (Maven) is not on PATH");
  if (problems.length > 0 || typeof java === "string") {
    throw new ToolchainError(
      `real Flink needs Java 17 and Maven: ${problems.join("; ")}; install them with: ` +
        INSTALL_HINT,
    );
  }
  return java;
}

async function findJava(): Promise<Toolchain | string> {
  const javaHomeEnv = Deno.env.get("JAVA_HOME");
  const candidate = javaHomeEnv ? `${javaHomeEnv}/bin/java` : await which("java");
  if (!candidate) return "java is not on PATH";
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(candidate, {
      args: ["-version"],
      stdout: "piped",
      stderr: "piped",
    })
      .output();
  } catch {
    return `${candidate} cannot be run`;
  }
  const text = new TextDecoder().decode(output.stderr) + new TextDecoder().decode(output.stdout);
  const major = javaMajor(text);
  if (major === undefined) return `cannot read the Java version from "${candidate} -version"`;
  if (major < 17) return `${candidate} is Java ${major}, Flink here needs 17 or newer`;
  const java = await Deno.realPath(candidate);
  return { java, javaHome: java.replace(/\/bin\/java$/, ""), javaMajor: major };
}

/** The major version from `java -version` output: `version "17.0.15"` → 17, `"1.8.0_392"` → 8. */
export function javaMajor(versionOutput: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!m) return undefined;
  const first = Number(m[1]);
  return first === 1 && m[2] !== undefined ? Number(m[2]) : first;
}

async function which(name: string): Promise<string | undefined> {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    try {
      const info = await Deno.stat(`${dir}/${name}`);
      if (info.isFile && (info.mode ?? 0) & 0o111) return `${dir}/${name}`;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

async function runs(command: string, args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(command, { args, stdout: "null", stderr: "null" }).output())
      .success;
  } catch {
    return false;
  }
}
