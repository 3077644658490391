/**
 * The records this client exchanges with a ZooKeeper server: the session handshake, request and
 * reply headers, and the bodies of the few operations it uses. Field order and types are the
 * protocol's (zookeeper.jute); nothing here touches the network.
 */
import { JuteReader, JuteWriter } from "./jute.ts";

/** Request types (`ZooDefs.OpCode`). */
export const OpCode = {
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  getChildren: 8,
  ping: 11,
  closeSession: -11,
} as const;
export type OpCode = (typeof OpCode)[keyof typeof OpCode];

/** Reserved xids: server-initiated watch events and ping replies. */
export const NOTIFICATION_XID = -1;
export const PING_XID = -2;

/** `CreateMode` flags. */
export const CreateFlags = { persistent: 0, ephemeral: 1, sequential: 2 } as const;

/** ZooDefs.Perms.ALL for world:anyone, i.e. `OPEN_ACL_UNSAFE`, what Flink's default ACL mode uses. */
const OPEN_ACL = { perms: 31, scheme: "world", id: "anyone" };

export interface ConnectRequest {
  sessionTimeoutMs: number;
}

export interface ConnectResponse {
  protocolVersion: number;
  /** The session timeout the server granted (clamped to its min/max); 0 means expired. */
  sessionTimeoutMs: number;
  sessionId: bigint;
  readOnly: boolean;
}

/** A new session: protocol 0, no zxid seen, no session to resume, 16-byte empty password. */
export function encodeConnectRequest(req: ConnectRequest): Uint8Array {
  return new JuteWriter()
    .int(0)
    .long(0)
    .int(req.sessionTimeoutMs)
    .long(0)
    .buffer(new Uint8Array(16))
    .bool(false)
    .packet();
}

export function decodeConnectResponse(body: Uint8Array): ConnectResponse {
  const r = new JuteReader(body);
  const protocolVersion = r.int();
  const sessionTimeoutMs = r.int();
  const sessionId = r.long();
  r.buffer();
  // Servers before 3.4 do not send the read-only flag.
  const readOnly = r.remaining > 0 ? r.bool() : false;
  return { protocolVersion, sessionTimeoutMs, sessionId, readOnly };
}

/** A request packet: header (xid, type), then the operation's body. */
export function encodeRequest(
  xid: number,
  type: OpCode,
  body?: (w: JuteWriter) => void,
): Uint8Array {
  const w = new JuteWriter().int(xid).int(type);
  body?.(w);
  return w.packet();
}

export interface ReplyHeader {
  xid: number;
  zxid: bigint;
  err: number;
}

export function readReplyHeader(r: JuteReader): ReplyHeader {
  return { xid: r.int(), zxid: r.long(), err: r.int() };
}

/** A node's metadata (`Stat`). */
export interface Stat {
  czxid: bigint;
  mzxid: bigint;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
  pzxid: bigint;
}

export function readStat(r: JuteReader): Stat {
  return {
    czxid: r.long(),
    mzxid: r.long(),
    ctime: Number(r.long()),
    mtime: Number(r.long()),
    version: r.int(),
    cversion: r.int(),
    aversion: r.int(),
    ephemeralOwner: r.long(),
    dataLength: r.int(),
    numChildren: r.int(),
    pzxid: r.long(),
  };
}

/** Body of exists, getData and getChildren: the path and no watch. */
export function pathNoWatch(path: string): (w: JuteWriter) => void {
  return (w) => w.string(path).bool(false);
}

export function deleteBody(path: string, version: number): (w: JuteWriter) => void {
  return (w) => w.string(path).int(version);
}

export function createBody(
  path: string,
  data: Uint8Array,
  flags: number,
): (w: JuteWriter) => void {
  return (w) =>
    w.string(path).buffer(data)
      .int(1).int(OPEN_ACL.perms).string(OPEN_ACL.scheme).string(OPEN_ACL.id)
      .int(flags);
}
