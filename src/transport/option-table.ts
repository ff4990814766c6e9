// THE table of transport options: for each runtime (Node, browser) and
// protocol, what happens to each option. Every factory checks its options
// against its cell before it builds anything, so an option either applies or
// is refused with a message naming it; none is silently dropped.
//
// The key sets come from connect's own option types, so this file stops
// compiling when connect adds an option (a rule is missing) or drops one (a
// rule is left over): decide what the new option does here first. Only types
// are imported from connect-node, so the browser graph stays free of it.
import type {
  ConnectTransportOptions as NodeConnectOptions,
  GrpcTransportOptions as NodeGrpcOptions,
  GrpcWebTransportOptions as NodeGrpcWebOptions,
} from "@connectrpc/connect-node";
import type { ConnectTransportOptions as WebConnectOptions, GrpcWebTransportOptions as WebGrpcWebOptions } from "@connectrpc/connect-web";
import type { Keys, OwnOptionKey, ZitadelProtocol } from "./options.js";
import { ZitadelConfigError } from "../core/config-error.js";

/**
 * Who takes an option:
 * - "connect": passed unchanged to connect's transport factory;
 * - "zitadel": used by our factory itself (credentials, organization, our
 *   interceptor, the base URL check, the fetch wrapper for `credentials`);
 * - "rest": used by our REST transport;
 * - "http-client": used by the Node HTTP client under our REST transport
 *   (connect-node's, configured as its own transports configure it).
 */
export type OptionUse = "connect" | "zitadel" | "rest" | "http-client";

/**
 * When an option that otherwise applies cannot: the call runs over HTTP/1.1
 * (httpVersion "1.1", or unset where that is the default), another option is
 * set (`with`), or another option is not set (`without`).
 */
export type OptionCondition = { readonly httpVersion: "1.1" } | { readonly with: string } | { readonly without: string };

/** A refusal. In the reason, `{option}` stands for the option's quoted name and `{protocol}` for the protocol's. */
export interface ConditionalRefusal {
  readonly when: OptionCondition;
  readonly reason: string;
}

export type OptionRule =
  | { readonly use: OptionUse; readonly refusedWhen?: readonly ConditionalRefusal[] }
  /** Refused, except for the one value that asks for what the protocol does anyway (e.g. connectV1: false). */
  | { readonly refuse: string; readonly except?: boolean | string };

/** Every option a Node factory knows: connect-node's, for all of its transports, and ours. */
type NodeOptionKey = Keys<NodeGrpcOptions> | Keys<NodeGrpcWebOptions> | Keys<NodeConnectOptions> | OwnOptionKey | "fetch" | "connectTimeoutMs";

/** Every option a browser factory knows: connect-web's, for both of its transports, and ours. */
type WebOptionKey = Keys<WebGrpcWebOptions> | Keys<WebConnectOptions> | OwnOptionKey | "credentials";

type NodeProtocol = ZitadelProtocol;
type WebProtocol = Exclude<ZitadelProtocol, "grpc">;
type Row<P extends ZitadelProtocol> = { readonly [Protocol in P]: OptionRule };

/** The options a runtime's rows refuse outright for a protocol (for the per-protocol option types). */
export type RefusedOption<Rows, P extends PropertyKey> = {
  [K in keyof Rows]: Rows[K] extends { readonly [Q in P]: { refuse: string } } ? K : never;
}[keyof Rows];

const connect = { use: "connect" } as const satisfies OptionRule;
const zitadel = { use: "zitadel" } as const satisfies OptionRule;
const rest = { use: "rest" } as const satisfies OptionRule;
// Plain literals only, no calls: a bundler can then drop the rows of the runtime it does not bundle.
const notConnect = {
  refuse: `option {option} applies to protocol "connect" only (an emulator started with connectV1); drop it for protocol {protocol}.`,
  except: false,
} as const satisfies OptionRule;

const noHttpGet = {
  refuse: `option {option} applies to protocol "connect" only (it sends side-effect-free calls as Connect GET requests); drop it for protocol {protocol}.`,
} as const satisfies OptionRule;

const fetchIsRestOnly = {
  refuse: `option {option} applies to protocol "rest" only; the other protocols use Node's http modules.`,
} as const satisfies OptionRule;

const grpcIsBinaryReason = `gRPC is binary protobuf only (ZITADEL serves no gRPC-JSON); drop {option}, or use protocol "connect" or "rest".`;

const grpcIsBinary = { refuse: grpcIsBinaryReason } as const satisfies OptionRule;

/** useBinaryFormat: true is what gRPC does anyway. */
const grpcIsBinaryExceptTrue = { refuse: grpcIsBinaryReason, except: true } as const satisfies OptionRule;

const restSpeaksJson = {
  refuse: `protocol "rest" speaks JSON only; drop {option} or use protocol "connect".`,
  except: false,
} as const satisfies OptionRule;

const restHasNoBinary = {
  refuse: `protocol "rest" speaks JSON only, so {option} cannot apply; use "jsonOptions".`,
} as const satisfies OptionRule;

const restHasNoCompression = {
  refuse: `protocol "rest" sends and reads plain JSON bodies, so {option} cannot apply: it compresses the messages of gRPC, gRPC-web and Connect. Drop it.`,
} as const satisfies OptionRule;

const overHttp1: ConditionalRefusal = {
  when: { httpVersion: "1.1" },
  reason: `option {option} is a setting of HTTP/2 connections, and this transport uses HTTP/1.1; set httpVersion: "2", or drop {option}.`,
};

const withSessionManager: ConditionalRefusal = {
  when: { with: "sessionManager" },
  reason: `option {option} has no effect together with option "sessionManager", which brings its own connection; configure that session manager instead, or drop {option}.`,
};

const withoutPingInterval: ConditionalRefusal = {
  when: { without: "pingIntervalMs" },
  reason: `option {option} only matters when PING frames are sent; set "pingIntervalMs" too, or drop {option}.`,
};

const withFetch: ConditionalRefusal = {
  when: { with: "fetch" },
  reason: `option {option} configures Node's HTTP client, which protocol "rest" does not use when option "fetch" is given; drop one of the two.`,
};

/** Node: createZitadelTransport over connect-node (and, for "rest", our REST transport on connect-node's HTTP client). */
export const nodeOptionRows = {
  protocol: { grpc: zitadel, "grpc-web": zitadel, connect: zitadel, rest: zitadel },
  baseUrl: { grpc: zitadel, "grpc-web": zitadel, connect: zitadel, rest: zitadel },
  auth: { grpc: zitadel, "grpc-web": zitadel, connect: zitadel, rest: zitadel },
  orgId: { grpc: zitadel, "grpc-web": zitadel, connect: zitadel, rest: zitadel },
  allowInsecure: { grpc: zitadel, "grpc-web": zitadel, connect: zitadel, rest: zitadel },
  interceptors: { grpc: zitadel, "grpc-web": zitadel, connect: zitadel, rest: zitadel },
  retry: { grpc: zitadel, "grpc-web": zitadel, connect: zitadel, rest: zitadel },
  connectV1: { grpc: notConnect, "grpc-web": notConnect, connect: zitadel, rest: notConnect },
  fetch: { grpc: fetchIsRestOnly, "grpc-web": fetchIsRestOnly, connect: fetchIsRestOnly, rest },
  useBinaryFormat: { grpc: grpcIsBinaryExceptTrue, "grpc-web": connect, connect, rest: restSpeaksJson },
  jsonOptions: { grpc: grpcIsBinary, "grpc-web": connect, connect, rest },
  binaryOptions: { grpc: connect, "grpc-web": connect, connect, rest: restHasNoBinary },
  acceptCompression: { grpc: connect, "grpc-web": connect, connect, rest: restHasNoCompression },
  sendCompression: { grpc: connect, "grpc-web": connect, connect, rest: restHasNoCompression },
  compressMinBytes: { grpc: connect, "grpc-web": connect, connect, rest: restHasNoCompression },
  readMaxBytes: { grpc: connect, "grpc-web": connect, connect, rest },
  writeMaxBytes: { grpc: connect, "grpc-web": connect, connect, rest },
  // Ours: every call gets a deadline (30 s unless set; 0 or Infinity for none); see transport/deadline.ts.
  defaultTimeoutMs: { grpc: zitadel, "grpc-web": zitadel, connect: zitadel, rest },
  useHttpGet: { grpc: noHttpGet, "grpc-web": noHttpGet, connect, rest: noHttpGet },
  httpVersion: {
    // connect-node's gRPC transport has no httpVersion: it is HTTP/2 only, which "2" asks for.
    grpc: { use: "zitadel", refusedWhen: [{ when: { httpVersion: "1.1" }, reason: `gRPC needs HTTP/2; drop {option} or use protocol "grpc-web".` }] },
    "grpc-web": connect,
    connect,
    rest: { use: "http-client", refusedWhen: [withFetch] },
  },
  nodeOptions: {
    grpc: { use: "connect", refusedWhen: [withSessionManager] },
    "grpc-web": { use: "connect", refusedWhen: [withSessionManager] },
    connect: { use: "connect", refusedWhen: [withSessionManager] },
    rest: { use: "http-client", refusedWhen: [withFetch, withSessionManager] },
  },
  sessionManager: {
    grpc: connect,
    "grpc-web": { use: "connect", refusedWhen: [overHttp1] },
    connect: { use: "connect", refusedWhen: [overHttp1] },
    rest: { use: "http-client", refusedWhen: [withFetch, overHttp1] },
  },
  pingIntervalMs: {
    grpc: { use: "connect", refusedWhen: [withSessionManager] },
    "grpc-web": { use: "connect", refusedWhen: [overHttp1, withSessionManager] },
    connect: { use: "connect", refusedWhen: [overHttp1, withSessionManager] },
    rest: { use: "http-client", refusedWhen: [withFetch, overHttp1, withSessionManager] },
  },
  pingIdleConnection: {
    grpc: { use: "connect", refusedWhen: [withSessionManager, withoutPingInterval] },
    "grpc-web": { use: "connect", refusedWhen: [overHttp1, withSessionManager, withoutPingInterval] },
    connect: { use: "connect", refusedWhen: [overHttp1, withSessionManager, withoutPingInterval] },
    rest: { use: "http-client", refusedWhen: [withFetch, overHttp1, withSessionManager, withoutPingInterval] },
  },
  pingTimeoutMs: {
    grpc: { use: "connect", refusedWhen: [withSessionManager, withoutPingInterval] },
    "grpc-web": { use: "connect", refusedWhen: [overHttp1, withSessionManager, withoutPingInterval] },
    connect: { use: "connect", refusedWhen: [overHttp1, withSessionManager, withoutPingInterval] },
    rest: { use: "http-client", refusedWhen: [withFetch, overHttp1, withSessionManager, withoutPingInterval] },
  },
  idleConnectionTimeoutMs: {
    grpc: { use: "connect", refusedWhen: [withSessionManager] },
    "grpc-web": { use: "connect", refusedWhen: [overHttp1, withSessionManager] },
    connect: { use: "connect", refusedWhen: [overHttp1, withSessionManager] },
    rest: { use: "http-client", refusedWhen: [withFetch, overHttp1, withSessionManager] },
  },
  // connect-node 2.3's (its types name it from 2.3 on); ours on every version, since our session manager does the connecting.
  connectTimeoutMs: {
    grpc: { use: "connect", refusedWhen: [withSessionManager] },
    "grpc-web": { use: "connect", refusedWhen: [overHttp1, withSessionManager] },
    connect: { use: "connect", refusedWhen: [overHttp1, withSessionManager] },
    rest: { use: "http-client", refusedWhen: [withFetch, overHttp1, withSessionManager] },
  },
} as const satisfies { readonly [K in NodeOptionKey]: Row<NodeProtocol> };

/** Browsers: the web factories over connect-web (and, for "rest", our REST transport on fetch). */
export const webOptionRows = {
  protocol: { "grpc-web": zitadel, connect: zitadel, rest: zitadel },
  baseUrl: { "grpc-web": zitadel, connect: zitadel, rest: zitadel },
  auth: { "grpc-web": zitadel, connect: zitadel, rest: zitadel },
  orgId: { "grpc-web": zitadel, connect: zitadel, rest: zitadel },
  allowInsecure: { "grpc-web": zitadel, connect: zitadel, rest: zitadel },
  interceptors: { "grpc-web": zitadel, connect: zitadel, rest: zitadel },
  retry: { "grpc-web": zitadel, connect: zitadel, rest: zitadel },
  connectV1: { "grpc-web": notConnect, connect: zitadel, rest: notConnect },
  useBinaryFormat: { "grpc-web": connect, connect, rest: restSpeaksJson },
  jsonOptions: { "grpc-web": connect, connect, rest },
  binaryOptions: { "grpc-web": connect, connect, rest: restHasNoBinary },
  fetch: { "grpc-web": connect, connect, rest },
  // connect-web has no credentials option: we wrap the fetch it calls.
  credentials: { "grpc-web": zitadel, connect: zitadel, rest },
  // Ours: every call gets a deadline (30 s unless set; 0 or Infinity for none); see transport/deadline.ts.
  defaultTimeoutMs: { "grpc-web": zitadel, connect: zitadel, rest },
  useHttpGet: { "grpc-web": noHttpGet, connect, rest: noHttpGet },
} as const satisfies { readonly [K in WebOptionKey]: Row<WebProtocol> };

/**
 * runtime × option × protocol → what happens to the option. (Each factory
 * reads its runtime's rows directly, so that a browser bundle does not carry
 * the Node rows.)
 */
export const optionTable = { node: nodeOptionRows, web: webOptionRows } as const;

export interface OptionCheck {
  /** The public function, named in messages. */
  entry: string;
  protocol: ZitadelProtocol;
  /** What an unset httpVersion means for the `httpVersion: "1.1"` condition; "1.1" if not given. */
  defaultHttpVersion?: "1.1" | "2";
}

/**
 * Checks options against one runtime's rows of the table, in the column of
 * the protocol: an option with a value
 * (undefined counts as not given) must have a rule, must not be refused, and
 * must not meet a condition that refuses it. Throws a TypeError naming the
 * first option that fails, in the options' own order.
 */
export function checkOptions(options: object, rows: { readonly [key: string]: { readonly [protocol: string]: OptionRule } }, check: OptionCheck): void {
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const rule = Object.hasOwn(rows, key) ? rows[key]?.[check.protocol] : undefined;
    if (rule === undefined) {
      throw new ZitadelConfigError({ code: "ERR_INVALID_OPTION", option: key, entry: check.entry, problem: unknownOption(key, Object.keys(rows)) });
    }
    if ("refuse" in rule) {
      if (rule.except !== undefined && value === rule.except) continue;
      throw notApplicable(rule.refuse, key, check);
    }
    for (const refused of rule.refusedWhen ?? []) {
      if (holds(refused.when, options, check)) throw notApplicable(refused.reason, key, check);
    }
  }
  const protocol: unknown = Reflect.get(options, "protocol");
  if (protocol !== undefined && protocol !== check.protocol) {
    throw new ZitadelConfigError({
      code: "ERR_OPTION_NOT_APPLICABLE",
      option: "protocol",
      entry: check.entry,
      problem: `option "protocol" is ${JSON.stringify(protocol)}, but this transport speaks "${check.protocol}"; drop the option.`,
    });
  }
}

function holds(condition: OptionCondition, options: object, check: OptionCheck): boolean {
  if ("httpVersion" in condition) {
    const version: unknown = Reflect.get(options, "httpVersion") ?? check.defaultHttpVersion ?? "1.1";
    return version === condition.httpVersion;
  }
  if ("with" in condition) return Reflect.get(options, condition.with) !== undefined;
  return Reflect.get(options, condition.without) === undefined;
}

function notApplicable(reason: string, key: string, check: OptionCheck): ZitadelConfigError {
  const problem = reason.replaceAll("{option}", `"${key}"`).replaceAll("{protocol}", `"${check.protocol}"`);
  return new ZitadelConfigError({ code: "ERR_OPTION_NOT_APPLICABLE", option: key, entry: check.entry, problem });
}

function unknownOption(key: string, known: readonly string[]): string {
  const similar = known.find((k) => k.toLowerCase() === key.toLowerCase());
  const hint = similar === undefined ? "" : ` Did you mean "${similar}"?`;
  // The key is the caller's own text; quote it as JSON so that a stray character cannot break the message.
  return `unknown option ${JSON.stringify(key)}; it is not an option of this transport, so it is refused rather than ignored.${hint}`;
}
