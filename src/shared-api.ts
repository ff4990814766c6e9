// The part of the public API that is the same in Node and in browsers. Each
// entry (index.ts, web.ts) re-exports it and adds its runtime's transport
// factory, createMetadataClient and serviceAccountKey. Everything listed here
// must stay free of node:* imports.

// --- transports and clients ---
export type { ZitadelProtocol, CommonZitadelTransportOptions } from "./transport/options.js";
export { createRestTransport } from "./transport/rest.js";
export type { RestTransportOptions } from "./transport/rest.js";
export { createManagementClient, createAuthClient } from "./clients.js";
export type { ManagementClient, AuthClient } from "./clients.js";

// --- the high-level metadata API ---
export type { MetadataClient } from "./metadata/client.js";
export type {
  MetadataScope,
  ReadonlyMetadataScope,
  MetadataList,
  ListOptions,
  KeyMatch,
  WriteResult,
  BulkResult,
  BulkCallOptions,
} from "./metadata/scope.js";
export type { BulkOptions } from "./metadata/bulk.js";
export type { MetadataCallOptions } from "./metadata/call-options.js";
export { MetadataEntry } from "./metadata/entry.js";
export type { Details } from "./metadata/entry.js";
export { json } from "./metadata/value.js";
export type { MetadataValue, JsonMetadataValue } from "./metadata/value.js";

// --- authentication and organization context ---
export { createZitadelInterceptor, withOrgId } from "./interceptor.js";
export type { ZitadelInterceptorOptions } from "./interceptor.js";
export { accessToken } from "./auth/access-token.js";
export type { ServiceAccountKeyJson, ServiceAccountKeyOptions } from "./auth/service-account-key.js";
export { clientCredentials } from "./auth/client-credentials.js";
export type { ClientCredentialsOptions } from "./auth/client-credentials.js";
export { TokenRequestError } from "./auth/token-request-error.js";
export type { Auth, TokenSource, TokenContext } from "./auth/token-source.js";

// --- errors ---
export {
  ZitadelError,
  getErrorDetail,
  isMetadataNotFound,
  isUserNotFound,
  isPermissionDenied,
  isUnauthenticated,
} from "./errors.js";
