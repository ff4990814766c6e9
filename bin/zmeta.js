#!/usr/bin/env node
// Launcher for the `zmeta` command. The CLI is TypeScript compiled into dist/
// by `npm run build` (run by `prepare` on npm install).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/esm/src/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  process.stderr.write(`zmeta: ${fileURLToPath(entry)} is missing; run \`npm run build\` in ${root} first.\n`);
  process.exit(1);
}
// `zmeta list | head` closes the pipe early: that is the reader's choice, not
// an error to report with a stack trace, so stop quietly as other tools do.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});
const { main } = await import(entry.href);
const code = await main(process.argv.slice(2));
process.exitCode = code;
// The command is done when main returns. Exit once stdout and stderr have
// flushed (they may still be draining into a pipe) rather than wait for the
// event loop to empty: connect-node can keep an HTTP/2 session referenced
// after calls that met an HTTP error (a proxy's 429 over gRPC), and a
// finished command must not hang on it.
const flushed = (stream) => new Promise((resolve) => stream.write("", () => resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
