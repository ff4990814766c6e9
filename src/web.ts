// Browser entry of zitadel-metadata: the same API as the Node entry, built on
// fetch (connect-web). Nothing imported from here may reach a node:* module.

// --- transports and clients ---
export { createZitadelTransport } from "./transport/web.js";
export type { WebZitadelTransportOptions as ZitadelTransportOptions } from "./transport/web.js";
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
