import * as http2 from "node:http2";
import { cleanPath } from "../http-rule/gateway-path.js";
import type { RequestTarget } from "./request-target.js";
import { escapePath, parseRequestTarget } from "./request-target.js";
import type { NodeRequest, NodeResponse } from "./node-http-types.js";

/**
 * What a request meets in ZITADEL before the REST gateway routes it, and
 * answers itself when the request goes no further:
 *
 * - Go's HTTP server parses the request line (see request-target.ts). One
 *   it refuses gets a plain-text "400 Bad Request" on HTTP/1.1, written on
 *   the connection before any handler (so without CORS headers), which is
 *   then closed; on HTTP/2 the stream is reset with PROTOCOL_ERROR.
 * - The router cleans the decoded path (gateway-path.ts). When that changes
 *   it, the answer is 301 Moved Permanently to the cleaned path, escaped
 *   again, with the query kept and no body; no handler runs, so nothing is
 *   read or written.
 *
 * Returns the decoded, clean path and the raw query for the gateway, or
 * undefined when the request has been answered here.
 */
export function admitRequest(req: NodeRequest, res: NodeResponse): RequestTarget | undefined {
  const target = parseRequestTarget(req.url ?? "/");
  if (target === undefined) {
    refuseRequestLine(req, res);
    return undefined;
  }
  const cleaned = cleanPath(target.path);
  if (cleaned !== target.path) {
    req.resume();
    const location = escapePath(cleaned) + (target.rawQuery === undefined ? "" : `?${target.rawQuery}`);
    res.writeHead(301, { location, "content-length": 0 });
    res.end();
    return undefined;
  }
  return target;
}

function refuseRequestLine(req: NodeRequest, res: NodeResponse): void {
  req.resume();
  if ("stream" in res) {
    res.stream.close(http2.constants.NGHTTP2_PROTOCOL_ERROR);
    return;
  }
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.sendDate = false;
  res.writeHead(400, { "content-type": "text/plain; charset=utf-8", connection: "close" });
  res.end("400 Bad Request");
}
