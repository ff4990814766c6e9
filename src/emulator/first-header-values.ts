import type * as http from "node:http";
import type * as http2 from "node:http2";

/** Headers of which ZITADEL reads the first value only, when a request carries them twice. */
const firstValueOnly = ["authorization", "x-zitadel-orgid"];

/**
 * Makes a request's headers show only the first value of the headers ZITADEL
 * reads that way (gRPC metadata and Go's Header.Get both take the first).
 * Node joins repeated headers with ", " (or, for authorization over
 * HTTP/1.1, keeps the first), so the first value is taken from rawHeaders.
 */
export function keepFirstHeaderValues(req: http.IncomingMessage | http2.Http2ServerRequest): void {
  const raw = req.rawHeaders;
  for (const name of firstValueOnly) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (raw[i]!.toLowerCase() === name) {
        req.headers[name] = raw[i + 1]!;
        break;
      }
    }
  }
}
