import { connectNodeAdapter } from "@connectrpc/connect-node";
import { AuthService } from "../../gen/zitadel/auth_pb.js";
import { ManagementService } from "../../gen/zitadel/management_pb.js";
import type { EmulatorSeed, SeededOrg, SeededUser } from "./seed.js";
import { applySeed, defaultSeed } from "./seed.js";
import type { Faults } from "./faults.js";
import { instrumentServices } from "./faults.js";
import { createRestGateway } from "./rest-gateway.js";
import { listen } from "./server.js";
import { createServices } from "./services.js";
import { Store } from "./store.js";

export type { EmulatorSeed, SeedOrg, SeedUser, SeededOrg, SeededUser } from "./seed.js";
export { defaultSeed } from "./seed.js";
export type { Faults } from "./faults.js";

export interface EmulatorOptions {
  /** Interface to bind. Defaults to 127.0.0.1; anything else exposes the emulator's tokens to the network. */
  host?: string;
  /** Port to bind; 0 (the default) picks a free one. */
  port?: number;
  /** Orgs, users, roles and tokens to start with; defaults to {@link defaultSeed}. */
  seed?: EmulatorSeed;
  /** Receives one line per call (method, outcome, milliseconds); never tokens. */
  log?: (line: string) => void;
}

/** A running emulator. */
export interface Emulator {
  /** Base URL for every protocol, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly port: number;
  readonly orgs: readonly SeededOrg[];
  readonly users: readonly SeededUser[];
  /** The seeded user with this user name; throws if there is none. */
  user(userName: string): SeededUser;
  /** The seeded organization with this name; throws if there is none. */
  org(name: string): SeededOrg;
  /** What the CLI prints as its ready line: {"url","orgs","users"}. */
  readyInfo(): { url: string; orgs: SeededOrg[]; users: SeededUser[] };
  /** Switchable misbehaviour (latency) for tests of deadlines and cancellation. */
  readonly faults: Faults;
  /** Stops the server and ends open connections. */
  close(): Promise<void>;
  /** The emulator's state, for tests that need to reach past the API. @private */
  readonly store: Store;
}

/** Maximum request message size, as ZITADEL's gRPC server (4 MiB). */
const readMaxBytes = 4 * 1024 * 1024;

/**
 * Starts an in-process stand-in for ZITADEL's metadata API: gRPC (h2c),
 * gRPC-web, Connect and the REST gateway (/management/v1, /auth/v1) on one
 * port, over HTTP/1.1 and HTTP/2.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const store = new Store();
  const seeded = applySeed(store, options.seed ?? defaultSeed);
  const faults: Faults = { latencyMs: 0 };
  const services = instrumentServices(createServices(store), faults, options.log);
  const restGateway = createRestGateway({
    readMaxBytes,
    services: [
      { service: ManagementService, impl: services.management },
      { service: AuthService, impl: services.auth },
    ],
  });
  const handler = connectNodeAdapter({
    readMaxBytes,
    routes(router) {
      router.service(ManagementService, services.management);
      router.service(AuthService, services.auth);
    },
    // Anything that is not a gRPC, gRPC-web or Connect call is for the REST gateway.
    fallback: restGateway,
  });
  const host = options.host ?? "127.0.0.1";
  const server = await listen(handler, host, options.port ?? 0);
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  const url = `http://${urlHost}:${server.port}`;
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
    user: (userName) => find(seeded.users, (u) => u.userName === userName, `user "${userName}"`),
    org: (name) => find(seeded.orgs, (o) => o.name === name, `org "${name}"`),
    readyInfo: () => ({ url, orgs: seeded.orgs, users: seeded.users }),
    close: () => server.close(),
  };
}
