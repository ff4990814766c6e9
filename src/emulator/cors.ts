import type * as http from "node:http";
import type * as http2 from "node:http2";

type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;

/** The response methods HTTP/1.1 and HTTP/2 responses share, as far as CORS needs them. */
interface Response {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(): unknown;
}

/**
 * What ZITADEL's HTTP layer allows cross-origin (its CORS interceptor, in
 * front of the gRPC-web, Connect, REST and OAuth routes alike). A browser
 * request with any other header fails against ZITADEL, so it fails here too.
 */
export const corsAllowedHeaders: readonly string[] = [
  "origin",
  "content-type",
  "accept",
  "accept-language",
  "authorization",
  "x-zitadel-orgid",
  "x-user-agent",
  "x-grpc-web",
  "x-requested-with",
  "connect-protocol-version",
  "connect-timeout-ms",
  "grpc-timeout",
];

/** Methods of ZITADEL's routes: gRPC-web and Connect use POST (Connect also GET), the REST gateway all of these. */
export const corsAllowedMethods: readonly string[] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

/**
 * Response headers scripts may read. gRPC-web answers an error without a body
 * ("trailers-only"), with the status in these headers: a browser that may not
 * read them reports every such error as a bare network failure.
 */
export const corsExposedHeaders: readonly string[] = ["grpc-status", "grpc-message", "grpc-status-details-bin", "location", "content-length"];

/** How long a browser may cache a preflight answer, in seconds (Chromium caps it at 7200). */
const preflightMaxAgeSeconds = 600;

export interface CorsOptions {
  /** Receives a line for each preflight refused, naming what was not allowed; browsers only say "CORS error". */
  log?: (line: string) => void;
}

/**
 * CORS as ZITADEL does it, for every route of the emulator: any origin may
 * call (the token, not the origin, is what authorizes), with credentials.
 * Call it first for each request; it answers preflights itself and returns
 * true, and on other cross-origin requests it adds the CORS response headers
 * and returns false, leaving the request to the next handler.
 */
export function createCorsHandler(options: CorsOptions = {}): (req: NodeRequest, res: Response) => boolean {
  const allowedHeaders = new Set(corsAllowedHeaders);
  const allowedMethods = new Set(corsAllowedMethods);
  const allowHeadersValue = corsAllowedHeaders.join(", ");
  const allowMethodsValue = corsAllowedMethods.join(", ");
  const exposeHeadersValue = corsExposedHeaders.join(", ");
  return (req, res) => {
    const origin = req.headers.origin;
    if (typeof origin !== "string") return false;
    const requestedMethod = req.headers["access-control-request-method"];
    if (req.method === "OPTIONS" && typeof requestedMethod === "string") {
      // The answer differs by these request headers, so caches must key on them.
      res.setHeader("vary", "origin, access-control-request-method, access-control-request-headers");
      const refused = refusal(requestedMethod, req.headers["access-control-request-headers"], allowedMethods, allowedHeaders);
      res.statusCode = 204;
      if (refused !== undefined) {
        // Like ZITADEL: no allow headers at all, so the browser blocks the call.
        options.log?.(`cors: refused the preflight from ${origin.slice(0, 200)}: ${refused}`);
        res.end();
        return true;
      }
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("access-control-allow-credentials", "true");
      res.setHeader("access-control-allow-methods", allowMethodsValue);
      res.setHeader("access-control-allow-headers", allowHeadersValue);
      res.setHeader("access-control-max-age", String(preflightMaxAgeSeconds));
      res.end();
      return true;
    }
    res.setHeader("access-control-allow-origin", origin);
    res.setHeader("access-control-allow-credentials", "true");
    res.setHeader("access-control-expose-headers", exposeHeadersValue);
    res.setHeader("vary", "origin");
    return false;
  };
}

/** Why a preflight is refused, or undefined when everything it asks for is allowed. */
function refusal(
  method: string,
  headerList: string | string[] | undefined,
  allowedMethods: ReadonlySet<string>,
  allowedHeaders: ReadonlySet<string>,
): string | undefined {
  if (!allowedMethods.has(method.trim().toUpperCase())) {
    return `method ${method.slice(0, 50)} is not allowed (allowed: ${[...allowedMethods].join(", ")})`;
  }
  const requested = (Array.isArray(headerList) ? headerList.join(",") : (headerList ?? ""))
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== "");
  const unknown = requested.filter((h) => !allowedHeaders.has(h));
  if (unknown.length > 0) {
    return `request header ${unknown.map((h) => h.slice(0, 100)).join(", ")} is not allowed (allowed: ${[...allowedHeaders].join(", ")})`;
  }
  return undefined;
}
