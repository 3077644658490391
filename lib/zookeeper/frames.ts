/**
 * Length-prefixed packets on a byte stream: each is a 4-byte big-endian length, then that many
 * bytes. Reads whole packets off a connection however the bytes arrive.
 */
import { ZooKeeperProtocolError } from "./errors.ts";

/** The server's default `jute.maxbuffer` is ~1 MiB; anything far beyond is a broken stream. */
const MAX_PACKET = 16 * 1024 * 1024;

export class PacketReader {
  readonly #source: { read(p: Uint8Array): Promise<number | null> };
  #buffer = new Uint8Array(0);

  constructor(source: { read(p: Uint8Array): Promise<number | null> }) {
    this.#source = source;
  }

  /** The next packet's body, or null when the stream ended between packets. */
  async next(): Promise<Uint8Array | null> {
    if (!await this.#fill(4)) return null;
    const length = new DataView(this.#buffer.buffer, this.#buffer.byteOffset).getInt32(0);
    if (length < 0 || length > MAX_PACKET) {
      throw new ZooKeeperProtocolError(`packet length ${length} is not plausible`);
    }
    await this.#fill(4 + length);
    const body = this.#buffer.slice(4, 4 + length);
    this.#buffer = this.#buffer.subarray(4 + length);
    return body;
  }

  /** Reads until `n` bytes are buffered; false if the stream ended with nothing buffered. */
  async #fill(n: number): Promise<boolean> {
    while (this.#buffer.length < n) {
      const chunk = new Uint8Array(Math.max(4096, n - this.#buffer.length));
      const read = await this.#source.read(chunk);
      if (read === null) {
        if (this.#buffer.length === 0) return false; // ended between packets
        throw new ZooKeeperProtocolError("the connection closed in the middle of a packet");
      }
      const joined = new Uint8Array(this.#buffer.length + read);
      joined.set(this.#buffer);
      joined.set(chunk.subarray(0, read), this.#buffer.length);
      this.#buffer = joined;
    }
    return true;
  }
}

/** Writes all of `bytes` (a connection may accept fewer per write). */
export async function writeAll(
  sink: { write(p: Uint8Array): Promise<number> },
  bytes: Uint8Array,
): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await sink.write(bytes.subarray(offset));
}
