// Benchmarks, run by hand with `npm run bench` (never part of `npm test`).
// The emulator runs in a child process, so the client's memory is measured alone.
// Every result is reported next to a reference measured in the same run,
// because absolute times on these shared machines are noise.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Interceptor } from "@connectrpc/connect";
import type { ZitadelProtocol } from "../src/index.js";
import { createManagementClient, createMetadataClient, createZitadelTransport } from "../src/index.js";

interface Ready {
  url: string;
  users: { id: string; userName: string; token: string }[];
}

const users = 50;
const entriesPerUser = 200; // 10,000 entries to import
const listEntries = 100_000;

async function startEmulatorProcess(seedFile: string) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "emulator", "--port", "0", "--seed", seedFile], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the emulator exited with ${code} before it was ready`)));
  });
  return { ready: JSON.parse(line) as Ready, stop: () => child.kill("SIGTERM") };
}

function clientFor(url: string, token: string, protocol: ZitadelProtocol) {
  let requests = 0;
  const count: Interceptor = (next) => (req) => {
    requests++;
    return next(req);
  };
  const transport = createZitadelTransport({ baseUrl: url, protocol, auth: token, interceptors: [count] });
  return { transport, requests: () => requests };
}

function entriesFor(user: number): [string, string][] {
  return Array.from({ length: entriesPerUser }, (_, i) => [`bench.${String(i).padStart(4, "0")}`, `value ${user}/${i} `.repeat(4)]);
}

/** Peak resident set size growth while `work` runs, sampled every 5 ms and at the end. */
async function measure<T>(work: () => Promise<T>): Promise<{ ms: number; rssGrowthMb: number; result: T }> {
  globalThis.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { ms, rssGrowthMb: (peak - baseline) / 2 ** 20, result };
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
      ],
    }),
  );
  const emulator = await startEmulatorProcess(seedFile);
  try {
    const { url } = emulator.ready;
    const admin = emulator.ready.users.find((u) => u.userName === "admin")!;
    const targets = emulator.ready.users.filter((u) => u.userName.startsWith("user"));
    const lines: string[] = [];

    for (const protocol of ["grpc", "rest"] as const) {
      // Reference: what people write by hand, one SetUserMetadata per entry.
      const naive = clientFor(url, admin.token, protocol);
      const mgmt = createManagementClient(naive.transport);
      const reference = await measure(async () => {
        for (const [u, target] of targets.entries()) {
          for (const [key, value] of entriesFor(u)) {
            await mgmt.setUserMetadata({ id: target.id, key: `naive.${key}`, value: new TextEncoder().encode(value) });
          }
        }
      });
      // Ours: setMany per user, four users at a time.
      const ours = clientFor(url, admin.token, protocol);
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

    // 100,000 entries on one user, then read them back two ways.
    const big = targets[0]!;
    const loader = createMetadataClient(clientFor(url, admin.token, "grpc").transport);
    await loader.user(big.id).setMany(
      Array.from({ length: listEntries }, (_, i) => [`list.${String(i).padStart(6, "0")}`, `entry number ${i}`] as const),
    );
    const stream = clientFor(url, admin.token, "grpc");
    const streaming = await measure(async () => {
      let n = 0;
      for await (const entry of createMetadataClient(stream.transport).user(big.id).list({ prefix: "list.", pageSize: 1000 })) {
        if (entry.key) n++;
      }
      return n;
    });
    const all = clientFor(url, admin.token, "grpc");
    const oneShot = await measure(async () => {
      const res = await createManagementClient(all.transport).listUserMetadata({
        id: big.id,
        query: { limit: 0, asc: true },
        queries: [{ query: { case: "keyQuery", value: { key: "list.", method: 2 } } }],
      });
      return res.result.length;
    });
    lines.push(
      `list 100,000 entries (grpc): streaming list() ${streaming.ms.toFixed(0)} ms, peak RSS +${streaming.rssGrowthMb.toFixed(1)} MB, ` +
        `${stream.requests()} requests, ${streaming.result} entries; one ListUserMetadata with limit 0 ` +
        `${oneShot.ms.toFixed(0)} ms, peak RSS +${oneShot.rssGrowthMb.toFixed(1)} MB, ${oneShot.result} entries; ` +
        `time ×${(streaming.ms / oneShot.ms).toFixed(2)}, memory ×${(streaming.rssGrowthMb / Math.max(oneShot.rssGrowthMb, 0.1)).toFixed(2)} of the one-shot call`,
    );
    console.log(lines.join("\n"));
  } finally {
    emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
