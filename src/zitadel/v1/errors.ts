import { Code } from "@connectrpc/connect";
import { defineErrors } from "../error-fact.js";

/** Errors of the v1 metadata RPCs (ManagementService, AuthService) that other API versions do not send. */
export const v1Errors = defineErrors({
  userMetadataNotFound: {
    id: "QUERY-Rgh32",
    code: Code.NotFound,
    text: "Metadata not found",
    meaning: "Get of a user's (or my) key that does not exist, or of a user outside the context organization",
    kind: "metadataNotFound",
    translated: true,
  },
  orgMetadataNotFound: {
    id: "QUERY-Rph32",
    code: Code.NotFound,
    text: "Metadata not found",
    meaning: "Get of an org key that does not exist",
    kind: "metadataNotFound",
    translated: true,
  },
  removeUserKeyMissing: {
    id: "META-ncnw3",
    code: Code.NotFound,
    text: "Metadata not found",
    meaning: "Remove of a user key that does not exist",
    kind: "metadataNotFound",
    translated: true,
  },
  removeOrgKeyMissing: {
    id: "META-mcnw3",
    code: Code.NotFound,
    text: "Metadata not found",
    meaning: "Remove of an org key that does not exist",
    kind: "metadataNotFound",
    translated: true,
  },
  bulkRemoveUserKeyMissing: {
    id: "META-2nnds",
    code: Code.NotFound,
    text: "One or more keys do not exist",
    meaning: "BulkRemoveUserMetadata with a key that does not exist (nothing is removed)",
    kind: "metadataNotFound",
    translated: true,
  },
  bulkRemoveOrgKeyMissing: {
    id: "META-2npds",
    code: Code.NotFound,
    text: "One or more keys do not exist",
    meaning: "BulkRemoveOrgMetadata with a key that does not exist (nothing is removed)",
    kind: "metadataNotFound",
    translated: true,
  },
  metadataListEmpty: {
    id: "META-9mm2d",
    code: Code.FailedPrecondition,
    text: "Metadata list is empty",
    meaning: "a bulk set or bulk remove without entries",
    kind: "listEmpty",
    translated: true,
  },
  orgBulkRemoveListEmpty: {
    id: "META-9mw2d",
    code: Code.FailedPrecondition,
    text: "Metadata list is empty",
    meaning: "BulkRemoveOrgMetadata without keys",
    kind: "listEmpty",
    translated: true,
  },
});
