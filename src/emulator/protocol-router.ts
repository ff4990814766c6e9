import type * as http from "node:http";
import type * as http2 from "node:http2";
import type { DescService } from "@bufbuild/protobuf";
import type { GrpcWire } from "./grpc-unary-handler.js";

type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;

/** Which handler answers a request. */
export type Destination =
  /** gRPC with binary protobuf: connect-node's gRPC handler. */
  | { to: "grpc" }
  /** gRPC-web, or gRPC with another content-subtype: our own unary handler, as grpc-go answers. */
  | { to: "grpc-unary"; wire: GrpcWire }
  /** The Connect protocol on a path served over Connect: v2 always, v1 only when the emulator was started with connectV1. */
  | { to: "connect" }
  /** Everything else: the REST gateway (which answers 404 for paths it has no route for). */
  | { to: "rest" };

export interface RoutingOptions {
  /** "/<service>/<method>" of every RPC served over Connect (v2's; v1's only with connectV1, a convenience ZITADEL lacks). */
  connectPaths: ReadonlySet<string>;
}

/**
 * Routes a request as ZITADEL's HTTP front does: by content-type. A POST
 * with application/grpc goes to the gRPC server, one with
 * application/grpc-web… to the gRPC-web wrapper; anything else on a path
 * served over Connect (the v2 services) to the Connect handler, and the rest
 * to the REST gateway, Connect requests on v1 paths included: ZITADEL serves
 * no Connect for v1, so those end as the gateway's 404.
 */
export function routeRequest(req: NodeRequest, options: RoutingOptions): Destination {
  const mediaType = String(req.headers["content-type"] ?? "")
    .split(";")[0]!
    .trim()
    .toLowerCase();
  if (req.method === "POST") {
    if (mediaType === "application/grpc" || mediaType === "application/grpc+proto") return { to: "grpc" };
    if (/^application\/grpc-web-text(\+|$)/.test(mediaType)) return { to: "grpc-unary", wire: "grpc-web-text" };
    if (/^application\/grpc-web(\+|$)/.test(mediaType)) return { to: "grpc-unary", wire: "grpc-web" };
    // e.g. application/grpc+json: grpc-go has no such codec and decodes it as protobuf, which connect-node would not.
    if (mediaType.startsWith("application/grpc+")) return { to: "grpc-unary", wire: "grpc" };
  }
  if (options.connectPaths.has((req.url ?? "").split("?")[0]!)) return { to: "connect" };
  return { to: "rest" };
}

/** The gRPC paths of the services: "/zitadel.management.v1.ManagementService/GetUserMetadata", … */
export function rpcPathsOf(services: readonly DescService[]): Set<string> {
  return new Set(services.flatMap((s) => s.methods.map((m) => `/${s.typeName}/${m.name}`)));
}
