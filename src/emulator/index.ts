import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { AuthService } from "../../gen/zitadel/auth_pb.js";
import { ManagementService } from "../../gen/zitadel/management_pb.js";
import { OrganizationService as OrganizationServiceV2 } from "../../gen/zitadel/org/v2/org_service_pb.js";
import { OrganizationService as OrganizationServiceV2beta } from "../../gen/zitadel/org/v2beta/org_service_pb.js";
import { UserService as UserServiceV2 } from "../../gen/zitadel/user/v2/user_service_pb.js";
import { createConnectHandler } from "./connect-handler.js";
import { createCorsHandler } from "./cors.js";
import type { EmulatorSeed, SeededOrg, SeededUser } from "./seed.js";
import { applySeed, defaultSeed } from "./seed.js";
import type { FaultCounts } from "./fault-front.js";
import { createFaultFront, emptyFaultCounts, withScope } from "./fault-front.js";
import type { Faults } from "./faults.js";
import { instrumentServices, parseFaults, resolveFaults } from "./faults.js";
import { guardFirstFrame } from "./grpc-frame-guard.js";
import { createGrpcUnaryHandler } from "./grpc-unary-handler.js";
import { createRestGateway } from "./rest-gateway.js";
import type { OAuthCounters } from "./oauth.js";
import { createOAuthHandler } from "./oauth.js";
import { keepFirstHeaderValues } from "./first-header-values.js";
import { routeRequest, rpcPathsOf } from "./protocol-router.js";
import type { Quirks } from "./quirks.js";
import { resolveQuirks } from "./quirks.js";
import type { ConnectionLimits } from "./server.js";
import { listen, resolveConnectionLimits } from "./server.js";
import { createServices } from "./services.js";
import { createServicesV2 } from "./services-v2.js";
import { Store } from "./store.js";

export type { EmulatorSeed, SeedOrg, SeedUser, SeedMachine, SeededOrg, SeededUser } from "./seed.js";
export { defaultSeed } from "./seed.js";
export type { Faults, FaultKind, RateLimit } from "./faults.js";
export { parseFaults, chooseFault, faultKinds } from "./faults.js";
export type { FaultCounts } from "./fault-front.js";
export type { ConnectionLimits } from "./server.js";
export { defaultConnectionLimits } from "./server.js";
export type { Quirks } from "./quirks.js";

/** How {@link startEmulator} starts: where it listens, what it is seeded with, and its opt-in quirks, faults and limits. */
export interface EmulatorOptions {
  /** Interface to bind. Defaults to 127.0.0.1; anything else exposes the emulator's tokens to the network. */
  host?: string;
  /** Port to bind; 0 (the default) picks a free one. */
  port?: number;
  /** Orgs, users, roles and tokens to start with; defaults to {@link defaultSeed}. */
  seed?: EmulatorSeed;
  /** Receives one line per call (method, outcome, milliseconds); never tokens. */
  log?: (line: string) => void;
  /** Lifetime of access tokens issued by /oauth/v2/token, in whole seconds. Default 43200 (12 h, as ZITADEL). */
  tokenTtlSeconds?: number;
  /**
   * Opt-in realism: ways in which ZITADEL is more awkward than the default
   * (row order changing between list queries, translated error texts, the
   * v4.11–v4.13 error-conversion bug). See {@link Quirks}; changeable later
   * through `emulator.quirks`.
   */
  quirks?: Partial<Quirks>;
  /**
   * Where machine users' key files are written (created if missing). Default:
   * a new temporary directory, removed by close(). Files written here are
   * removed by close() too: their keys are valid only while this emulator runs.
   */
  keyDir?: string;
  /**
   * Also serve the Connect protocol (JSON and binary) on the v1 paths, e.g.
   * POST /zitadel.management.v1.ManagementService/GetUserMetadata with
   * application/json. A convenience ZITADEL lacks: it serves Connect only for
   * its v2 services. Default false, as ZITADEL: such a request reaches the
   * REST gateway, which answers 404 {"code":5,"message":"Not Found"}. Clients
   * need the transport option connectV1: true to call it.
   */
  connectV1?: boolean;
  /**
   * Faults like production's (unavailable, resource exhausted, a proxy's
   * 429, connection resets before and after the handler, GOAWAY, delays,
   * hangs, a per-token rate limit), drawn per request from a seed: see
   * {@link Faults}. Given as an object (every field optional) or as text
   * for {@link parseFaults}, e.g. "unavailable=0.05,reset-after=0.02,seed=7".
   * Default: none. Changeable later through `emulator.faults`.
   */
  faults?: Partial<Faults> | string;
  /**
   * Idle and read timeouts of connections, and HTTP/2's concurrent stream
   * limit and rapid-reset guard: see {@link ConnectionLimits}. Defaults:
   * 120 s idle, 60 s to send a request, 100 streams, 200 client resets per second.
   */
  connections?: Partial<ConnectionLimits>;
}

/** A running emulator. */
export interface Emulator {
  /** Base URL for every protocol, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  /** The port it listens on: the one asked for, or the free one picked for port 0. */
  readonly port: number;
  /** The seeded organizations with their ids, in the seed's order. */
  readonly orgs: readonly SeededOrg[];
  /** The seeded users with their ids, tokens and (machine users) key files and client credentials, in the seed's order. */
  readonly users: readonly SeededUser[];
  /** The seeded user with this user name; throws if there is none. */
  user(userName: string): SeededUser;
  /** The seeded organization with this name; throws if there is none. */
  org(name: string): SeededOrg;
  /** What the CLI prints as its ready line: {"url","orgs","users"}; machine users carry keyFile, clientId, clientSecret. */
  readyInfo(): {
    /** The base URL, as {@link Emulator.url}. */
    url: string;
    /** The seeded organizations, as {@link Emulator.orgs}. */
    orgs: SeededOrg[];
    /** The seeded users with their credentials, as {@link Emulator.users}. */
    users: SeededUser[];
  };
  /** Requests to /oauth/v2/token so far, successful or not. */
  readonly tokenRequests: number;
  /** Requests for /.well-known/openid-configuration so far. */
  readonly discoveryRequests: number;
  /**
   * Makes an access token invalid at once, as revoking it in ZITADEL does:
   * calls with it fail with AUTH-7fs1e. Returns whether the token was known.
   */
  revokeToken(token: string): boolean;
  /**
   * The faults in effect ({@link Faults}); set its fields while the emulator
   * runs (each is checked when set and applies to requests that arrive afterwards).
   */
  readonly faults: Faults;
  /** Requests the faults have counted (n of the draw) and how many got each fault, or the rate limit's 429. */
  readonly faultCounts: Readonly<FaultCounts>;
  /** The opt-in realism in effect; its fields may be changed while the emulator runs. */
  readonly quirks: Quirks;
  /** Stops the server and ends open connections. */
  close(): Promise<void>;
  /** The emulator's state, for tests that need to reach past the API. @private */
  readonly store: Store;
}

/** Largest request body read at all; v1's 4 MiB message limit itself is checked per message by instrumentServices (faults.ts); v2 has none. */
const readMaxBytes = 16 * 1024 * 1024;

/**
 * Starts an in-process stand-in for ZITADEL's metadata API, v1 and v2 on one
 * store: gRPC (h2c), gRPC-web and the REST gateway (/management/v1, /auth/v1,
 * /v2, /v2beta) on one port, over HTTP/1.1 and HTTP/2; the Connect protocol
 * for the v2 services, and with `connectV1` for v1 too.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 43_200;
  if (!Number.isInteger(tokenTtlSeconds) || tokenTtlSeconds < 1) {
    throw new TypeError("startEmulator: tokenTtlSeconds must be a whole number of seconds, at least 1.");
  }
  if (options.connectV1 !== undefined && typeof options.connectV1 !== "boolean") {
    throw new TypeError("startEmulator: connectV1 must be true or false (true also serves the Connect protocol on the v1 paths).");
  }
  const seed = options.seed ?? defaultSeed;
  const faults = resolveFaults(typeof options.faults === "string" ? parseFaults(options.faults) : options.faults);
  const connections = resolveConnectionLimits(options.connections, 'startEmulator: option "connections"');
  const quirks = resolveQuirks(options.quirks, 'startEmulator: option "quirks"');
  const keyFiles = await prepareKeyFiles(seed, options.keyDir);
  try {
    return await start({ options, seed, tokenTtlSeconds, keyFiles, quirks, faults, connections });
  } catch (e) {
    await keyFiles.remove();
    throw e;
  }
}

/** Where machine users' key files go, and the cleanup close() runs. */
interface KeyFiles {
  /** Undefined when the seed has no machine users. */
  readonly dir: string | undefined;
  readonly written: string[];
  /** Removes a directory we created, or just the files we wrote into the caller's. */
  remove(): Promise<void>;
}

async function prepareKeyFiles(seed: EmulatorSeed, keyDir: string | undefined): Promise<KeyFiles> {
  const written: string[] = [];
  const hasMachines = Array.isArray(seed.users) && seed.users.some((u) => u.machine !== undefined && u.machine !== false);
  if (!hasMachines) return { dir: undefined, written, remove: async () => {} };
  if (keyDir === undefined) {
    const dir = await mkdtemp(join(tmpdir(), "zmeta-emulator-"));
    return { dir, written, remove: () => rm(dir, { recursive: true, force: true }) };
  }
  await mkdir(keyDir, { recursive: true });
  return {
    dir: keyDir,
    written,
    remove: async () => {
      await Promise.all(written.map((file) => rm(file, { force: true })));
    },
  };
}

async function start(init: {
  options: EmulatorOptions;
  seed: EmulatorSeed;
  tokenTtlSeconds: number;
  keyFiles: KeyFiles;
  quirks: Quirks;
  faults: Faults;
  connections: ConnectionLimits;
}): Promise<Emulator> {
  const { options, seed, tokenTtlSeconds, keyFiles, quirks, faults, connections } = init;
  const store = new Store({ quirks });
  const seeded = await applySeed(store, seed, { keyDir: keyFiles.dir, onKeyFile: (file) => keyFiles.written.push(file) });
  const services = instrumentServices({ ...createServices(store), ...createServicesV2(store) }, { faults, quirks, log: options.log });
  const servedV1 = [
    { service: ManagementService, impl: services.management },
    { service: AuthService, impl: services.auth },
  ];
  // The v2 / v2beta services, on the same store: v1 and v2 see the same metadata.
  const servedV2 = [
    { service: UserServiceV2, impl: services.user },
    { service: OrganizationServiceV2, impl: services.orgV2 },
    { service: OrganizationServiceV2beta, impl: services.orgV2beta },
  ];
  const served = [...servedV1, ...servedV2];
  const restGateway = createRestGateway({ readMaxBytes, services: served });
  const grpcUnary = createGrpcUnaryHandler({ readMaxBytes, services: served });
  const grpc = connectNodeAdapter({
    readMaxBytes,
    grpc: true,
    grpcWeb: false,
    connect: false,
    routes(router) {
      for (const { service, impl } of served) router.service(service, impl as never);
    },
    // An unknown path: grpc-go's Unimplemented "unknown service", trailers-only.
    // (connect-node types the response with a looser write(); it is Node's own.)
    fallback: (req, res) => grpcUnary(req, res as Parameters<typeof grpcUnary>[1], "grpc"),
  });
  // Connect: always for v2 (connect-go handlers in ZITADEL), for v1 only with connectV1.
  const overConnect = options.connectV1 === true ? served : servedV2;
  const connect = createConnectHandler({ readMaxBytes, services: overConnect });
  const routing = { connectPaths: rpcPathsOf(overConnect.map((s) => s.service)) };
  const faultCounts = emptyFaultCounts();
  const faultFront = createFaultFront({ faults, counts: faultCounts, log: options.log });
  const handler: Parameters<typeof listen>[0] = (req, res, connection) => {
    const destination = routeRequest(req, routing);
    faultFront(req, res, destination, connection, (scope) => withScope(scope, () => dispatch(destination, req, res)));
  };
  const dispatch = (destination: ReturnType<typeof routeRequest>, req: Parameters<typeof handler>[0], res: Parameters<typeof handler>[1]) => {
    switch (destination.to) {
      case "grpc":
        return guardFirstFrame(req, res, () => grpc(req, res));
      case "grpc-unary":
        return grpcUnary(req, res, destination.wire);
      case "connect":
        return connect(req, res);
      case "rest":
        return restGateway(req, res);
    }
  };
  const counters: OAuthCounters = { token: 0, discovery: 0 };
  let url = "";
  const oauth = createOAuthHandler({ store, url: () => url, tokenTtlSeconds, counters, log: options.log });
  const cors = createCorsHandler({ log: options.log });
  const host = options.host ?? "127.0.0.1";
  const server = await listen(
    // CORS first, for every route (it answers preflights itself); then the
    // OAuth endpoints, plain HTTP routes in front of the RPC handlers.
    (req, res, connection) => {
      keepFirstHeaderValues(req);
      if (cors(req, res)) return;
      if (!oauth(req, res)) handler(req, res, connection);
    },
    host,
    options.port ?? 0,
    connections,
  );
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  url = `http://${urlHost}:${server.port}`;
  const find = <T>(list: T[], pick: (t: T) => boolean, what: string): T => {
    const found = list.find(pick);
    if (!found) throw new Error(`emulator: no seeded ${what}`);
    return found;
  };
  return {
    url,
    port: server.port,
    orgs: seeded.orgs,
    users: seeded.users,
    store,
    faults,
    faultCounts,
    quirks,
    user: (userName) => find(seeded.users, (u) => u.userName === userName, `user "${userName}"`),
    org: (name) => find(seeded.orgs, (o) => o.name === name, `org "${name}"`),
    readyInfo: () => ({ url, orgs: seeded.orgs, users: seeded.users }),
    get tokenRequests() {
      return counters.token;
    },
    get discoveryRequests() {
      return counters.discovery;
    },
    revokeToken: (token) => store.tokens.delete(token),
    close: async () => {
      await server.close();
      await keyFiles.remove();
    },
  };
}
