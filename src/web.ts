// Browser entry of zitadel-metadata: the same API as the Node entry, built on
// fetch (connect-web). Nothing imported from here may reach a node:* module.

export * from "./shared-api.js";
export {
  createZitadelTransport,
  createZitadelGrpcWebTransport,
  createZitadelConnectTransport,
  createZitadelRestTransport,
} from "./transport/web.js";
export type {
  WebZitadelTransportOptions as ZitadelTransportOptions,
  WebZitadelProtocolTransportOptions as ZitadelProtocolTransportOptions,
  WebZitadelGrpcWebTransportOptions as ZitadelGrpcWebTransportOptions,
  WebZitadelConnectTransportOptions as ZitadelConnectTransportOptions,
  WebZitadelRestTransportOptions as ZitadelRestTransportOptions,
} from "./transport/web.js";
export { serviceAccountKey } from "./auth/service-account-key.js";
