import type { ApiVersionServing } from "../api-version.js";
import { v1Limits } from "./limits.js";
import { v1Errors } from "./errors.js";
import { sharedErrors } from "../shared-errors.js";

/** What each v1 remove answers when its keys are gone (ZITADEL.md). */
const v1GoneIds: Readonly<Record<string, readonly string[]>> = {
  RemoveUserMetadata: [v1Errors.removeUserKeyMissing.id],
  RemoveOrgMetadata: [v1Errors.removeOrgKeyMissing.id],
  BulkRemoveUserMetadata: [sharedErrors.bulkRemoveUserKeyMissing.id],
  BulkRemoveOrgMetadata: [sharedErrors.bulkRemoveOrgKeyMissing.id],
};

/** zitadel.management.v1.ManagementService, zitadel.auth.v1.AuthService, and the other v1 APIs. */
const v1ServiceName = /^zitadel\.([a-z0-9_]+)\.v1\.[A-Za-z0-9_]+$/;

/** v1 reads, and the sets (setting a value twice leaves the same value); never the removes. */
const v1RetrySafe = /^(Get|List)\w*Metadata$|^(Bulk)?Set(User|Org)Metadata$/;

/**
 * ZITADEL's v1 APIs: served over gRPC, gRPC-web and REST, not Connect; the
 * gateway mounts zitadel.<x>.v1.* at /<x>/v1 (their annotations carry no
 * prefix of their own).
 */
export const v1Serving: ApiVersionServing = {
  name: "v1",
  owns: (typeName) => v1ServiceName.test(typeName),
  restPrefix: (typeName) => {
    const match = v1ServiceName.exec(typeName);
    return match ? `/${match[1]}/v1` : "";
  },
  servesConnect: false,
  // grpc-go with no JSON codec: a JSON message fails with Internal.
  servesGrpcJson: false,
  // grpc-go's defaults.
  messageLimits: { maxRequestBytes: v1Limits.maxRequestBytes, maxResponseBytes: v1Limits.maxResponseBytes },
  safeToRetry: (_service, method) => v1RetrySafe.test(method),
  goneIds: (_service, method) => (Object.hasOwn(v1GoneIds, method) ? v1GoneIds[method]! : []),
};
