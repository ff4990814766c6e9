import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Interceptor } from "@connectrpc/connect";
import type { ZitadelProtocol } from "../src/index.js";
import { createZitadelTransport } from "../src/index.js";

/** A child process that talks in lines on stdin/stdout (the benchmarks' emulators), and a way to wait for its next line. */
export function spawnLineChild(script: string, args: string[]): { child: ChildProcess; nextLine: () => Promise<string> } {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { stdio: ["pipe", "pipe", "inherit"] });
  const output = createInterface({ input: child.stdout! });
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const exited = (code: number | null) => reject(new Error(`the emulator exited with ${code}`));
      child.once("exit", exited);
      output.once("line", (line) => {
        child.off("exit", exited);
        resolve(line);
      });
    });
  return { child, nextLine };
}

/** A transport that counts the requests it sends. */
export function countedTransport(url: string, token: string, protocol: ZitadelProtocol) {
  let requests = 0;
  const count: Interceptor = (next) => (req) => {
    requests++;
    return next(req);
  };
  const transport = createZitadelTransport({ baseUrl: url, protocol, auth: token, interceptors: [count] });
  return { transport, requests: () => requests };
}
