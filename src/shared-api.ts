// The part of the public API that is the same in Node and in browsers. Each
// entry (index.ts, web.ts) re-exports it and adds its runtime's transport
// factory and serviceAccountKey. Everything listed here
// must stay free of node:* imports.

// --- transports and clients ---
export type { ZitadelProtocol, CommonZitadelTransportOptions } from "./transport/options.js";
export { zitadelProtocols } from "./transport/options.js";
export { createRestTransport } from "./transport/rest.js";
export type { RestTransportOptions } from "./transport/rest.js";
export { createManagementClient, createAuthClient } from "./zitadel/v1/clients.js";
export type { ManagementClient, AuthClient } from "./zitadel/v1/clients.js";
export { createUserServiceV2Client, createOrganizationServiceV2Client, createOrganizationServiceV2betaClient } from "./zitadel/v2/clients.js";
export type { UserServiceV2Client, OrganizationServiceV2Client, OrganizationServiceV2betaClient } from "./zitadel/v2/clients.js";

// --- the high-level metadata API ---
export { createMetadataClient } from "./metadata/client.js";
export type { MetadataClient, MetadataClientOptions, MetadataApiName } from "./metadata/client.js";
export type {
  MetadataScope,
  ReadonlyMetadataScope,
  MetadataList,
  ListOptions,
  KeyMatch,
  WriteResult,
  BulkResult,
  BulkCallOptions,
  ApplyResult,
  MetadataChanges,
} from "./metadata/scope.js";
export type { BulkOptions } from "./metadata/bulk.js";
export type { MetadataCallOptions } from "./metadata/call-options.js";
export { MetadataEntry } from "./metadata/entry.js";
export type { Details } from "./metadata/entry.js";
export { json } from "./metadata/value.js";
export type { MetadataValue, JsonMetadataValue } from "./metadata/value.js";

// --- authentication and organization context ---
export { createZitadelInterceptor } from "./interceptor/interceptor.js";
export { createPacingInterceptor } from "./interceptor/pace.js";
export { createPacer } from "./core/pacer.js";
export type { Pacer } from "./core/pacer.js";

// --- deadlines and retries ---
export { createRetryInterceptor, retryDefaults, wasAlreadyApplied } from "./interceptor/retry.js";
export type { RetryOptions, RetryEvent, RetryOutcome } from "./interceptor/retry.js";
export { connectionFailureOf } from "./interceptor/connection-failure.js";
export type { ConnectionFailure, ConnectionFailureKind } from "./interceptor/connection-failure.js";
export { defaultCallTimeoutMs } from "./core/deadline.js";
export { withOrgId } from "./core/org-context.js";
export type { ZitadelInterceptorOptions } from "./interceptor/interceptor.js";
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
  isTokenFailure,
} from "./zitadel/errors.js";
export { isConnectV1Refusal } from "./transport/connect-v1-guard.js";
export { ZitadelConfigError } from "./core/config-error.js";
export type { ConfigErrorCode } from "./core/config-error.js";
/** The catalogue of ZITADEL's error ids: what each means, its code and kind. */
export { sharedErrors } from "./zitadel/shared-errors.js";
export { v1Errors } from "./zitadel/v1/errors.js";
export { v2Errors } from "./zitadel/v2/errors.js";
export { errorFact } from "./zitadel/versions.js";
export type { ErrorFact, ErrorKind, Remedy } from "./zitadel/error-fact.js";

// --- building blocks (for tools built on this package, such as the zmeta CLI) ---
export { TextQueryMethod } from "../gen/zitadel/object_pb.js";
export type { Metadata, MetadataQuery } from "../gen/zitadel/metadata_pb.js";
export { runBatches, splitIntoBatches } from "./metadata/bulk.js";
export { v1Limits, runeLength, keyLengthProblem, valueSizeProblem } from "./zitadel/v1/limits.js";
export { redact } from "./core/conceal.js";
export { isLoopbackHost } from "./core/secure-url.js";
export { looksLikeJson as looksLikeServiceAccountKeyJson } from "./auth/service-account-key.js";
