/**
 * Fetching a session job's jar (FKO ArtifactManager): `http(s)://` with the configured headers,
 * `file://` from the operator's file system, into
 * `<user.artifacts.base.dir>/<namespace>/<session cluster>/<job>/`, from where it is uploaded to
 * the session cluster and then removed. A job without a jarURI (its classes are already on the
 * session cluster's class path) gets an empty jar, as FKO uploads.
 */
import { OPTIONS } from "../../config/options.ts";
import type { ResourceConfig } from "../../config/resource_config.ts";
import { errorMessage } from "../../error_message.ts";

/** A jar fetched to the local artifacts directory. */
export interface FetchedJar {
  readonly path: string;
  readonly filename: string;
}

export const FETCHABLE_SCHEMES = ["http", "https", "file"] as const;

/** The smallest valid jar: a zip with only its end-of-central-directory record. */
const EMPTY_JAR = new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]);

export class ArtifactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArtifactError";
  }
}

export interface ArtifactTarget {
  readonly namespace: string;
  readonly sessionCluster: string;
  readonly job: string;
}

/** `<base>/<namespace>/<session cluster>/<job>`, where FKO's ArtifactManager puts a job's jar. */
export function artifactDir(baseDir: string, target: ArtifactTarget): string {
  return [baseDir.replace(/\/+$/, ""), target.namespace, target.sessionCluster, target.job]
    .join("/");
}

export async function fetchJar(
  jarUri: string | undefined,
  target: ArtifactTarget,
  rc: Pick<ResourceConfig, "get">,
  signal?: AbortSignal,
): Promise<FetchedJar> {
  const baseDir = rc.get(OPTIONS.userArtifactsBaseDir);
  const dir = artifactDir(baseDir, target);
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (err) {
    throw new ArtifactError(
      `cannot create the artifacts directory ${dir} (${errorMessage(err)}); set ` +
        `${OPTIONS.userArtifactsBaseDir.key} to a writable directory`,
    );
  }
  if (jarUri === undefined || jarUri.trim() === "") {
    const path = `${dir}/empty.jar`;
    await Deno.writeFile(path, EMPTY_JAR);
    return { path, filename: "empty.jar" };
  }
  const url = parseUri(jarUri);
  const filename = jarFileName(url);
  const path = `${dir}/${filename}`;
  switch (url.protocol) {
    case "http:":
    case "https:":
      await download(url, path, rc.get(OPTIONS.userArtifactsHttpHeader) ?? {}, signal);
      break;
    case "file:":
      await copyLocal(decodeURIComponent(url.pathname), path);
      break;
    default:
      throw new ArtifactError(
        `spec.job.jarURI: cannot fetch "${url.protocol.slice(0, -1)}" URIs (flinkop fetches ` +
          `${FETCHABLE_SCHEMES.join(", ")}); serve the jar over https or mount it and use file://`,
      );
  }
  return { path, filename };
}

function parseUri(uri: string): URL {
  try {
    return new URL(uri);
  } catch {
    throw new ArtifactError(`spec.job.jarURI: "${uri}" is not a valid URI`);
  }
}

/** Flink only accepts uploads named `*.jar`. */
function jarFileName(url: URL): string {
  const last = decodeURIComponent(url.pathname.split("/").filter(Boolean).at(-1) ?? "");
  const safe = last.replace(/[^A-Za-z0-9._-]/g, "_");
  if (safe === "" || safe === "." || safe === "..") return "job.jar";
  return safe.endsWith(".jar") ? safe : `${safe}.jar`;
}

async function download(
  url: URL,
  path: string,
  headers: Record<string, string>,
  signal?: AbortSignal,
): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { headers, signal });
  } catch (err) {
    throw new ArtifactError(
      `cannot download the job jar from ${redacted(url)}: ${errorMessage(err)}`,
    );
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new ArtifactError(
      `cannot download the job jar from ${redacted(url)}: HTTP ${res.status} ${res.statusText}`,
    );
  }
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  await res.body.pipeTo(file.writable);
}

async function copyLocal(source: string, path: string): Promise<void> {
  try {
    await Deno.copyFile(source, path);
  } catch (err) {
    throw new ArtifactError(
      `cannot read the job jar ${source} (${errorMessage(err)}); file:// URIs name a file on ` +
        "the operator's own file system",
    );
  }
}

/** A URL without credentials or query, for messages. */
function redacted(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** Removes a fetched jar (and its directory, once empty); failures only matter for disk use. */
export async function removeJar(jar: FetchedJar): Promise<void> {
  await Deno.remove(jar.path).catch(() => {});
  await Deno.remove(jar.path.slice(0, jar.path.lastIndexOf("/"))).catch(() => {});
}
