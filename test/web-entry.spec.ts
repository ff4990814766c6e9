// The browser entry must not pull a Node built-in into a bundle.
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { bundleForBrowser, isNodeBuiltin } from "./support/browser-bundle.js";
import { useEmulator } from "./support/emulator.js";
import * as nodeEntry from "../src/index.js";
import * as webEntry from "../src/web.js";

describe("zitadel-metadata/web", () => {
  it("bundles for the browser without any Node built-in in its import graph", async () => {
    const { inputs, nodeBuiltinImports } = await bundleForBrowser("src/web.ts");
    expect(nodeBuiltinImports).toEqual([]);
    // The graph really is ours: the entry and the web transport are in it, connect-node is not.
    expect(inputs).toContain("src/web.ts");
    expect(inputs.some((p) => p.includes("@connectrpc/connect-web"))).toBe(true);
    expect(inputs.some((p) => p.includes("@connectrpc/connect-node"))).toBe(false);
  });

  it("offers the same API as the Node entry (plus one-protocol transports): transports, clients, interceptor, high-level API, errors", () => {
    const webOnly = ["createZitadelGrpcWebTransport", "createZitadelConnectTransport", "createZitadelRestTransport"];
    expect(Object.keys(webEntry).sort()).toEqual([...Object.keys(nodeEntry), ...webOnly].sort());
    for (const name of [
      "createZitadelTransport",
      "createRestTransport",
      "createManagementClient",
      "createAuthClient",
      "createUserServiceV2Client",
      "createOrganizationServiceV2Client",
      "createOrganizationServiceV2betaClient",
      "createZitadelInterceptor",
      "withOrgId",
      "createMetadataClient",
      "getErrorDetail",
      "ZitadelError",
    ]) {
      expect(typeof (webEntry as Record<string, unknown>)[name], name).toBe("function");
    }
    // Each browser protocol builds a transport without touching the network.
    for (const protocol of ["grpc-web", "connect", "rest"] as const) {
      const transport = webEntry.createZitadelTransport({ baseUrl: "https://acme.zitadel.cloud", protocol, auth: "pat" });
      expect(typeof transport.unary).toBe("function");
    }
  });

  it("and the Node entry, bundled the same way, does import Node built-ins (the check can fail)", async () => {
    const result = await build({
      entryPoints: ["src/index.ts"],
      bundle: true,
      platform: "node",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
      packages: "bundle",
    });
    const imported = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
    expect(imported.some((p) => isNodeBuiltin(p))).toBe(true);
  });

  describe("one-protocol transports (fetch-based, so they run in Node too)", () => {
    const emulator = useEmulator();
    // Connect on v1 needs both opt-ins: an emulator started with connectV1, and connectV1 on the transport.
    const connectEmulator = useEmulator({ connectV1: true });
    const factories = [
      ["createZitadelGrpcWebTransport", webEntry.createZitadelGrpcWebTransport, emulator, {}],
      ["createZitadelConnectTransport", webEntry.createZitadelConnectTransport, connectEmulator, { connectV1: true }],
      ["createZitadelRestTransport", webEntry.createZitadelRestTransport, emulator, {}],
    ] as const;
    for (const [name, create, target, extra] of factories) {
      it(`${name} sets the token and org headers and round-trips bytes`, async () => {
        const globex = target().org("globex").id;
        const transport = create({ baseUrl: target().url, auth: target().user("iam-admin").token, orgId: globex, ...extra });
        const md = webEntry.createMetadataClient(transport);
        await md.org().set(`via-${name}`, new Uint8Array([0xff, 0, 1]));
        const entry = await md.org().get(`via-${name}`);
        expect([...(entry?.value ?? [])]).toEqual([0xff, 0, 1]);
        expect(entry?.details.resourceOwner).toBe(globex);
      });
    }
    it("refuse bad options as createZitadelTransport does, naming themselves", () => {
      expect(() => webEntry.createZitadelGrpcWebTransport({ baseUrl: "nope", auth: "t" })).toThrow(/^createZitadelGrpcWebTransport: option "baseUrl"/);
      expect(() => webEntry.createZitadelTransport({ baseUrl: "https://x", auth: "t", protocol: "grpc" as "rest" })).toThrow(/browsers cannot speak gRPC/);
      expect(() => webEntry.createZitadelTransport({ baseUrl: "https://x", auth: "t", protocol: "soap" as "rest" })).toThrow(/"grpc-web", "connect" or "rest"/);
    });
  });
});
