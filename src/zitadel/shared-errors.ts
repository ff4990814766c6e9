import { Code } from "@connectrpc/connect";
import { defineErrors } from "./error-fact.js";

/** Errors every ZITADEL API version sends: authentication, the org header, authorization and the command layer. */
export const sharedErrors = defineErrors({
  authHeaderInvalid: {
    id: "AUTH-toLo1",
    code: Code.Unauthenticated,
    text: "invalid auth header",
    meaning: 'the authorization header is not "Bearer <token>"',
    kind: "authHeaderInvalid",
    translated: false,
  },
  tokenInvalid: {
    id: "AUTH-7fs1e",
    code: Code.Unauthenticated,
    text: "Errors.Token.Invalid",
    meaning: "the token is unknown, revoked or expired",
    kind: "tokenInvalid",
    translated: false,
    remedy: "renewToken",
  },
  orgHeaderUnknown: {
    id: "AUTH-Bs7Ds",
    code: Code.PermissionDenied,
    text: "Organisation doesn't exist",
    meaning: "x-zitadel-orgid names no organization",
    kind: "orgHeaderUnknown",
    translated: false,
    remedy: "checkOrgId",
  },
  membershipNotFound: {
    id: "AUTHZ-cdgFk",
    code: Code.NotFound,
    text: "membership not found",
    meaning: "the caller has no role in the context organization",
    kind: "membershipNotFound",
    translated: false,
    remedy: "grantRole",
  },
  permissionMissing: {
    id: "AUTH-5mWD2",
    code: Code.PermissionDenied,
    text: "No matching permissions found",
    meaning: "the caller's roles in the context organization lack the permission",
    kind: "permissionMissing",
    translated: false,
    remedy: "grantRole",
  },
  userNotFound: {
    id: "COMMAND-uXHNj",
    code: Code.FailedPrecondition,
    text: "User could not be found",
    meaning: "a write on a user that does not exist in the context organization (usually: it is in another one)",
    kind: "userNotFound",
    translated: true,
    remedy: "actInUsersOrg",
  },
  orgNotFound: {
    id: "COMMAND-QXPGs",
    code: Code.FailedPrecondition,
    text: "Organisation not found",
    meaning: "a write on an organization that does not exist (any more)",
    kind: "orgNotFound",
    translated: true,
    remedy: "checkOrgId",
  },
});
