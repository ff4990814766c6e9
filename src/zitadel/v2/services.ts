import type { ApiVersionServing } from "../api-version.js";
import { sharedErrors } from "../shared-errors.js";

/** What each v2 delete answers when its keys are gone (ZITADEL-V2.md). */
const v2GoneIds: Readonly<Record<string, readonly string[]>> = {
  DeleteUserMetadata: [sharedErrors.bulkRemoveUserKeyMissing.id],
  DeleteOrganizationMetadata: [sharedErrors.bulkRemoveOrgKeyMissing.id],
};

/**
 * zitadel.user.v2.UserService, zitadel.org.v2.OrganizationService,
 * zitadel.org.v2beta.OrganizationService, and the other v2 / v2beta APIs.
 */
const v2ServiceName = /^zitadel\.[a-z0-9_]+\.v2(beta)?\.[A-Za-z0-9_]+$/;

/**
 * ZITADEL's v2 (and v2beta) APIs: connect-go handlers, so served over
 * Connect as well as gRPC, gRPC-web and REST. The v2 gateway is mounted at
 * "/" and the annotations carry absolute paths (/v2/users/..., /v2beta/...),
 * so there is no prefix to add.
 */
export const v2Serving: ApiVersionServing = {
  name: "v2",
  owns: (typeName) => v2ServiceName.test(typeName),
  restPrefix: () => "",
  servesConnect: true,
  servesGrpcJson: true,
  // connect-go's handlers set no read or send limit (ZITADEL-V2.md, "Writes").
  messageLimits: undefined,
  // v2 reads and Set (an upsert of the given values); deletes fail when repeated after success.
  safeToRetry: (_service, method) => /^(List|Get)\w*$|^Set\w*Metadata$/.test(method),
  goneIds: (_service, method) => (Object.hasOwn(v2GoneIds, method) ? v2GoneIds[method]! : []),
};
