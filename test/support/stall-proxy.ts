// A TCP proxy on 127.0.0.1 in front of a server that can go silent, as a
// dead network path does: after stall() no byte passes on any connection,
// open or new, and nothing is closed; after resume() new connections pass
// again, while those that were stalled stay silent until a side gives up.
// For keep-alive tests: a client's PING on a stalled connection is never
// answered.
import * as net from "node:net";

export interface StallProxy {
  readonly url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startStallProxy(targetPort: number): Promise<StallProxy> {
  let stalled = false;
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const silenced = new WeakSet<net.Socket>();
  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(targetPort, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.once("close", () => sockets.delete(socket));
    }
    if (stalled) silenced.add(client);
    const pass = (from: net.Socket, to: net.Socket) => {
      from.on("data", (chunk) => {
        if (!silenced.has(client)) to.write(chunk);
      });
      from.once("end", () => to.end());
      from.once("close", () => to.destroy());
    };
    pass(client, upstream);
    pass(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return accepted;
    },
    stall() {
      stalled = true;
      for (const socket of sockets) silenced.add(socket);
    },
    resume() {
      stalled = false;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
