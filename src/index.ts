// Node entry of zitadel-metadata.

// --- transports and clients ---
export { createZitadelTransport } from "./transport/node.js";
export type { ZitadelTransportOptions } from "./transport/node.js";
export type { ZitadelProtocol, CommonZitadelTransportOptions } from "./transport/options.js";
export { createRestTransport } from "./transport/rest.js";
export type { RestTransportOptions } from "./transport/rest.js";
export { createManagementClient, createAuthClient } from "./clients.js";
export type { ManagementClient, AuthClient } from "./clients.js";

// --- authentication and organization context ---
export { createZitadelInterceptor, withOrgId } from "./interceptor.js";
export type { ZitadelInterceptorOptions } from "./interceptor.js";
export { accessToken } from "./auth/access-token.js";
export type { Auth, TokenSource } from "./auth/token-source.js";

// --- errors ---
export { getErrorDetail } from "./errors.js";
