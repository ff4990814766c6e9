// Clients of ZITADEL's v2 / v2beta services. Each is named after the proto
// service and its version, not after metadata: the service keeps its client
// when more of its RPCs are declared, and the two OrganizationServices (v2 and
// the deprecated v2beta) and v1's ManagementService / AuthService never share
// a name.
import type { Client, Transport } from "@connectrpc/connect";
import { createClient } from "@connectrpc/connect";
import { OrganizationService as OrganizationServiceV2 } from "../../../gen/zitadel/org/v2/org_service_pb.js";
import { OrganizationService as OrganizationServiceV2beta } from "../../../gen/zitadel/org/v2beta/org_service_pb.js";
import { UserService as UserServiceV2 } from "../../../gen/zitadel/user/v2/user_service_pb.js";

/** A promise client of zitadel.user.v2.UserService, as {@link createUserServiceV2Client} returns. */
export type UserServiceV2Client = Client<typeof UserServiceV2>;
/** A promise client of zitadel.org.v2.OrganizationService (ZITADEL v4.7+), as {@link createOrganizationServiceV2Client} returns. */
export type OrganizationServiceV2Client = Client<typeof OrganizationServiceV2>;
/** A promise client of the deprecated zitadel.org.v2beta.OrganizationService, as {@link createOrganizationServiceV2betaClient} returns. */
export type OrganizationServiceV2betaClient = Client<typeof OrganizationServiceV2beta>;

/** zitadel.user.v2.UserService (its metadata RPCs so far), as a promise client. */
export function createUserServiceV2Client(transport: Transport): UserServiceV2Client {
  return createClient(UserServiceV2, transport);
}

/** zitadel.org.v2.OrganizationService (its metadata RPCs so far; ZITADEL v4.7+), as a promise client. */
export function createOrganizationServiceV2Client(transport: Transport): OrganizationServiceV2Client {
  return createClient(OrganizationServiceV2, transport);
}

/** zitadel.org.v2beta.OrganizationService (its metadata RPCs so far; deprecated upstream, goes in ZITADEL v5), as a promise client. */
export function createOrganizationServiceV2betaClient(transport: Transport): OrganizationServiceV2betaClient {
  return createClient(OrganizationServiceV2beta, transport);
}
