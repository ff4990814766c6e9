// The emulator in its own process for benchmarks, so the client's memory is measured alone.
// Usage: node --import tsx bench/emulator-child.ts SEED_FILE
import { readFileSync } from "node:fs";
import { startEmulator } from "../src/emulator/index.js";

const seed = JSON.parse(readFileSync(process.argv[2]!, "utf8"));
const emulator = await startEmulator({ seed });
process.stdout.write(`${JSON.stringify(emulator.readyInfo())}\n`);
process.once("SIGTERM", () => void emulator.close().then(() => process.exit(0)));
