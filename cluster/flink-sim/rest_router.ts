/** An HTTP error in Flink's shape: `{"errors": [...]}` with a status code. */
export class RestError extends Error {
  constructor(readonly status: number, readonly errors: string[]) {
    super(errors.join("; "));
    this.name = "RestError";
  }
}

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=UTF-8" },
  });
}

export function errorResponse(err: RestError): Response {
  return jsonResponse({ errors: err.errors }, err.status);
}

export interface RouteRequest {
  request: Request;
  url: URL;
  params: Record<string, string>;
}

export type RouteHandler = (req: RouteRequest) => Promise<Response> | Response;

interface Route {
  method: string;
  segments: string[];
  handler: RouteHandler;
}

/**
 * Matches `METHOD /path/:param` routes. Flink serves every path also under `/v1`, and answers
 * unknown paths with 404 "Not found" and known paths with a wrong method with 405.
 */
export class RestRouter {
  readonly #routes: Route[] = [];

  on(method: string, pattern: string, handler: RouteHandler): this {
    this.#routes.push({ method, segments: pattern.split("/").filter(Boolean), handler });
    return this;
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    let segments = url.pathname.split("/").filter(Boolean).map(decodeSegment);
    if (segments[0] === "v1") segments = segments.slice(1);
    let pathMatched = false;
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      pathMatched = true;
      if (route.method !== request.method) continue;
      try {
        return await route.handler({ request, url, params });
      } catch (err) {
        if (err instanceof RestError) return errorResponse(err);
        return errorResponse(
          new RestError(500, [
            "Internal server error.",
            `<Exception on server side:\n${err}\n\nEnd of exception on server side>`,
          ]),
        );
      }
    }
    if (pathMatched) {
      return errorResponse(new RestError(405, [`Method not allowed: ${request.method}`]));
    }
    return errorResponse(new RestError(404, ["Not found: " + url.pathname]));
  }
}

function matchSegments(pattern: string[], path: string[]): Record<string, string> | undefined {
  if (pattern.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i].startsWith(":")) params[pattern[i].slice(1)] = path[i];
    else if (pattern[i] !== path[i]) return undefined;
  }
  return params;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
