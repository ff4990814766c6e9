import type { NodeRequest } from "./node-http-types.js";

/** A Node request's headers as fetch Headers, for a handler context; HTTP/2 pseudo-headers left out. */
export function requestHeaders(req: NodeRequest): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith(":") || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}
