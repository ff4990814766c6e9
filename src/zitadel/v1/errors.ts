import { Code } from "@connectrpc/connect";
import { defineErrors } from "../error-fact.js";

/** Errors of the v1 metadata RPCs (ManagementService, AuthService) that other API versions do not send. */
export const v1Errors = defineErrors({
  /** Get of a user's (or my) key that does not exist, or of a user outside the context organization. */
  userMetadataNotFound: {
    id: "QUERY-Rgh32",
    code: Code.NotFound,
    text: "Metadata not found",
    kind: "metadataNotFound",
    translated: true,
  },
  /** Get of an org key that does not exist. */
  orgMetadataNotFound: {
    id: "QUERY-Rph32",
    code: Code.NotFound,
    text: "Metadata not found",
    kind: "metadataNotFound",
    translated: true,
  },
  /** Remove of a user key that does not exist. */
  removeUserKeyMissing: {
    id: "META-ncnw3",
    code: Code.NotFound,
    text: "Metadata not found",
    kind: "metadataNotFound",
    translated: true,
  },
  /** Remove of an org key that does not exist. */
  removeOrgKeyMissing: {
    id: "META-mcnw3",
    code: Code.NotFound,
    text: "Metadata not found",
    kind: "metadataNotFound",
    translated: true,
  },
  /** BulkRemoveUserMetadata with a key that does not exist (nothing is removed). */
  bulkRemoveUserKeyMissing: {
    id: "META-2nnds",
    code: Code.NotFound,
    text: "One or more keys do not exist",
    kind: "metadataNotFound",
    translated: true,
  },
  /** BulkRemoveOrgMetadata with a key that does not exist (nothing is removed). */
  bulkRemoveOrgKeyMissing: {
    id: "META-2npds",
    code: Code.NotFound,
    text: "One or more keys do not exist",
    kind: "metadataNotFound",
    translated: true,
  },
  /** A bulk set or bulk remove without entries. */
  metadataListEmpty: {
    id: "META-9mm2d",
    code: Code.FailedPrecondition,
    text: "Metadata list is empty",
    kind: "listEmpty",
    translated: true,
  },
  /** BulkRemoveOrgMetadata without keys. */
  orgBulkRemoveListEmpty: {
    id: "META-9mw2d",
    code: Code.FailedPrecondition,
    text: "Metadata list is empty",
    kind: "listEmpty",
    translated: true,
  },
});
