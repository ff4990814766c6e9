// What a user's project does with the package in each lane of the version
// matrix (test/version-matrix.spec.ts): a CommonJS and an ES module script
// that start the packed emulator and make one real metadata call over every
// protocol (v1 over grpc, grpc-web and rest; v2 over connect), plus the
// README's "Put the interceptor on your own transport" on the user's own
// connect-node transport; and the files tsc checks with moduleResolution
// node16 and bundler.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { nodeTypeRoot, root } from "./packed-package.js";

/** The first ```ts block under a README heading, verbatim. */
export function readmeBlock(heading: string): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section "${heading}"`);
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(start));
  if (!block) throw new Error(`README.md's section "${heading}" has no \`\`\`ts block`);
  return block[1]!;
}

export const ownTransportHeading = "## Put the interceptor on your own transport";

const body = (load: string, format: string) => `${load}
async function main() {
  const emulator = await startEmulator({ host: "127.0.0.1", port: 0 });
  try {
    const alice = emulator.user("alice").id;
    const acme = emulator.org("acme").id;
    const admin = emulator.user("acme-admin").token;
    const calls = {};
    for (const protocol of ["grpc", "grpc-web", "rest"]) {
      // connectTimeoutMs: connect-node 2.3's option, which ours takes on 2.1 too.
      const http2 = protocol === "grpc" ? { connectTimeoutMs: 10000 } : {};
      const v1 = md.createMetadataClient(md.createZitadelTransport({ baseUrl: emulator.url, protocol, auth: admin, ...http2 }));
      await v1.user(alice).set("lane." + protocol, "v1 over " + protocol);
      calls["v1 " + protocol] = (await v1.user(alice).get("lane." + protocol)).text();
    }
    const v2 = md.createMetadataClient(md.createZitadelTransport({ baseUrl: emulator.url, protocol: "connect", auth: admin }), { api: "v2", orgId: acme });
    await v2.user(alice).set("lane.connect", "v2 over connect");
    calls["v2 connect"] = (await v2.user(alice).get("lane.connect")).text();

    // The README's own-transport example, pointed at the emulator: the user's
    // createGrpcTransport (their @connectrpc/connect-node) with our interceptor.
    const transport = createGrpcTransport({
      baseUrl: emulator.url,
      interceptors: [md.createZitadelInterceptor({ auth: admin, orgId: acme })],
    });
    const mgmt = md.createManagementClient(transport);
    const own = await mgmt.getUserMetadata({ id: alice, key: "lane.grpc" });
    calls["own transport"] = new TextDecoder().decode(own.metadata.value);

    // The browser entry loads too (connect-web is installed in every lane).
    const web = md.createMetadataClient(webEntry.createZitadelTransport({ baseUrl: emulator.url, protocol: "grpc-web", auth: admin }));
    calls["web entry grpc-web"] = (await web.user(alice).get("lane.rest")).text();
    return { node: process.version, format: ${JSON.stringify(format)}, calls };
  } finally {
    await emulator.close();
  }
}
main().then(
  (result) => console.log(JSON.stringify(result)),
  (e) => {
    console.error(e);
    process.exitCode = 1;
  },
);
`;

export const consumerCjs = body(
  `"use strict";
const md = require("zitadel-metadata");
const webEntry = require("zitadel-metadata/web");
const { startEmulator } = require("zitadel-metadata/emulator");
const { createGrpcTransport } = require("@connectrpc/connect-node");`,
  "cjs",
);

export const consumerMjs = body(
  `import * as md from "zitadel-metadata";
import * as webEntry from "zitadel-metadata/web";
import { startEmulator } from "zitadel-metadata/emulator";
import { createGrpcTransport } from "@connectrpc/connect-node";`,
  "esm",
);

/** What every consumer script prints: each call's value read back. */
export const expectedCalls = {
  "v1 grpc": "v1 over grpc",
  "v1 grpc-web": "v1 over grpc-web",
  "v1 rest": "v1 over rest",
  "v2 connect": "v2 over connect",
  "own transport": "v1 over grpc",
  "web entry grpc-web": "v1 over rest",
};

// Typed use across the package and the user's own connect and protobuf: the
// user's Transport and JSON options go into ours, our clients' messages are
// protobuf's. The @ts-expect-error lines fail the check if a type degrades
// to any (as a second, unresolvable copy of a package would make it).
const typedUse = `import type { Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import type { JsonReadOptions } from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import type { MetadataClient, ZitadelGrpcWebTransportOptions } from "zitadel-metadata";
import { createManagementClient, createMetadataClient, createZitadelInterceptor, createZitadelTransport } from "zitadel-metadata";
import { startEmulator } from "zitadel-metadata/emulator";

const jsonOptions: Partial<JsonReadOptions> = { ignoreUnknownFields: true };
export const theirs: Transport = createGrpcTransport({ baseUrl: "http://127.0.0.1:8080", interceptors: [createZitadelInterceptor({ auth: "pat" })] });
export const ours: Transport = createZitadelTransport({ baseUrl: "http://127.0.0.1:8080", protocol: "grpc-web", auth: "pat", jsonOptions, useBinaryFormat: false });
export const client: MetadataClient = createMetadataClient(theirs);
export async function read(userId: string): Promise<string> {
  const emulator = await startEmulator({ port: 0 });
  try {
    const transport = createGrpcTransport({ baseUrl: emulator.url, interceptors: [createZitadelInterceptor({ auth: emulator.user("acme-admin").token })] });
    const res = await createManagementClient(transport).getUserMetadata({ id: userId, key: "plan" });
    return new TextDecoder().decode(res.metadata?.value);
  } finally {
    await emulator.close();
  }
}
// connectTimeoutMs (connect-node 2.3's name) on every connect-node version, for HTTP/2 only.
export const patient: Transport = createZitadelTransport({ baseUrl: "http://127.0.0.1:8080", protocol: "grpc", auth: "pat", connectTimeoutMs: 5_000 });
export const patientWeb: ZitadelGrpcWebTransportOptions = { baseUrl: "http://127.0.0.1:8080", protocol: "grpc-web", auth: "pat", httpVersion: "2", connectTimeoutMs: 5_000 };
// @ts-expect-error over HTTP/1.1 there is no connectTimeoutMs
export const impatientWeb: ZitadelGrpcWebTransportOptions = { baseUrl: "http://127.0.0.1:8080", protocol: "grpc-web", auth: "pat", httpVersion: "1.1", connectTimeoutMs: 5_000 };
// @ts-expect-error auth is required
createZitadelTransport({ baseUrl: "http://127.0.0.1:8080", protocol: "grpc" });
// @ts-expect-error useBinaryFormat is a boolean
createZitadelTransport({ baseUrl: "http://127.0.0.1:8080", protocol: "grpc-web", auth: "pat", useBinaryFormat: "yes" });
// @ts-expect-error the user's own transport takes our interceptor, not a string
createGrpcTransport({ baseUrl: "http://127.0.0.1:8080", interceptors: ["pat"] });
// @ts-expect-error create() wants a message schema
create("zitadel.management.v1.GetUserMetadataRequest");
`;

/** The files a lane's project gets besides its package.json: scripts, type checks and their tsconfigs. */
export function consumerFiles(): Record<string, string> {
  const readmeExample = readmeBlock(ownTransportHeading);
  const strict = { strict: true, noEmit: true, skipLibCheck: false, target: "es2022", lib: ["es2022", "dom"], types: ["node"], typeRoots: [nodeTypeRoot] };
  return {
    "consumer.cjs": consumerCjs,
    "consumer.mjs": consumerMjs,
    "readme-own-transport.mts": readmeExample,
    "readme-own-transport.ts": readmeExample,
    "typed-use.cts": typedUse,
    "typed-use.mts": typedUse,
    "typed-use.ts": typedUse,
    "tsconfig.node16.json": JSON.stringify({
      compilerOptions: { ...strict, module: "node16", moduleResolution: "node16" },
      // The README's blocks assume "type": "module" (top-level await), so the example is an ES module here.
      files: ["readme-own-transport.mts", "typed-use.cts", "typed-use.mts"],
    }),
    "tsconfig.bundler.json": JSON.stringify({
      compilerOptions: { ...strict, module: "esnext", moduleResolution: "bundler" },
      files: ["readme-own-transport.ts", "typed-use.ts"],
    }),
  };
}
