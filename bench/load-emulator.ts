// The emulator in its own process for the load test (bench/load.ts), so the
// client's heap is measured alone and the two do not share one event loop.
// Usage: node --import tsx bench/load-emulator.ts SEED_FILE PREFIX
// Prints the ready line ({"url","orgs","users"}), then answers each "dump" on
// stdin with one JSON line: every stored entry whose key starts with PREFIX,
// as { "user:<id>" | "org:<id>": { key: base64 value } }.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { startEmulator } from "../src/emulator/index.js";

const seed = JSON.parse(readFileSync(process.argv[2]!, "utf8"));
const prefix = process.argv[3] ?? "";
const emulator = await startEmulator({ seed });
process.stdout.write(`${JSON.stringify(emulator.readyInfo())}\n`);

function dump(): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  const add = (owner: string, metadata: ReadonlyMap<string, { value: Uint8Array }>) => {
    for (const [key, entry] of metadata) {
      if (!key.startsWith(prefix)) continue;
      (out[owner] ??= {})[key] = Buffer.from(entry.value).toString("base64");
    }
  };
  for (const [id, user] of emulator.store.users) add(`user:${id}`, user.metadata);
  for (const [id, org] of emulator.store.orgs) add(`org:${id}`, org.metadata);
  return out;
}

createInterface({ input: process.stdin }).on("line", (line) => {
  if (line === "dump") process.stdout.write(`${JSON.stringify(dump())}\n`);
  else process.stdout.write(`${JSON.stringify({ error: `unknown command ${JSON.stringify(line.slice(0, 40))}` })}\n`);
});
// The parent going away (stdin closed) ends this process too.
process.stdin.once("end", () => void emulator.close().then(() => process.exit(0)));
process.once("SIGTERM", () => void emulator.close().then(() => process.exit(0)));
