import { Code } from "@connectrpc/connect";
import { defineErrors } from "./error-fact.js";

/** Errors every ZITADEL API version sends: authentication, the org header, authorization and the command layer (metadata commands v1 and v2 share). */
export const sharedErrors = defineErrors({
  /** The authorization header is not "Bearer <token>". */
  authHeaderInvalid: {
    id: "AUTH-toLo1",
    code: Code.Unauthenticated,
    text: "invalid auth header",
    kind: "authHeaderInvalid",
    translated: false,
  },
  /** The token is unknown, revoked or expired. */
  tokenInvalid: {
    id: "AUTH-7fs1e",
    code: Code.Unauthenticated,
    text: "Errors.Token.Invalid",
    kind: "tokenInvalid",
    translated: false,
    remedy: "renewToken",
  },
  /** x-zitadel-orgid names no organization. */
  orgHeaderUnknown: {
    id: "AUTH-Bs7Ds",
    code: Code.PermissionDenied,
    text: "Organisation doesn't exist",
    kind: "orgHeaderUnknown",
    translated: false,
    remedy: "checkOrgId",
  },
  /** The caller has no role in the context organization. */
  membershipNotFound: {
    id: "AUTHZ-cdgFk",
    code: Code.NotFound,
    text: "membership not found",
    kind: "membershipNotFound",
    translated: false,
    remedy: "grantRole",
  },
  /** The caller's roles in the context organization lack the permission. */
  permissionMissing: {
    id: "AUTH-5mWD2",
    code: Code.PermissionDenied,
    text: "No matching permissions found",
    kind: "permissionMissing",
    translated: false,
    remedy: "grantRole",
  },
  /** A write on a user that does not exist in the context organization (usually: it is in another one). */
  userNotFound: {
    id: "COMMAND-uXHNj",
    code: Code.FailedPrecondition,
    text: "User could not be found",
    kind: "userNotFound",
    translated: true,
    remedy: "actInUsersOrg",
  },
  /** A write on an organization that does not exist (any more). */
  orgNotFound: {
    id: "COMMAND-QXPGs",
    code: Code.FailedPrecondition,
    text: "Organisation not found",
    kind: "orgNotFound",
    translated: true,
    remedy: "checkOrgId",
  },
  /** A bulk remove (v1 BulkRemoveUserMetadata, v2 DeleteUserMetadata) with a key that does not exist (nothing is removed). */
  bulkRemoveUserKeyMissing: {
    id: "META-2nnds",
    code: Code.NotFound,
    text: "One or more keys do not exist",
    kind: "metadataNotFound",
    translated: true,
  },
  /** A bulk remove of org keys (v1 BulkRemoveOrgMetadata, v2 DeleteOrganizationMetadata) with a key that does not exist (nothing is removed). */
  bulkRemoveOrgKeyMissing: {
    id: "META-2npds",
    code: Code.NotFound,
    text: "One or more keys do not exist",
    kind: "metadataNotFound",
    translated: true,
  },
  /** A bulk set or bulk remove (v1), a Set or user Delete (v2) without entries. */
  metadataListEmpty: {
    id: "META-9mm2d",
    code: Code.FailedPrecondition,
    text: "Metadata list is empty",
    kind: "listEmpty",
    translated: true,
  },
  /** BulkRemoveOrgMetadata (v1) or DeleteOrganizationMetadata (v2) without keys. */
  orgBulkRemoveListEmpty: {
    id: "META-9mw2d",
    code: Code.FailedPrecondition,
    text: "Metadata list is empty",
    kind: "listEmpty",
    translated: true,
  },
});
