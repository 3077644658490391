export interface UploadedJar {
  /** The jar id clients use in `/jars/:jarid/...`: `<uuid>_<original name>`. */
  id: string;
  name: string;
  uploaded: number;
  /** The path the upload response names (inside the container). */
  containerPath: string;
}

/**
 * Jars uploaded through `POST /jars/upload`, stored in a per-process directory like Flink's
 * `web.upload.dir` (a fresh `flink-web-<uuid>` directory per JobManager start, gone with it).
 */
export class JarStore {
  readonly #jars = new Map<string, UploadedJar>();

  constructor(
    /** Host directory the files go to. */
    private readonly hostDir: string,
    /** The same directory as the JobManager sees it. */
    private readonly containerDir: string,
  ) {}

  async save(originalName: string, bytes: Uint8Array): Promise<UploadedJar> {
    const name = originalName.slice(originalName.lastIndexOf("/") + 1);
    const id = `${crypto.randomUUID()}_${name}`;
    await Deno.mkdir(this.hostDir, { recursive: true });
    await Deno.writeFile(`${this.hostDir}/${id}`, bytes);
    const jar = { id, name, uploaded: Date.now(), containerPath: `${this.containerDir}/${id}` };
    this.#jars.set(id, jar);
    return jar;
  }

  get(id: string): UploadedJar | undefined {
    return this.#jars.get(id);
  }

  list(): UploadedJar[] {
    return [...this.#jars.values()];
  }

  async delete(id: string): Promise<boolean> {
    if (!this.#jars.delete(id)) return false;
    await Deno.remove(`${this.hostDir}/${id}`).catch(() => {});
    return true;
  }

  /** Removes the upload directory (the JVM's temp dir cleanup on shutdown). */
  async removeAll(): Promise<void> {
    this.#jars.clear();
    await Deno.remove(this.hostDir, { recursive: true }).catch(() => {});
  }

  get directory(): string {
    return this.containerDir;
  }
}
