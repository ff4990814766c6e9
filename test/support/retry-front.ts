// A server in front of the emulator that fails requests on cue, as a load
// balancer or proxy does, and passes the others on: HTTP/1.1 (grpc-web,
// connect, rest) and HTTP/2 with prior knowledge (grpc), on 127.0.0.1 port 0.
// For the client's retry tests; the emulator's own fault injection is another matter.
import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import type { AddressInfo } from "node:net";

/** What the front does with one request. */
export type Fault =
  /** A plain-text 503, as a proxy sends it. */
  | { kind: "status"; status: number; headers?: Record<string, string>; body?: string }
  /** The connection closed before the request reaches the emulator. */
  | { kind: "reset" }
  /** Passed on to the emulator, which applies it; then the connection closes instead of answering. */
  | { kind: "applied-then-reset" }
  /** An answer the test writes (e.g. a gRPC status with grpc-retry-pushback-ms). */
  | { kind: "custom"; respond: (res: http.ServerResponse | http2.ServerHttp2Stream, protocol: "http1" | "http2") => void };

export interface Front {
  /** Where the transports point: http://127.0.0.1:<port>. */
  url: string;
  /** The faults for the next requests, in order; once empty, requests go through. */
  faults: Fault[];
  /** A fault for every request (after the queue), or undefined to pass them on. */
  always: Fault | undefined;
  /** Each request's path and when it arrived (Date.now()). */
  seen: { path: string; at: number }[];
  close(): Promise<void>;
}

/** A front for HTTP/1.1 clients or for HTTP/2 clients (grpc), passing requests on to `target`. */
export async function startFront(target: string, version: "http1" | "http2"): Promise<Front> {
  const sockets = new Set<net.Socket>();
  const front: Front = {
    url: "",
    faults: [],
    always: undefined,
    seen: [],
    close: async () => {
      for (const s of sockets) s.destroy();
      upstream?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const next = (path: string): Fault | undefined => {
    front.seen.push({ path, at: Date.now() });
    return front.faults.shift() ?? front.always;
  };
  let upstream: http2.ClientHttp2Session | undefined;
  const upstreamSession = () => {
    if (!upstream || upstream.closed || upstream.destroyed) {
      upstream = http2.connect(target);
      upstream.on("error", () => undefined);
    }
    return upstream;
  };

  let server: net.Server;
  if (version === "http1") {
    server = http.createServer((req, res) => {
      req.on("error", () => undefined);
      res.on("error", () => undefined);
      const fault = next(req.url ?? "");
      if (fault?.kind === "reset") return void req.socket.destroy();
      if (fault?.kind === "status") {
        res.writeHead(fault.status, { "content-type": "text/plain", ...fault.headers });
        return void res.end(fault.body ?? `${fault.status} from the front`);
      }
      if (fault?.kind === "custom") return fault.respond(res, "http1");
      const out = http.request(target + (req.url ?? ""), { method: req.method, headers: req.headers }, (answer) => {
        if (fault?.kind === "applied-then-reset") {
          answer.resume();
          answer.on("end", () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on("error", () => req.socket.destroy());
      req.pipe(out);
    });
  } else {
    const h2 = http2.createServer();
    h2.on("session", (session) => session.on("error", () => undefined));
    h2.on("stream", (stream, headers) => {
      // A stream the client (or a destroyed session) ends early errors; that is the point of several tests.
      stream.on("error", () => undefined);
      const fault = next(String(headers[":path"]));
      if (fault?.kind === "reset") return void stream.session?.destroy();
      if (fault?.kind === "status") {
        stream.respond({ ":status": fault.status, "content-type": "text/plain", ...fault.headers });
        return void stream.end(fault.body ?? `${fault.status} from the front`);
      }
      if (fault?.kind === "custom") return fault.respond(stream, "http2");
      const { ":method": method, ":path": path, ":authority": _a, ":scheme": _s, ...rest } = headers;
      const out = upstreamSession().request({ ":method": method, ":path": path, ...rest });
      stream.pipe(out);
      out.on("error", () => stream.session?.destroy());
      let trailers: http2.IncomingHttpHeaders | undefined;
      out.on("trailers", (t) => {
        trailers = t;
      });
      out.on("response", (responseHeaders) => {
        if (fault?.kind === "applied-then-reset") {
          out.resume();
          out.on("end", () => stream.session?.destroy());
          return;
        }
        const { ":status": status, ...others } = responseHeaders;
        stream.respond({ ":status": status, ...others }, { waitForTrailers: true });
        stream.on("wantTrailers", () => {
          const { ...plain } = trailers ?? {};
          stream.sendTrailers(plain);
        });
        out.pipe(stream);
      });
    });
    server = h2;
  }
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  front.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return front;
}

/**
 * A server that accepts connections, reads what comes and never answers:
 * the hanging server of the deadline tests. `received` collects the bytes
 * (HTTP/1.1 requests are readable text).
 */
export async function startSilentServer(): Promise<{ url: string; received: () => string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const chunks: Buffer[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: () => Buffer.concat(chunks).toString("latin1"),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
