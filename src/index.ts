// Node entry of zitadel-metadata: the shared API plus Node's transports
// (connect-node for gRPC over HTTP/2) and key files read from disk.

export * from "./shared-api.js";
export { createZitadelTransport } from "./transport/node.js";
export type {
  ZitadelTransportOptions,
  ZitadelGrpcTransportOptions,
  ZitadelGrpcWebTransportOptions,
  ZitadelConnectTransportOptions,
  ZitadelRestTransportOptions,
} from "./transport/node.js";
export { serviceAccountKey } from "./auth/service-account-key-file.js";
