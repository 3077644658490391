/** An HTTP error answered by the Kubernetes API server, carrying its Status object when present. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The API server could not be reached at all (DNS, refused, TLS, timeout). */
export class ConnectionError extends Error {
  constructor(readonly server: string, override readonly cause: unknown) {
    super(`cannot reach the Kubernetes API server at ${server}: ${describe(cause)}`);
    this.name = "ConnectionError";
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const inner = (err as { cause?: unknown }).cause;
    return inner instanceof Error ? `${err.message} (${inner.message})` : err.message;
  }
  return String(err);
}

export function isApiError(err: unknown, status?: number): err is ApiError {
  return err instanceof ApiError && (status === undefined || err.status === status);
}

export const isNotFound = (err: unknown): boolean => isApiError(err, 404);
export const isConflict = (err: unknown): boolean => isApiError(err, 409);
export const isGone = (err: unknown): boolean => isApiError(err, 410);
export const isForbidden = (err: unknown): boolean => isApiError(err, 403);
export const isAlreadyExists = (err: unknown): boolean =>
  isApiError(err, 409) && (err as ApiError).reason === "AlreadyExists";
