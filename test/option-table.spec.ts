// The option table (src/transport/option-table.ts), enumerated: for every
// runtime, protocol and option, a refused option throws naming itself, and an
// applied one reaches what the table says takes it: connect's transport
// factory, our REST transport, or the Node HTTP client under REST (all three
// recorded through vi.mock), or, for our own options, shows its effect.
// Unknown options are refused too. Last, the compiler: option-table.ts stops
// compiling when connect adds or drops an option, as if its .d.ts changed.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import type { Interceptor, Transport, UnaryRequest, UnaryResponse } from "@connectrpc/connect";
import { Code, ConnectError, createContextValues } from "@connectrpc/connect";
import ts from "typescript";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GetOrgMetadataRequestSchema, ManagementService } from "../gen/zitadel/management_pb.js";
import { isConnectV1Refusal } from "../src/transport/connect-v1-guard.js";
import * as node from "../src/transport/node.js";
import type { OptionCondition, OptionRule } from "../src/transport/option-table.js";
import { optionTable } from "../src/transport/option-table.js";
import type { ZitadelProtocol } from "../src/transport/options.js";
import * as web from "../src/transport/web.js";
import { thrownBy } from "./support/failures.js";

/** What the mocked factories received, newest last. */
const seen = vi.hoisted(() => ({ calls: [] as { to: string; options: Record<string, unknown> }[] }));

vi.mock("@connectrpc/connect-node", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@connectrpc/connect-node")>();
  const recorder = (to: string) => (options: Record<string, unknown>) => {
    seen.calls.push({ to, options });
    const unary = (...args: unknown[]) => {
      seen.calls.push({ to: `${to} unary`, options: { timeoutMs: args[2] } });
      return Promise.reject(new Error("recorded only"));
    };
    return { unary, stream: () => Promise.reject(new Error("recorded only")) };
  };
  return {
    ...actual,
    createGrpcTransport: recorder("connect-node grpc"),
    createGrpcWebTransport: recorder("connect-node grpc-web"),
    createConnectTransport: recorder("connect-node connect"),
  };
});

vi.mock("@connectrpc/connect-web", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@connectrpc/connect-web")>();
  const recorder = (to: string) => (options: Record<string, unknown>) => {
    seen.calls.push({ to, options });
    const unary = (...args: unknown[]) => {
      seen.calls.push({ to: `${to} unary`, options: { timeoutMs: args[2] } });
      return Promise.reject(new Error("recorded only"));
    };
    return { unary, stream: () => Promise.reject(new Error("recorded only")) };
  };
  return { ...actual, createGrpcWebTransport: recorder("connect-web grpc-web"), createConnectTransport: recorder("connect-web connect") };
});

vi.mock("../src/transport/rest.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../src/transport/rest.js")>();
  return {
    ...actual,
    createRestTransport: (options: Record<string, unknown>) => {
      seen.calls.push({ to: "rest", options });
      return actual.createRestTransport(options as unknown as Parameters<typeof actual.createRestTransport>[0]);
    },
  };
});

vi.mock("../src/transport/rest-node-client.js", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../src/transport/rest-node-client.js")>();
  return {
    ...actual,
    createRestNodeHttpClient: (baseUrl: string, connection: Record<string, unknown>) => {
      seen.calls.push({ to: "http-client", options: { baseUrl, ...connection } });
      return actual.createRestNodeHttpClient(baseUrl, connection as unknown as Parameters<typeof actual.createRestNodeHttpClient>[1]);
    },
  };
});

type Runtime = keyof typeof optionTable;
type AnyOptionKey = keyof typeof optionTable.node | keyof typeof optionTable.web;

const mine: Interceptor = (next) => (req) => next(req);
const myFetch: typeof globalThis.fetch = () => Promise.reject(new Error("not called"));
const mySessionManager = { authority: "https://acme.zitadel.cloud", request: () => Promise.reject(new Error("not called")), notifyResponseByteRead() {} };

/** A value for every option either runtime knows: the compiler says when one is missing. */
const samples = {
  protocol: "(the cell's)",
  baseUrl: "https://acme.zitadel.cloud/sub",
  auth: "pat-sample",
  orgId: "123456789",
  allowInsecure: true,
  interceptors: [mine],
  retry: { maxAttempts: 2, initialBackoffMs: 1, maxBackoffMs: 1 },
  connectV1: true,
  fetch: myFetch,
  credentials: "include",
  useBinaryFormat: false,
  jsonOptions: { ignoreUnknownFields: false },
  binaryOptions: { readUnknownFields: false },
  acceptCompression: [],
  sendCompression: { name: "identity", compress: async (b: Uint8Array) => b, decompress: async (b: Uint8Array) => b },
  compressMinBytes: 10,
  readMaxBytes: 1_000_000,
  writeMaxBytes: 2_000_000,
  defaultTimeoutMs: 5_000,
  useHttpGet: true,
  httpVersion: "2",
  nodeOptions: { ca: "-----BEGIN CERTIFICATE-----" },
  sessionManager: mySessionManager,
  pingIntervalMs: 30_000,
  pingIdleConnection: true,
  pingTimeoutMs: 10_000,
  idleConnectionTimeoutMs: 60_000,
  connectTimeoutMs: 5_000,
} satisfies Record<AnyOptionKey, unknown>;

interface Factory {
  entry: string;
  make: (options: Record<string, unknown>) => Transport;
}

/** The public factories that check a runtime's protocol column. */
function factoriesFor(runtime: Runtime, protocol: ZitadelProtocol): Factory[] {
  // Called with options of any shape on purpose: the table, not the compiler, must refuse them here.
  const loose = <O>(f: (o: O) => Transport) => f as unknown as (options: Record<string, unknown>) => Transport;
  if (runtime === "node") {
    return [{ entry: "createZitadelTransport", make: (o) => loose(node.createZitadelTransport)({ ...o, protocol }) }];
  }
  const single = { "grpc-web": web.createZitadelGrpcWebTransport, connect: web.createZitadelConnectTransport, rest: web.createZitadelRestTransport };
  const names = { "grpc-web": "createZitadelGrpcWebTransport", connect: "createZitadelConnectTransport", rest: "createZitadelRestTransport" };
  if (protocol === "grpc") return [];
  return [
    { entry: "createZitadelTransport", make: (o) => loose(web.createZitadelTransport)({ ...o, protocol }) },
    { entry: names[protocol], make: (o) => loose(single[protocol])(o) },
  ];
}

/** Where a protocol's transport is built, by runtime. */
const builtBy: Record<Runtime, Partial<Record<ZitadelProtocol, string>>> = {
  node: { grpc: "connect-node grpc", "grpc-web": "connect-node grpc-web", connect: "connect-node connect", rest: "rest" },
  web: { "grpc-web": "connect-web grpc-web", connect: "connect-web connect", rest: "rest" },
};

function lastCallTo(to: string): Record<string, unknown> {
  const call = seen.calls.filter((c) => c.to === to).at(-1);
  expect(call, `a call to ${to}`).toBeDefined();
  return call!.options;
}

/** Options that keep a rule's conditions from refusing it. */
function applicable(key: string, conditions: readonly OptionCondition[]): Record<string, unknown> {
  const setup: Record<string, unknown> = {};
  for (const condition of conditions) {
    if ("httpVersion" in condition && key !== "httpVersion") setup.httpVersion = "2";
    if ("without" in condition) setup[condition.without] = samples[condition.without as AnyOptionKey];
  }
  return setup;
}

/** The same, changed so that exactly this condition holds. */
function triggering(key: string, condition: OptionCondition, setup: Record<string, unknown>): Record<string, unknown> {
  if ("httpVersion" in condition) return key === "httpVersion" ? { ...setup, [key]: "1.1" } : { ...setup, httpVersion: "1.1" };
  if ("with" in condition) return { ...setup, [condition.with]: samples[condition.with as AnyOptionKey] };
  const { [condition.without]: _dropped, ...rest } = setup;
  return rest;
}

const fakeRequest = (): UnaryRequest => ({
  stream: false,
  service: ManagementService,
  method: ManagementService.method.getOrgMetadata,
  requestMethod: "POST",
  url: "https://acme.zitadel.cloud/sub/zitadel.management.v1.ManagementService/GetOrgMetadata",
  header: new Headers(),
  contextValues: createContextValues(),
  signal: new AbortController().signal,
  message: create(GetOrgMetadataRequestSchema, { key: "k" }),
});

/** Runs a request through the interceptors a factory handed on; resolves to the request as it would be sent. */
async function throughInterceptors(interceptors: unknown): Promise<UnaryRequest> {
  expect(Array.isArray(interceptors)).toBe(true);
  let sent: UnaryRequest | undefined;
  const last = async (req: UnaryRequest) => {
    sent = req;
    return {} as UnaryResponse;
  };
  const chain = (interceptors as Interceptor[]).reduceRight<(req: UnaryRequest) => Promise<UnaryResponse>>(
    (next, interceptor) => interceptor(next as Parameters<Interceptor>[0]) as (req: UnaryRequest) => Promise<UnaryResponse>,
    last,
  );
  await chain(fakeRequest());
  return sent!;
}

/** Our interceptor chain on "connect" refuses v1 calls (the fake request is one) unless connectV1 is set. */
const v1Allowed = (protocol: ZitadelProtocol) => (protocol === "connect" ? { connectV1: true } : {});

/** Where a protocol's interceptors end up: connect's factory, or our REST transport. */
const interceptorsOf = (runtime: Runtime, protocol: ZitadelProtocol) => lastCallTo(builtBy[runtime][protocol]!).interceptors;

/** How each of our own options shows that it applied. */
const ownEffects: Record<string, (runtime: Runtime, protocol: ZitadelProtocol, factory: Factory) => Promise<void>> = {
  async protocol(runtime, protocol, factory) {
    seen.calls.length = 0;
    factory.make({ baseUrl: samples.baseUrl, auth: "pat", protocol });
    expect(seen.calls.map((c) => c.to)).toContain(builtBy[runtime][protocol]);
  },
  async baseUrl(runtime, protocol, factory) {
    factory.make({ baseUrl: samples.baseUrl, auth: "pat" });
    if (protocol !== "rest") expect(lastCallTo(builtBy[runtime][protocol]!).baseUrl).toBe(samples.baseUrl);
    else expect(lastCallTo("rest").baseUrl).toBe(samples.baseUrl);
  },
  async auth(runtime, protocol, factory) {
    factory.make({ baseUrl: samples.baseUrl, auth: samples.auth, ...v1Allowed(protocol) });
    const sent = await throughInterceptors(interceptorsOf(runtime, protocol));
    expect(sent.header.get("authorization")).toBe(`Bearer ${samples.auth}`);
  },
  async orgId(runtime, protocol, factory) {
    factory.make({ baseUrl: samples.baseUrl, auth: "pat", orgId: samples.orgId, ...v1Allowed(protocol) });
    const sent = await throughInterceptors(interceptorsOf(runtime, protocol));
    expect(sent.header.get("x-zitadel-orgid")).toBe(samples.orgId);
  },
  async allowInsecure(_runtime, _protocol, factory) {
    const plain = "http://zitadel.internal:8080";
    expect(thrownBy(() => factory.make({ baseUrl: plain, auth: "pat" }))).toBeInstanceOf(TypeError);
    expect(thrownBy(() => factory.make({ baseUrl: plain, auth: "pat", allowInsecure: true }))).toBeUndefined();
  },
  async interceptors(runtime, protocol, factory) {
    factory.make({ baseUrl: samples.baseUrl, auth: "pat", interceptors: [mine] });
    const handedOn = interceptorsOf(runtime, protocol) as Interceptor[];
    // Ours first, so that the caller's see the headers; the caller's last.
    expect(handedOn.at(-1)).toBe(mine);
    expect(handedOn.length).toBeGreaterThan(1);
  },
  async connectV1(runtime, protocol, factory) {
    // Without it, the guard refuses a v1 call before anything is sent; with it, the call goes out.
    factory.make({ baseUrl: samples.baseUrl, auth: "pat" });
    const refused = await throughInterceptors(interceptorsOf(runtime, protocol)).catch((e: unknown) => e);
    expect(isConnectV1Refusal(refused)).toBe(true);
    factory.make({ baseUrl: samples.baseUrl, auth: "pat", connectV1: true });
    const sent = await throughInterceptors(interceptorsOf(runtime, protocol));
    expect(sent.header.get("authorization")).toBe("Bearer pat");
  },
  async credentials(runtime, protocol, factory) {
    // connect-web has no credentials option: the fetch it gets must add it to every request.
    const inits: (RequestInit | undefined)[] = [];
    const underlying: typeof globalThis.fetch = async (_input, init) => {
      inits.push(init);
      return new Response("");
    };
    factory.make({ baseUrl: samples.baseUrl, auth: "pat", credentials: "include", fetch: underlying });
    const handedOn = lastCallTo(builtBy[runtime][protocol]!).fetch as typeof globalThis.fetch;
    await handedOn("https://acme.zitadel.cloud/x", { method: "POST", redirect: "error" });
    expect(inits).toEqual([{ method: "POST", redirect: "error", credentials: "include" }]);
    // Without a fetch of the caller's, the wrapper calls the global one.
    vi.stubGlobal("fetch", underlying);
    factory.make({ baseUrl: samples.baseUrl, auth: "pat", credentials: "omit" });
    await (lastCallTo(builtBy[runtime][protocol]!).fetch as typeof globalThis.fetch)("https://acme.zitadel.cloud/x", {});
    expect(inits.at(-1)).toEqual({ credentials: "omit" });
  },
  async retry(runtime, protocol, factory) {
    // With retry, a call that fails with Unavailable is sent again; with retry: false, once.
    const attempts = async (retry: unknown) => {
      factory.make({ baseUrl: samples.baseUrl, auth: "pat", retry, ...v1Allowed(protocol) });
      let sent = 0;
      const last = async () => {
        sent++;
        if (sent === 1) throw new ConnectError("try again", Code.Unavailable);
        return {} as UnaryResponse;
      };
      const chain = (interceptorsOf(runtime, protocol) as Interceptor[]).reduceRight<(req: UnaryRequest) => Promise<UnaryResponse>>(
        (next, interceptor) => interceptor(next as Parameters<Interceptor>[0]) as (req: UnaryRequest) => Promise<UnaryResponse>,
        last,
      );
      await chain(fakeRequest()).catch(() => undefined);
      return sent;
    };
    expect(await attempts(samples.retry)).toBe(2);
    expect(await attempts(false)).toBe(1);
    expect(thrownBy(() => factory.make({ baseUrl: samples.baseUrl, auth: "pat", retry: { maxAttempts: 0 } }))).toHaveProperty("option", "retry");
  },
  async defaultTimeoutMs(runtime, protocol, factory) {
    // Ours, not connect's: every call reaches connect's transport with its effective deadline (0: none).
    const timeoutOfCall = async (options: Record<string, unknown>, perCall?: number) => {
      const transport = factory.make({ baseUrl: samples.baseUrl, auth: "pat", ...options });
      expect(lastCallTo(builtBy[runtime][protocol]!)).not.toHaveProperty("defaultTimeoutMs");
      await transport.unary(ManagementService.method.getOrgMetadata, undefined, perCall, undefined, {}).catch(() => undefined);
      return lastCallTo(`${builtBy[runtime][protocol]!} unary`).timeoutMs;
    };
    expect(await timeoutOfCall({})).toBe(30_000);
    expect(await timeoutOfCall({ defaultTimeoutMs: samples.defaultTimeoutMs })).toBe(samples.defaultTimeoutMs);
    expect(await timeoutOfCall({ defaultTimeoutMs: samples.defaultTimeoutMs }, 700)).toBe(700);
    expect(await timeoutOfCall({ defaultTimeoutMs: 0 })).toBe(0);
    expect(await timeoutOfCall({ defaultTimeoutMs: Number.POSITIVE_INFINITY })).toBe(0);
    expect(await timeoutOfCall({}, Number.POSITIVE_INFINITY)).toBe(0);
  },
  async httpVersion(runtime, protocol, factory) {
    // Only gRPC takes httpVersion itself: "2" is what it does anyway.
    expect([runtime, protocol]).toEqual(["node", "grpc"]);
    factory.make({ baseUrl: samples.baseUrl, auth: "pat", httpVersion: "2" });
    expect(lastCallTo("connect-node grpc")).not.toHaveProperty("httpVersion");
  },
};

/** Where an option that applies arrives, by who takes it. */
function arrived(use: "connect" | "rest" | "http-client", runtime: Runtime, protocol: ZitadelProtocol): Record<string, unknown> {
  if (use === "connect") return lastCallTo(builtBy[runtime][protocol]!);
  return lastCallTo(use);
}

const cells = (Object.keys(optionTable) as Runtime[]).flatMap((runtime) => {
  const rows: Record<string, Partial<Record<ZitadelProtocol, OptionRule>>> = optionTable[runtime];
  const protocols = [...new Set(Object.values(rows).flatMap((row) => Object.keys(row)))] as ZitadelProtocol[];
  return protocols.map((protocol) => ({ runtime, protocol, rows }));
});

beforeEach(() => {
  seen.calls.length = 0;
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the option table", () => {
  it("has a column for every protocol of each runtime, and every row has all of them", () => {
    expect(cells.map((c) => `${c.runtime} ${c.protocol}`)).toEqual([
      "node grpc",
      "node grpc-web",
      "node connect",
      "node rest",
      "web grpc-web",
      "web connect",
      "web rest",
    ]);
    for (const { rows, protocol, runtime } of cells) {
      for (const [key, row] of Object.entries(rows)) expect(row[protocol], `${runtime} ${protocol} ${key}`).toBeDefined();
    }
  });

  describe.each(cells)("$runtime, protocol $protocol", ({ runtime, protocol, rows }) => {
    const factories = factoriesFor(runtime, protocol);
    const base = { baseUrl: samples.baseUrl, auth: "pat" };
    const entries = Object.entries(rows).map(([key, row]) => [key, row[protocol]!] as const);

    it.each(entries.filter(([, rule]) => "refuse" in rule))("refuses %s, naming it", (key, rule) => {
      const refused = rule as Extract<OptionRule, { refuse: string }>;
      const value = typeof refused.except === "boolean" ? !refused.except : samples[key as AnyOptionKey];
      for (const { entry, make } of factories) {
        const thrown = thrownBy(() => make({ ...base, [key]: value }));
        expect(thrown, `${entry} with ${key}`).toBeInstanceOf(TypeError);
        expect((thrown as Error).message).toMatch(new RegExp(`^${entry}: `));
        expect((thrown as Error).message).toContain(`"${key}"`);
        // The value that asks for what the protocol does anyway passes.
        if (refused.except !== undefined)
          expect(
            thrownBy(() => make({ ...base, [key]: refused.except })),
            `${key}: ${String(refused.except)}`,
          ).toBeUndefined();
      }
    });

    it.each(entries.filter(([, rule]) => "use" in rule))("applies %s (taken by %j)", async (key, rule) => {
      const applied = rule as Extract<OptionRule, { use: string }>;
      for (const factory of factories) {
        const setup = applicable(key, applied.refusedWhen?.map((r) => r.when) ?? []);
        if (applied.use === "zitadel") {
          expect(ownEffects[key], `an effect check for our option ${key}`).toBeDefined();
          await ownEffects[key]!(runtime, protocol, factory);
        } else {
          seen.calls.length = 0;
          const value = samples[key as AnyOptionKey];
          expect(
            thrownBy(() => factory.make({ ...base, [key]: value, ...setup })),
            `${factory.entry} with ${key}`,
          ).toBeUndefined();
          expect(arrived(applied.use, runtime, protocol)[key], `${key} at ${applied.use}`).toBe(value);
        }
        // Each condition of the rule refuses it, naming it.
        for (const { when } of applied.refusedWhen ?? []) {
          const options = triggering(key, when, { [key]: samples[key as AnyOptionKey], ...setup });
          const thrown = thrownBy(() => factory.make({ ...base, ...options }));
          expect(thrown, `${factory.entry}: ${key} when ${JSON.stringify(when)}`).toBeInstanceOf(TypeError);
          expect((thrown as Error).message).toMatch(new RegExp(`^${factory.entry}: `));
          expect((thrown as Error).message).toContain(`"${key}"`);
        }
      }
    });

    it("refuses an option it does not know, naming it (and suggests the spelling it may have meant)", () => {
      for (const { entry, make } of factories) {
        const thrown = thrownBy(() => make({ ...base, bogusOption: 1 }));
        expect(thrown, entry).toBeInstanceOf(TypeError);
        expect((thrown as Error).message).toBe(
          `${entry}: unknown option "bogusOption"; it is not an option of this transport, so it is refused rather than ignored.`,
        );
        expect((thrown as Error).message).not.toContain("pat");
        expect(thrownBy(() => make({ ...base, defaulttimeoutms: 5 }))).toHaveProperty(
          "message",
          expect.stringMatching(/unknown option "defaulttimeoutms".*Did you mean "defaultTimeoutMs"\?$/),
        );
      }
    });
  });

  it("knows the options of the other runtime only where they belong: Node's connection options are unknown in browsers, credentials in Node", () => {
    expect(thrownBy(() => web.createZitadelGrpcWebTransport({ baseUrl: samples.baseUrl, auth: "pat", ...{ nodeOptions: {} } }))).toHaveProperty(
      "message",
      expect.stringContaining('unknown option "nodeOptions"'),
    );
    expect(
      thrownBy(() => node.createZitadelTransport({ baseUrl: samples.baseUrl, auth: "pat", protocol: "rest", ...{ credentials: "include" } })),
    ).toHaveProperty("message", expect.stringContaining('unknown option "credentials"'));
  });

  it("refuses a one-protocol factory's options that name another protocol", () => {
    const options = { baseUrl: samples.baseUrl, auth: "pat", ...{ protocol: "rest" } };
    expect(thrownBy(() => web.createZitadelGrpcWebTransport(options))).toHaveProperty(
      "message",
      'createZitadelGrpcWebTransport: option "protocol" is "rest", but this transport speaks "grpc-web"; drop the option.',
    );
  });
});

describe("the option table, compiled against connect's types", () => {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const configFile = ts.readConfigFile(join(root, "tsconfig.json"), (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
  const tableFile = join(root, "src/transport/option-table.ts");

  const unchanged = (text: string) => text;

  /** The diagnostics of option-table.ts when one of connect's .d.ts files reads differently. */
  function compileWith(dts: RegExp, edit: (text: string) => string): string[] {
    const host = ts.createCompilerHost({ ...options, noEmit: true });
    const readFile = host.readFile.bind(host);
    let read = 0;
    host.readFile = (path) => {
      const text = readFile(path);
      if (text === undefined || !dts.test(path.replaceAll("\\", "/"))) return text;
      read++;
      const changed = edit(text);
      expect(changed === text, `the edit changes ${path}`).toBe(edit === unchanged);
      return changed;
    };
    const program = ts.createProgram([tableFile], { ...options, noEmit: true }, host);
    const diagnostics = ts.getPreEmitDiagnostics(program, program.getSourceFile(tableFile));
    expect(read, `${dts} was read`).toBeGreaterThan(0);
    return diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  }

  it("compiles as connect 2.1.1 is", () => {
    expect(compileWith(/@connectrpc\/connect-web\/dist\/esm\/index\.d\.ts$/, unchanged)).toEqual([]);
  }, 60_000);

  it.each([
    ["connect-web", /@connectrpc\/connect-web\/dist\/esm\/grpc-web-transport\.d\.ts$/],
    ["connect-node", /@connectrpc\/connect-node\/dist\/esm\/grpc-web-transport\.d\.ts$/],
  ])(
    "stops compiling when %s adds an option, until the table has a rule for it",
    (_pkg, dts) => {
      const errors = compileWith(dts, (text) => text.replace("defaultTimeoutMs?: number;", "defaultTimeoutMs?: number;\n    brandNewOption?: boolean;"));
      expect(errors.join("\n")).toMatch(/brandNewOption/);
    },
    60_000,
  );

  it.each([
    ["connect-web", /@connectrpc\/connect-web\/dist\/esm\/connect-transport\.d\.ts$/],
    ["connect-node", /@connectrpc\/connect-node\/dist\/esm\/connect-transport\.d\.ts$/],
  ])(
    "stops compiling when %s drops an option, until the table's row for it goes",
    (_pkg, dts) => {
      const errors = compileWith(dts, (text) => text.replace(/useHttpGet\?: boolean;/, ""));
      expect(errors.join("\n")).toMatch(/useHttpGet/);
    },
    60_000,
  );
});
