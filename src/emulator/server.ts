import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";

type Handler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => void;

/** Every HTTP/2 connection opens with this preface; HTTP/1.1 never does. */
const http2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export interface ListeningServer {
  readonly host: string;
  readonly port: number;
  /** Stops accepting, ends open connections, and resolves when all are gone. */
  close(): Promise<void>;
}

/**
 * Serves one handler over HTTP/1.1 and cleartext HTTP/2 (prior knowledge, as
 * gRPC clients and `buf curl --http2-prior-knowledge` use it) on one port.
 * Node's cleartext http2 server does not fall back to HTTP/1.1, so a plain
 * TCP server peeks at the first bytes of each connection and hands the socket
 * to whichever server speaks its protocol.
 */
export async function listen(handler: Handler, host: string, port: number): Promise<ListeningServer> {
  const h1 = http.createServer(handler);
  // Clients that send an HTTP/1.1 request with bad framing get a 400, not a crash.
  h1.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });
  const h2 = http2.createServer({}, handler);
  h2.on("sessionError", () => {});
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });

  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const n = Math.min(seen.length, http2Preface.length);
      const looksLikeHttp2 = seen.subarray(0, n).equals(http2Preface.subarray(0, n));
      if (looksLikeHttp2 && seen.length < http2Preface.length) return; // wait for the rest of the preface
      socket.off("data", onData);
      socket.pause();
      socket.unshift(seen);
      if (looksLikeHttp2) {
        // http2 reads what is buffered on the socket before taking over its handle.
        h2.emit("connection", socket);
      } else {
        h1.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", onData);
  });

  await new Promise<void>((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(port, host, () => {
      tcp.off("error", reject);
      resolve();
    });
  });
  const address = tcp.address() as net.AddressInfo;
  return {
    host,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        tcp.close(() => resolve());
        for (const s of sessions) s.close();
        for (const s of sockets) s.destroy();
      }),
  };
}
