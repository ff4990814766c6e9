import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorDetailSchema } from "../../gen/zitadel/message_pb.js";

/**
 * An error as ZITADEL sends it: the message is "<text> (<id>)" and a
 * zitadel.v1.ErrorDetail {id, message: text} travels in the error details
 * (grpc-status-details-bin, Connect details, REST details).
 */
export function zitadelError(code: Code, id: string, text: string): ConnectError {
  return new ConnectError(`${text} (${id})`, code, undefined, [
    { desc: ErrorDetailSchema, value: { id, message: text } },
  ]);
}

/** The errors of ZITADEL.md, named by what happened. */
export const errors = {
  authHeaderMissing: () => new ConnectError("auth header missing", Code.Unauthenticated),
  authHeaderInvalid: () => zitadelError(Code.Unauthenticated, "AUTH-toLo1", "invalid auth header"),
  tokenInvalid: () => zitadelError(Code.Unauthenticated, "AUTH-7fs1e", "Errors.Token.Invalid"),
  orgMissingForHeader: () => zitadelError(Code.PermissionDenied, "AUTH-Bs7Ds", "Organisation doesn't exist"),
  membershipNotFound: () => zitadelError(Code.NotFound, "AUTHZ-cdgFk", "membership not found"),
  permissionMissing: () => zitadelError(Code.PermissionDenied, "AUTH-5mWD2", "No matching permissions found"),
  userMetadataNotFound: () => zitadelError(Code.NotFound, "QUERY-Rgh32", "Metadata not found"),
  orgMetadataNotFound: () => zitadelError(Code.NotFound, "QUERY-Rph32", "Metadata not found"),
  removeUserKeyMissing: () => zitadelError(Code.NotFound, "META-ncnw3", "Metadata not found"),
  removeOrgKeyMissing: () => zitadelError(Code.NotFound, "META-mcnw3", "Metadata not found"),
  bulkRemoveUserKeyMissing: () => zitadelError(Code.NotFound, "META-2nnds", "One or more keys do not exist"),
  bulkRemoveOrgKeyMissing: () => zitadelError(Code.NotFound, "META-2npds", "One or more keys do not exist"),
  metadataListEmpty: () => zitadelError(Code.FailedPrecondition, "META-9mm2d", "Metadata list is empty"),
  orgBulkRemoveListEmpty: () => zitadelError(Code.FailedPrecondition, "META-9mw2d", "Metadata list is empty"),
  userNotFound: () => zitadelError(Code.FailedPrecondition, "COMMAND-uXHNj", "User could not be found"),
  orgNotFound: () => zitadelError(Code.FailedPrecondition, "COMMAND-QXPGs", "Organisation not found"),
  /** What PostgreSQL's refusal of a text with U+0000 becomes. */
  internal: () => new ConnectError("Errors.Internal", Code.Internal),
} as const;

/** A request that failed protoc-gen-validate style rules: InvalidArgument, no ErrorDetail. */
export function invalidArgument(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}
