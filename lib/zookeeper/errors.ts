/**
 * Errors of the ZooKeeper client: a server's answer with an error code ({@link ZooKeeperError}),
 * no usable connection ({@link ZooKeeperConnectionError}), or bytes that do not parse
 * ({@link ZooKeeperProtocolError}).
 */

/** The error codes a ZooKeeper server answers with (`KeeperException.Code`). */
export const ErrorCode = {
  systemError: -1,
  runtimeInconsistency: -2,
  dataInconsistency: -3,
  connectionLoss: -4,
  marshallingError: -5,
  unimplemented: -6,
  operationTimeout: -7,
  badArguments: -8,
  unknownSession: -12,
  newConfigNoQuorum: -13,
  reconfigInProgress: -14,
  apiError: -100,
  noNode: -101,
  noAuth: -102,
  badVersion: -103,
  noChildrenForEphemerals: -108,
  nodeExists: -110,
  notEmpty: -111,
  sessionExpired: -112,
  invalidCallback: -113,
  invalidAcl: -114,
  authFailed: -115,
  sessionMoved: -118,
  notReadOnly: -119,
  ephemeralOnLocalSession: -120,
  noWatcher: -121,
  requestTimeout: -122,
  reconfigDisabled: -123,
  sessionClosedRequireSaslAuth: -124,
  quotaExceeded: -125,
  throttledOp: -127,
} as const;

const NAMES = new Map<number, string>(
  Object.entries(ErrorCode).map(([name, code]) => [code, name.toUpperCase()]),
);

/** `NONODE`, `NODEEXISTS`, … or `error <code>` for a code this client does not know. */
export function errorCodeName(code: number): string {
  return NAMES.get(code) ?? `error ${code}`;
}

/** A request the server answered with an error code. */
export class ZooKeeperError extends Error {
  override name = "ZooKeeperError";
  constructor(
    readonly code: number,
    readonly operation: string,
    readonly path: string,
    readonly server: string,
  ) {
    super(`ZooKeeper ${operation} ${path} on ${server}: ${errorCodeName(code)}`);
  }
}

/** No server could be reached, the session could not be set up, or the connection broke. */
export class ZooKeeperConnectionError extends Error {
  override name = "ZooKeeperConnectionError";
}

/** A reply that does not follow the protocol (or a request this client cannot encode). */
export class ZooKeeperProtocolError extends Error {
  override name = "ZooKeeperProtocolError";
}

export function isNoNode(err: unknown): boolean {
  return err instanceof ZooKeeperError && err.code === ErrorCode.noNode;
}

export function isNodeExists(err: unknown): boolean {
  return err instanceof ZooKeeperError && err.code === ErrorCode.nodeExists;
}

export function isNotEmpty(err: unknown): boolean {
  return err instanceof ZooKeeperError && err.code === ErrorCode.notEmpty;
}
