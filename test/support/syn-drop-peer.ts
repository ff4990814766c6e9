// A port on 127.0.0.1 where a TCP connect never completes, as with a host
// behind a firewall that drops SYNs: a child process listens with a backlog
// of 1 and then never accepts (its event loop is blocked), the accept queue
// is filled with a few held connections, and from then on the kernel drops
// every SYN to the port. Checked on the way: a probe connect must still be
// pending after a while, or the helper throws rather than let a test pass
// against a port that answers.
import { spawn } from "node:child_process";
import * as net from "node:net";

export interface SynDropPeer {
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

const listener = `
const net = require("node:net");
const server = net.createServer();
server.listen({ host: "127.0.0.1", port: 0, backlog: 1 }, () => {
  process.stdout.write(server.address().port + "\\n");
  // Never accept again: the loop is blocked until the parent kills the process.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
});
`;

/** Whether a connect to the port completes within `ms`; the socket is kept when it does. */
function connectsWithin(port: number, ms: number, held: net.Socket[]): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.on("error", () => {});
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, ms);
    socket.once("connect", () => {
      clearTimeout(timer);
      held.push(socket);
      resolve(true);
    });
  });
}

export async function startSynDropPeer(): Promise<SynDropPeer> {
  const child = spawn(process.execPath, ["-e", listener], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("\n")) resolve(Number(out.trim()));
    });
    child.once("exit", (code) => reject(new Error(`the SYN-drop listener exited (${code}) before it listened`)));
  });
  const held: net.Socket[] = [];
  const close = async () => {
    for (const socket of held) socket.destroy();
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    }
  };
  // Fill the accept queue: connects complete until it is full, then they hang.
  for (let filled = 0; await connectsWithin(port, 1_000, held); filled++) {
    if (filled > 16) {
      await close();
      throw new Error(`port ${port} still accepts connects after ${filled} held ones: SYNs are not being dropped`);
    }
  }
  // A second probe, after longer: the port must still not complete a connect.
  if (await connectsWithin(port, 2_000, held)) {
    await close();
    throw new Error(`port ${port} completed a connect after its accept queue was full: SYNs are not being dropped`);
  }
  return { port, url: `http://127.0.0.1:${port}`, close };
}
