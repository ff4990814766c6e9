import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorDetailSchema } from "../../gen/zitadel/message_pb.js";
import type { ErrorFact } from "../zitadel/error-fact.js";
import { sharedErrors } from "../zitadel/shared-errors.js";
import { v1Errors } from "../zitadel/v1/errors.js";
import { v2Errors } from "../zitadel/v2/errors.js";

/**
 * An error as ZITADEL sends it: the message is "<text> (<id>)" and a
 * zitadel.v1.ErrorDetail {id, message: text} travels in the error details
 * (grpc-status-details-bin, Connect details, REST details).
 */
export function zitadelError(code: Code, id: string, text: string): ConnectError {
  return new ConnectError(`${text} (${id})`, code, undefined, [{ desc: ErrorDetailSchema, value: { id, message: text } }]);
}

/** An error of the catalogue, as ZITADEL sends it. */
export function raise(fact: ErrorFact): ConnectError {
  return zitadelError(fact.code, fact.id, fact.text);
}

const raiser = (fact: ErrorFact) => () => raise(fact);

/** The errors of ZITADEL.md, named by what happened; all but two come from the catalogue. */
export const errors = {
  authHeaderMissing: () => new ConnectError("auth header missing", Code.Unauthenticated),
  authHeaderInvalid: raiser(sharedErrors.authHeaderInvalid),
  tokenInvalid: raiser(sharedErrors.tokenInvalid),
  orgMissingForHeader: raiser(sharedErrors.orgHeaderUnknown),
  membershipNotFound: raiser(sharedErrors.membershipNotFound),
  permissionMissing: raiser(sharedErrors.permissionMissing),
  userNotFound: raiser(sharedErrors.userNotFound),
  orgNotFound: raiser(sharedErrors.orgNotFound),
  userMetadataNotFound: raiser(v1Errors.userMetadataNotFound),
  orgMetadataNotFound: raiser(v1Errors.orgMetadataNotFound),
  removeUserKeyMissing: raiser(v1Errors.removeUserKeyMissing),
  removeOrgKeyMissing: raiser(v1Errors.removeOrgKeyMissing),
  bulkRemoveUserKeyMissing: raiser(sharedErrors.bulkRemoveUserKeyMissing),
  bulkRemoveOrgKeyMissing: raiser(sharedErrors.bulkRemoveOrgKeyMissing),
  metadataListEmpty: raiser(sharedErrors.metadataListEmpty),
  orgBulkRemoveListEmpty: raiser(sharedErrors.orgBulkRemoveListEmpty),
  permissionMissingV2: raiser(v2Errors.permissionMissing),
  limitExceeded: raiser(v2Errors.limitExceeded),
  /** What PostgreSQL's refusal of a text with U+0000 becomes. */
  internal: () => new ConnectError("Errors.Internal", Code.Internal),
} as const;

/** A request that failed protoc-gen-validate style rules: InvalidArgument, no ErrorDetail. */
export function invalidArgument(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}
