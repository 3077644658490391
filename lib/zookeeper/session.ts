/**
 * One ZooKeeper session over one TCP connection: the handshake, then requests matched to replies
 * by xid. The server answers in order; a reply that does not come within the request timeout
 * ends the session (the stream's state is unknown after that), and so does a broken connection,
 * failing every request in flight.
 *
 * Sessions here are short: the operator opens one, makes a few calls and closes it. No call waits
 * on anything but the server, so the session never idles long enough to need pings, and no
 * watches are set (a stray watch event would be ignored).
 */
import { ZooKeeperConnectionError, ZooKeeperError, ZooKeeperProtocolError } from "./errors.ts";
import { formatAddress, type ServerAddress } from "./connect_string.ts";
import { PacketReader, writeAll } from "./frames.ts";
import { JuteReader, type JuteWriter } from "./jute.ts";
import {
  type ConnectResponse,
  decodeConnectResponse,
  encodeConnectRequest,
  encodeRequest,
  NOTIFICATION_XID,
  OpCode,
  PING_XID,
  readReplyHeader,
} from "./protocol.ts";

export interface SessionTimeouts {
  /** Asked of the server, which clamps it to [2, 20] × its tickTime. */
  sessionTimeoutMs: number;
  /** TCP connect plus handshake, per server. */
  connectTimeoutMs: number;
  /** Each reply. */
  requestTimeoutMs: number;
}

interface Pending<T> {
  resolve(value: T): void;
  reject(err: Error): void;
}

interface Reply {
  err: number;
  body: JuteReader;
}

export class ZooKeeperSession {
  /** `host:port` of the server this session is on. */
  readonly server: string;
  readonly #conn: Deno.Conn;
  readonly #packets: PacketReader;
  readonly #requestTimeoutMs: number;
  readonly #pending = new Map<number, Pending<Reply>>();
  #handshake?: Pending<Uint8Array>;
  #nextXid = 1;
  #writes: Promise<void> = Promise.resolve();
  #closed?: Error;
  #pump: Promise<void>;
  #info?: ConnectResponse;

  private constructor(server: string, conn: Deno.Conn, requestTimeoutMs: number) {
    this.server = server;
    this.#conn = conn;
    this.#packets = new PacketReader(conn);
    this.#requestTimeoutMs = requestTimeoutMs;
    this.#pump = this.#readLoop();
  }

  /** Connects to one server and sets up a new session; throws ZooKeeperConnectionError. */
  static async open(address: ServerAddress, timeouts: SessionTimeouts): Promise<ZooKeeperSession> {
    const server = formatAddress(address);
    const conn = await connectWithin(address, server, timeouts.connectTimeoutMs);
    const session = new ZooKeeperSession(server, conn, timeouts.requestTimeoutMs);
    try {
      const packet = await session.#await<Uint8Array>(
        (pending) => (session.#handshake = pending),
        () => writeAll(conn, encodeConnectRequest(timeouts)),
        timeouts.connectTimeoutMs,
        "the session handshake",
      );
      const info = decodeConnectResponse(packet);
      if (info.sessionTimeoutMs <= 0) {
        throw new ZooKeeperConnectionError(`${server} refused the session (expired)`);
      }
      session.#info = info;
      return session;
    } catch (err) {
      await session.#shutdown(err as Error);
      throw err;
    }
  }

  /** What the server granted: session id and timeout (undefined until the handshake is done). */
  get info(): ConnectResponse | undefined {
    return this.#info;
  }

  /** Sends one request and returns the reply body; a non-zero error code throws ZooKeeperError. */
  async call<T>(
    type: OpCode,
    operation: string,
    path: string,
    body: ((w: JuteWriter) => void) | undefined,
    decode: (r: JuteReader) => T,
  ): Promise<T> {
    if (this.#closed) throw this.#closed;
    const xid = this.#nextXid++;
    const reply = await this.#await<Reply>(
      (pending) => this.#pending.set(xid, pending),
      () => writeAll(this.#conn, encodeRequest(xid, type, body)),
      this.#requestTimeoutMs,
      `${operation} ${path}`,
      () => this.#pending.delete(xid),
    );
    if (reply.err !== 0) throw new ZooKeeperError(reply.err, operation, path, this.server);
    return decode(reply.body);
  }

  /** Ends the session on the server (its ephemeral nodes go at once) and the connection. */
  async close(): Promise<void> {
    if (!this.#closed && this.#info) {
      await this.call(OpCode.closeSession, "close session", "", undefined, () => undefined)
        .catch(() => {});
    }
    await this.#shutdown(new ZooKeeperConnectionError(`the session on ${this.server} is closed`));
  }

  /**
   * Registers a waiter, writes, and waits for its reply within `timeoutMs`. A timeout or a failed
   * write ends the session: a later reply could no longer be told apart.
   */
  async #await<T>(
    register: (p: Pending<T>) => void,
    write: () => Promise<void>,
    timeoutMs: number,
    what: string,
    unregister: () => void = () => {},
  ): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const reply = new Promise<T>((resolve, reject) => {
      register({ resolve, reject });
      timer = setTimeout(() => {
        unregister();
        const err = new ZooKeeperConnectionError(
          `${this.server} did not answer ${what} within ${timeoutMs} ms`,
        );
        reject(err);
        this.#shutdown(err);
      }, timeoutMs);
    });
    this.#writes = this.#writes.then(write).catch((err) => {
      this.#shutdown(new ZooKeeperConnectionError(`writing to ${this.server} failed: ${err}`));
    });
    try {
      return await reply;
    } finally {
      clearTimeout(timer);
    }
  }

  async #readLoop(): Promise<void> {
    try {
      while (true) {
        const packet = await this.#packets.next();
        if (packet === null) {
          throw new ZooKeeperConnectionError(`${this.server} closed the connection`);
        }
        this.#dispatch(packet);
      }
    } catch (err) {
      this.#fail(
        err instanceof ZooKeeperConnectionError || err instanceof ZooKeeperProtocolError
          ? err
          : new ZooKeeperConnectionError(`reading from ${this.server} failed: ${err}`),
      );
    }
  }

  #dispatch(packet: Uint8Array): void {
    const handshake = this.#handshake;
    if (handshake) {
      this.#handshake = undefined;
      handshake.resolve(packet);
      return;
    }
    const r = new JuteReader(packet);
    const header = readReplyHeader(r);
    if (header.xid === PING_XID || header.xid === NOTIFICATION_XID) return;
    const pending = this.#pending.get(header.xid);
    if (!pending) {
      throw new ZooKeeperProtocolError(`${this.server} answered xid ${header.xid}, never sent`);
    }
    this.#pending.delete(header.xid);
    pending.resolve({ err: header.err, body: r });
  }

  /** Fails everything waiting, once; the first cause is what later calls report. */
  #fail(err: Error): void {
    this.#closed ??= err;
    for (const p of this.#pending.values()) p.reject(this.#closed);
    this.#pending.clear();
    this.#handshake?.reject(this.#closed);
    this.#handshake = undefined;
  }

  async #shutdown(err: Error): Promise<void> {
    this.#fail(err);
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    await this.#pump;
    await this.#writes;
  }
}

/** Deno.connect bounded by a timeout; a connection that arrives too late is closed. */
async function connectWithin(
  address: ServerAddress,
  server: string,
  timeoutMs: number,
): Promise<Deno.Conn> {
  const attempt = Deno.connect({ hostname: address.host, port: address.port });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ZooKeeperConnectionError(`connecting to ${server} timed out after ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([attempt, timeout]);
  } catch (err) {
    attempt.then((conn) => conn.close(), () => {});
    if (err instanceof ZooKeeperConnectionError) throw err;
    throw new ZooKeeperConnectionError(`cannot connect to ${server}: ${describeSocketError(err)}`);
  } finally {
    clearTimeout(timer);
  }
}

function describeSocketError(err: unknown): string {
  if (err instanceof Deno.errors.ConnectionRefused) return "connection refused";
  return err instanceof Error ? err.message : String(err);
}
