// The HTTP client (connect's UniversalClientFn) under Node's REST transport:
// connect-node's, on Node's http, https and http2 modules, configured the way
// connect-node configures it for its own transports. So the connection
// options (nodeOptions with a private CA or an agent, httpVersion "2", the
// HTTP/2 keep-alive settings) mean the same for "rest" as for "grpc-web".
// Node only: never import this from the browser entry.
import type { GrpcWebTransportOptions } from "@connectrpc/connect-node";
import { createNodeHttpClient } from "@connectrpc/connect-node";
import type { CommonTransportOptions, UniversalClientFn } from "@connectrpc/connect/protocol";
import { createAsyncIterable } from "@connectrpc/connect/protocol";
import type { DistributivePick, HttpVersionOptional, Keys } from "./options.js";
import { collectBytes } from "./rest-fetch-client.js";
import { keepAliveSessionManager } from "./keep-alive-session-manager.js";

/** connect-node's connection options: those of its transports that are not options of every connect transport. */
export type NodeConnectionKey = Exclude<Keys<GrpcWebTransportOptions>, keyof CommonTransportOptions>;

/** The connection options, as connect-node's transports take them ("1.1" when httpVersion is unset). */
export type RestNodeConnection = HttpVersionOptional<DistributivePick<GrpcWebTransportOptions, NodeConnectionKey>>;

/**
 * A UniversalClientFn for the REST transport to `baseUrl`. Over HTTP/2 all
 * calls share one session (the given `sessionManager`, or one made here with
 * the ping and idle settings and `nodeOptions`), which closes when idle; over
 * HTTP/1.1 each request goes through `nodeOptions` (e.g. its `agent`, `ca`).
 * A request body is sent in one piece with its content-length.
 */
export function createRestNodeHttpClient(baseUrl: string, connection: RestNodeConnection): UniversalClientFn {
  let client: UniversalClientFn;
  if (connection.httpVersion === "2") {
    const sessionManager = connection.sessionManager ?? keepAliveSessionManager(baseUrl, connection);
    client = createNodeHttpClient({ httpVersion: "2", sessionProvider: () => sessionManager });
  } else {
    client = createNodeHttpClient({ httpVersion: "1.1", nodeOptions: connection.nodeOptions });
  }
  return async (request) => {
    if (request.body === undefined) return client(request);
    const body = await collectBytes(request.body);
    const header = new Headers(request.header);
    header.set("content-length", String(body.byteLength));
    return client({ ...request, header, body: createAsyncIterable([body]) });
  };
}
