/**
 * Jute, ZooKeeper's record encoding: big-endian ints (4 bytes) and longs (8), booleans as one
 * byte, strings and byte buffers as a 4-byte length (-1 for null) followed by the bytes, vectors
 * as a count followed by the elements. Every packet on the wire is one such record prefixed by its
 * length.
 */
import { ZooKeeperProtocolError } from "./errors.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export class JuteWriter {
  #bytes = new Uint8Array(64);
  #view = new DataView(this.#bytes.buffer);
  #length = 0;

  int(value: number): this {
    this.#reserve(4).setInt32(this.#length - 4, value);
    return this;
  }

  long(value: bigint | number): this {
    this.#reserve(8).setBigInt64(this.#length - 8, BigInt(value));
    return this;
  }

  bool(value: boolean): this {
    this.#reserve(1).setUint8(this.#length - 1, value ? 1 : 0);
    return this;
  }

  buffer(value: Uint8Array | null): this {
    if (value === null) return this.int(-1);
    this.int(value.length);
    this.#reserve(value.length);
    this.#bytes.set(value, this.#length - value.length);
    return this;
  }

  string(value: string | null): this {
    return this.buffer(value === null ? null : encoder.encode(value));
  }

  /** The record so far, without a length prefix. */
  bytes(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }

  /** The record as a packet: its length, then its bytes. */
  packet(): Uint8Array {
    const out = new Uint8Array(4 + this.#length);
    new DataView(out.buffer).setInt32(0, this.#length);
    out.set(this.#bytes.subarray(0, this.#length), 4);
    return out;
  }

  /** Grows the buffer for `n` more bytes and advances past them; returns the view to write in. */
  #reserve(n: number): DataView {
    const needed = this.#length + n;
    if (needed > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.#bytes.length * 2));
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.#length = needed;
    return this.#view;
  }
}

export class JuteReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #offset = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  int(): number {
    return this.#view.getInt32(this.#advance(4));
  }

  long(): bigint {
    return this.#view.getBigInt64(this.#advance(8));
  }

  bool(): boolean {
    return this.#view.getUint8(this.#advance(1)) !== 0;
  }

  buffer(): Uint8Array | null {
    const length = this.int();
    if (length < 0) return null;
    const start = this.#advance(length);
    return this.#bytes.slice(start, start + length);
  }

  string(): string | null {
    const bytes = this.buffer();
    if (bytes === null) return null;
    try {
      return decoder.decode(bytes);
    } catch {
      throw new ZooKeeperProtocolError("a string in a ZooKeeper reply is not valid UTF-8");
    }
  }

  /** A vector of strings (null reads as empty). */
  strings(): string[] {
    const count = this.int();
    if (count > this.remaining / 4) {
      throw new ZooKeeperProtocolError(`a ZooKeeper reply announces ${count} strings, too many`);
    }
    const out: string[] = [];
    for (let i = 0; i < count; i++) out.push(this.string() ?? "");
    return out;
  }

  #advance(n: number): number {
    if (n > this.remaining) {
      throw new ZooKeeperProtocolError(
        `a ZooKeeper reply ended early: ${n} more bytes expected, ${this.remaining} left`,
      );
    }
    const at = this.#offset;
    this.#offset += n;
    return at;
  }
}
