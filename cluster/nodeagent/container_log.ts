import { dirname } from "node:path";

/**
 * A container's output file (the node agent's /var/log/pods): lines are appended in order, the
 * file is opened on first use, and writes never block the runtime that logs. Kept after the pod is
 * deleted so a failing test can still read what the container said.
 */
export class ContainerLog {
  #chain: Promise<void> = Promise.resolve();
  #file: Deno.FsFile | undefined;
  #broken = false;
  readonly #encoder = new TextEncoder();

  constructor(readonly path: string, private readonly echo?: (line: string) => void) {}

  write(message: string): void {
    const line = `${new Date().toISOString()} ${message}\n`;
    this.echo?.(message);
    if (this.#broken) return;
    this.#chain = this.#chain.then(async () => {
      if (!this.#file) {
        await Deno.mkdir(dirname(this.path), { recursive: true });
        this.#file = await Deno.open(this.path, { create: true, append: true });
      }
      let bytes = this.#encoder.encode(line);
      while (bytes.length > 0) bytes = bytes.subarray(await this.#file.write(bytes));
    }).catch(() => {
      // A log file that cannot be written (disk full, state dir removed) must not stop the pod.
      this.#broken = true;
    });
  }

  /** Flushes pending lines and closes the file; later writes reopen it. */
  close(): Promise<void> {
    this.#chain = this.#chain.then(() => {
      this.#file?.close();
      this.#file = undefined;
    }).catch(() => {});
    return this.#chain;
  }
}
