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
});
