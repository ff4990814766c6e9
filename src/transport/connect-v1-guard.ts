import type { Interceptor } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";

/** zitadel.management.v1.ManagementService, zitadel.auth.v1.AuthService, and the other v1 APIs. */
const zitadelV1Service = /^zitadel\.[a-z0-9_]+\.v1\.[A-Za-z0-9_]+$/;

/** Whether ZITADEL serves this service over the Connect protocol: not its v1 APIs, only v2 and later. */
export function isZitadelV1Service(typeName: string): boolean {
  return zitadelV1Service.test(typeName);
}

/**
 * The guard's refusals. (Not a subclass of ConnectError: its static
 * Symbol.hasInstance would make every ConnectError an instance of it.)
 */
const refusals = new WeakSet<object>();

/** Whether a call failed because the guard refused it (nothing reached the server). */
export function isConnectV1Refusal(e: unknown): boolean {
  return typeof e === "object" && e !== null && refusals.has(e);
}

/**
 * The interceptor of a Connect-protocol transport without `connectV1`: a call
 * to one of ZITADEL's v1 services fails at once with Unimplemented, before
 * anything is sent (no token is fetched either), since ZITADEL would answer
 * it with a REST 404. Calls to other services (v2) pass.
 */
export function createConnectV1Guard(): Interceptor {
  return (next) => async (req) => {
    if (!isZitadelV1Service(req.service.typeName)) return next(req);
    const refusal = new ConnectError(
      `${req.service.typeName}/${req.method.name}: ZITADEL does not serve its v1 APIs over the Connect protocol. ` +
        'Use protocol "grpc", "grpc-web" or "rest" for them (Connect reaches ZITADEL\'s v2 APIs). ' +
        "Only an emulator started with connectV1 serves Connect on v1; for one, pass connectV1: true to the transport.",
      Code.Unimplemented,
    );
    refusals.add(refusal);
    throw refusal;
  };
}
