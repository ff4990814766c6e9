// Benchmarks, run by hand with `npm run bench` (never part of `npm test`).
// The emulator runs in a child process, so the client's memory is measured alone.
// Every result is reported next to a reference measured in the same run,
// because absolute times on these shared machines are noise.
// `node --expose-gc --import tsx bench/run.ts [section …]` runs only the named
// sections (import, list, per-call, versions); without any, all of them.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createManagementClient, createMetadataClient } from "../src/index.js";

import { bulkVersions } from "./bulk-versions.js";
import { countedTransport, spawnLineChild } from "./line-child.js";
import { measure } from "./measure.js";
import { perCallOverhead } from "./per-call.js";

const run = promisify(execFile);

interface Ready {
  url: string;
  orgs: { id: string; name: string }[];
  users: { id: string; userName: string; token: string }[];
}

const users = 50;
const entriesPerUser = 200; // 10,000 entries to import
const listEntries = 100_000;

const sectionNames = ["import", "list", "per-call", "versions"] as const;
type Section = (typeof sectionNames)[number];
const asked = process.argv.slice(2);
for (const name of asked) {
  if (!sectionNames.includes(name as Section))
    throw new Error(`bench/run.ts: unknown section ${JSON.stringify(name)}; the sections are ${sectionNames.join(", ")}`);
}
const wanted = (section: Section) => asked.length === 0 || asked.includes(section);

async function startEmulatorProcess(seedFile: string) {
  const { child, nextLine } = spawnLineChild("bench/emulator-child.ts", [seedFile]);
  const line = await nextLine();
  return {
    ready: JSON.parse(line) as Ready,
    /** Switches the emulator's quirks, e.g. { listOrder: "changing" }. */
    quirks: async (quirks: object) => {
      const answered = nextLine();
      child.stdin!.write(`${JSON.stringify(quirks)}\n`);
      await answered;
    },
    /** The emulator's CPU time so far, in µs. */
    cpuMicros: async () => {
      const answered = nextLine();
      child.stdin!.write("cpu\n");
      return Number(await answered);
    },
    stop: () => child.kill("SIGTERM"),
  };
}

function entriesFor(user: number): [string, string][] {
  return Array.from({ length: entriesPerUser }, (_, i) => [`bench.${String(i).padStart(4, "0")}`, `value ${user}/${i} `.repeat(4)]);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "zmeta-bench-"));
  const seedFile = join(dir, "seed.json");
  writeFileSync(
    seedFile,
    JSON.stringify({
      orgs: [{ name: "acme" }],
      users: [
        { userName: "admin", org: "acme", roles: ["ORG_OWNER"] },
        ...Array.from({ length: users }, (_, i) => ({ userName: `user${i}`, org: "acme" })),
        ...["per-call", "bulk-v1", "bulk-v2"].map((userName) => ({ userName, org: "acme" })),
      ],
    }),
  );
  const emulator = await startEmulatorProcess(seedFile);
  try {
    const { url } = emulator.ready;
    const admin = emulator.ready.users.find((u) => u.userName === "admin")!;
    const targets = emulator.ready.users.filter((u) => u.userName.startsWith("user"));
    const lines: string[] = [];
    const idOf = (userName: string) => emulator.ready.users.find((u) => u.userName === userName)!.id;

    for (const protocol of wanted("import") ? (["grpc", "rest"] as const) : []) {
      // Reference: what people write by hand, one SetUserMetadata per entry.
      const naive = countedTransport(url, admin.token, protocol);
      const mgmt = createManagementClient(naive.transport);
      const reference = await measure(async () => {
        for (const [u, target] of targets.entries()) {
          for (const [key, value] of entriesFor(u)) {
            await mgmt.setUserMetadata({ id: target.id, key: `naive.${key}`, value: new TextEncoder().encode(value) });
          }
        }
      });
      // Ours: setMany per user, four users at a time.
      const ours = countedTransport(url, admin.token, protocol);
      const md = createMetadataClient(ours.transport);
      const bulk = await measure(async () => {
        const queue = [...targets.entries()];
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            for (let next = queue.shift(); next; next = queue.shift()) {
              const [u, target] = next;
              await md.user(target.id).setMany(entriesFor(u));
            }
          }),
        );
      });
      lines.push(
        `import 10,000 entries (${protocol}): setMany ${bulk.ms.toFixed(0)} ms in ${ours.requests()} requests; ` +
          `one SetUserMetadata per entry ${reference.ms.toFixed(0)} ms in ${naive.requests()} requests; ` +
          `speed-up ×${(reference.ms / bulk.ms).toFixed(1)}`,
      );
    }

    if (wanted("list")) {
      // 100,000 entries on one user, then read them back two ways.
      const big = targets[0]!;
      const loader = createMetadataClient(countedTransport(url, admin.token, "grpc").transport);
      await loader.user(big.id).setMany(Array.from({ length: listEntries }, (_, i) => [`list.${String(i).padStart(6, "0")}`, `entry number ${i}`] as const));
      const listIn = async (mode: "stream" | "one-shot") => {
        const { stdout } = await run(process.execPath, ["--expose-gc", "--import", "tsx", "bench/list-child.ts", url, admin.token, big.id, mode]);
        return JSON.parse(stdout) as { ms: number; rssGrowthMb: number; entries: number; requests: number };
      };
      const streaming = await listIn("stream");
      const oneShot = await listIn("one-shot");
      // The same listing when ZITADEL returns rows in a new order per query: the pages leave gaps, the snapshot fills them.
      await emulator.quirks({ listOrder: "changing" });
      const changing = await listIn("stream");
      await emulator.quirks({ listOrder: "storage" });
      lines.push(
        `list 100,000 entries (grpc, each in a fresh process): streaming list() ${streaming.ms.toFixed(0)} ms, ` +
          `peak RSS +${streaming.rssGrowthMb.toFixed(1)} MB, ${streaming.requests} requests, ${streaming.entries} entries; ` +
          `one ListUserMetadata with limit 0 ${oneShot.ms.toFixed(0)} ms, peak RSS +${oneShot.rssGrowthMb.toFixed(1)} MB, ` +
          `${oneShot.entries} entries; streaming takes ×${(streaming.ms / oneShot.ms).toFixed(2)} the time and ` +
          `×${(streaming.rssGrowthMb / oneShot.rssGrowthMb).toFixed(2)} the memory growth`,
        `list 100,000 entries with a new row order on every query (listOrder "changing"): exact list() ${changing.ms.toFixed(0)} ms, ` +
          `peak RSS +${changing.rssGrowthMb.toFixed(1)} MB, ${changing.requests} requests, ${changing.entries} entries; ` +
          `×${(changing.ms / streaming.ms).toFixed(2)} the time of the listing in storage order`,
      );
    }
    // The import and list lines print here; each later section prints when it is done.
    if (lines.length > 0) console.log(lines.join("\n"));

    if (wanted("per-call")) {
      console.log((await perCallOverhead({ url, token: admin.token, userId: idOf("per-call") })).join("\n"));
    }
    if (wanted("versions")) {
      const acme = emulator.ready.orgs.find((o) => o.name === "acme")!;
      const target = { url, token: admin.token, userIds: { v1: idOf("bulk-v1"), v2: idOf("bulk-v2") }, orgId: acme.id };
      console.log((await bulkVersions(target, ["grpc", "rest"], emulator.cpuMicros)).join("\n"));
    }
  } finally {
    emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
