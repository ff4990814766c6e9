// The emulator in its own process for benchmarks, so the client's memory is measured alone.
// Usage: node --import tsx bench/emulator-child.ts SEED_FILE
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { startEmulator } from "../src/emulator/index.js";

const seed = JSON.parse(readFileSync(process.argv[2]!, "utf8"));
const emulator = await startEmulator({ seed });
process.stdout.write(`${JSON.stringify(emulator.readyInfo())}\n`);
// Each line on stdin is a JSON object of quirks to switch, e.g. {"listOrder":"changing"}, answered with "ok";
// or "cpu", answered with this process's CPU time so far in µs (user + system).
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line === "cpu") {
    const { user, system } = process.cpuUsage();
    process.stdout.write(`${user + system}\n`);
    return;
  }
  Object.assign(emulator.quirks, JSON.parse(line));
  process.stdout.write("ok\n");
});
process.once("SIGTERM", () => void emulator.close().then(() => process.exit(0)));
