// The version matrix: the packed tarball installed into a new project, the
// way a user installs it, and used there (require, import, tsc with node16 and
// bundler resolution, the README's interceptor on the user's own transport, a
// real call over every protocol against the packed emulator, the installed
// zmeta's demo, every option of the installed connect transports known to
// ours) in two lanes:
// Node 20 with the lowest peer versions we support, and the newest Node 24
// from the npm registry with the newest @connectrpc/* and @bufbuild/protobuf.
// Node 24 and the lanes' projects are kept in node_modules/.cache between runs.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectOptionKeys, optionCoverageScript } from "./support/connect-option-keys.js";
import { consumerFiles, expectedCalls } from "./support/matrix-consumer.js";
import type { LaneSetup } from "./support/matrix-lane.js";
import { installedCopies, matrixCache, newestPeerVersions, prepareLane } from "./support/matrix-lane.js";
import { nodeFromNpm } from "./support/node-from-npm.js";
import type { PeerVersions } from "./support/packed-package.js";
import { developedPeerVersions, packPackage, peerNames, succeed, tsc } from "./support/packed-package.js";

let work: string;
let tarball: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "zmeta-matrix-"));
  tarball = (await packPackage(work)).tarball;
  await mkdir(matrixCache, { recursive: true });
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

interface Lane {
  setup: () => Promise<{ lane: LaneSetup; node: string }>;
  major: number;
}

const lanes: Record<string, Lane> = {
  "Node 20, the lowest peers we support": {
    major: 20,
    setup: async () => ({
      lane: { label: "Node 20, lowest peers", id: "node20-lowest", peers: developedPeerVersions(), order: "peers-first" },
      node: process.execPath,
    }),
  },
  "Node 24, the newest peers on the registry": {
    major: 24,
    setup: async () => {
      const [node, peers] = await Promise.all([nodeFromNpm(24, matrixCache), newestPeerVersions(work)]);
      return { lane: { label: `Node ${node.version}, newest peers`, id: "node24-newest", peers, order: "package-first" }, node: node.path };
    },
  },
};

describe.each(Object.entries(lanes))("%s", (_name, { setup, major }) => {
  let dir: string;
  let node: string;
  let peers: PeerVersions;

  beforeAll(async () => {
    const { lane, node: binary } = await setup();
    node = binary;
    peers = lane.peers;
    const prepared = await prepareLane(lane, tarball);
    dir = prepared.dir;
    for (const [file, text] of Object.entries(consumerFiles())) await writeFile(join(dir, file), text);
    console.log(
      `version matrix: ${lane.label}: ${peerNames.map((n) => `${n}@${peers[n]}`).join(", ")} (${prepared.installed ? "installed now" : "from the cache"})`,
    );
  }, 600_000);

  it(`runs on Node ${major}`, async () => {
    const version = (await succeed(node, ["--version"], dir, { what: "node --version" })).trim();
    expect(version).toMatch(new RegExp(`^v${major}\\.`));
  });

  it("has one copy of each peer and of the package in the tree, at the lane's versions", async () => {
    for (const name of peerNames) expect(await installedCopies(dir, name), name).toEqual([expect.objectContaining({ version: peers[name] })]);
    expect(await installedCopies(dir, "zitadel-metadata")).toHaveLength(1);
  });

  for (const script of ["consumer.cjs", "consumer.mjs"]) {
    it(`${script}: a call over every protocol against the packed emulator, and the README's own-transport example`, async () => {
      const out = await succeed(node, [script], dir, { what: `${script} on ${node}`, timeoutMs: 120_000 });
      const result = JSON.parse(out.trim().split("\n").at(-1)!) as { node: string; format: string; calls: Record<string, string> };
      expect(result.node).toMatch(new RegExp(`^v${major}\\.`));
      expect(result.calls).toEqual(expectedCalls);
    }, 180_000);
  }

  it("runs the installed zmeta: the demo of every metadata call over every protocol against its own emulator", async () => {
    const zmeta = join(dir, "node_modules", "zitadel-metadata", "bin", "zmeta.js");
    const out = await succeed(node, [zmeta, "demo"], dir, { what: `zmeta demo on ${node}`, timeoutMs: 120_000 });
    expect(out).toContain("v1: all 45 calls behaved as expected over grpc, grpc-web, rest");
    expect(out).toContain("v2: all 56 calls behaved as expected over grpc, grpc-web, connect, rest");
  }, 180_000);

  it("knows every option of the installed connect transports: each applies or is refused naming why, none is unknown", async () => {
    const keys = connectOptionKeys(dir);
    // The types did resolve: the options every version has are among them.
    expect(keys.node).toEqual(expect.arrayContaining(["baseUrl", "sessionManager", "pingIntervalMs", "nodeOptions", "useBinaryFormat"]));
    expect(keys.web).toEqual(expect.arrayContaining(["baseUrl", "fetch", "useBinaryFormat"]));
    await writeFile(join(dir, "option-coverage.mjs"), optionCoverageScript(keys));
    const out = await succeed(node, ["option-coverage.mjs"], dir, { what: `option-coverage.mjs on ${node}` });
    expect(JSON.parse(out.trim())).toEqual([]);
  });

  for (const resolution of ["node16", "bundler"]) {
    it(`type-checks with moduleResolution ${resolution}, the README's own-transport example included`, async () => {
      await succeed(process.execPath, [tsc, "-p", `tsconfig.${resolution}.json`], dir, { what: `tsc -p tsconfig.${resolution}.json`, timeoutMs: 180_000 });
    }, 240_000);
  }
});
