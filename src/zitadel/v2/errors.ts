import { Code } from "@connectrpc/connect";
import { defineErrors } from "../error-fact.js";

/** Errors of the v2 / v2beta metadata RPCs (UserService, OrganizationService) that v1 does not send. */
export const v2Errors = defineErrors({
  /** The caller has a membership in the target's organization (or the instance), but its roles lack the permission (v1 sends AUTH-5mWD2). */
  permissionMissing: {
    id: "AUTH-AWfge",
    code: Code.PermissionDenied,
    text: "No matching permissions found",
    kind: "permissionMissing",
    translated: false,
    remedy: "grantRole",
  },
  /** A list whose pagination.limit is above 1000. */
  limitExceeded: {
    id: "QUERY-4M0fs",
    code: Code.InvalidArgument,
    text: "Limit exceeded",
    kind: "limitExceeded",
    translated: true,
  },
});
