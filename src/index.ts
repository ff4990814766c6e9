// Node entry of zitadel-metadata.

// --- transports and clients ---
export { createZitadelTransport } from "./transport/node.js";
export type { ZitadelTransportOptions } from "./transport/node.js";
export type { ZitadelProtocol, CommonZitadelTransportOptions } from "./transport/options.js";
export { createRestTransport } from "./transport/rest.js";
export type { RestTransportOptions } from "./transport/rest.js";
export { createManagementClient, createAuthClient } from "./clients.js";
export type { ManagementClient, AuthClient } from "./clients.js";

// --- the high-level metadata API ---
export { createMetadataClient } from "./metadata/create-node.js";
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
export { serviceAccountKey } from "./auth/service-account-key-file.js";
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
