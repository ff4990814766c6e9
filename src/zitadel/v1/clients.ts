import type { Client, Transport } from "@connectrpc/connect";
import { createClient } from "@connectrpc/connect";
import { AuthService } from "../../../gen/zitadel/auth_pb.js";
import { ManagementService } from "../../../gen/zitadel/management_pb.js";

/** A promise client of zitadel.management.v1.ManagementService (its metadata RPCs), as {@link createManagementClient} returns. */
export type ManagementClient = Client<typeof ManagementService>;
/** A promise client of zitadel.auth.v1.AuthService (the caller's own user), as {@link createAuthClient} returns. */
export type AuthClient = Client<typeof AuthService>;

/** The metadata RPCs of zitadel.management.v1.ManagementService, as a promise client. */
export function createManagementClient(transport: Transport): ManagementClient {
  return createClient(ManagementService, transport);
}

/** The metadata RPCs of zitadel.auth.v1.AuthService (the caller's own user), as a promise client. */
export function createAuthClient(transport: Transport): AuthClient {
  return createClient(AuthService, transport);
}
