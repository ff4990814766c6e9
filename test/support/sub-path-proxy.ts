// A reverse proxy on 127.0.0.1 that serves an emulator under a sub-path, as
// one in front of ZITADEL might: "/zitadel/x" goes to the emulator as "/x",
// with the client's Host header, over HTTP/1.1. It records every request it
// gets, and can answer OpenID discovery itself, as a proxy that knows its
// public address would have to.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface SubPathProxy {
  /** The proxy's origin, e.g. "http://127.0.0.1:41234". */
  origin: string;
  /** `origin` + the sub-path: the base URL clients use. */
  url: string;
  /** "METHOD /path" of every request the proxy received, in order. */
  seen: string[];
  close(): Promise<void>;
}

export interface SubPathProxyOptions {
  /** The sub-path, e.g. "/zitadel". */
  prefix: string;
  /** The emulator's base URL. */
  upstream: string;
  /** When set, the discovery document under the prefix comes from here instead of the emulator. */
  discovery?: (proxyUrl: string) => object;
}

export async function startSubPathProxy(options: SubPathProxyOptions): Promise<SubPathProxy> {
  const upstream = new URL(options.upstream);
  const seen: string[] = [];
  let url = "";
  const server = http.createServer((req, res) => {
    const target = req.url ?? "/";
    seen.push(`${req.method} ${target}`);
    if (!target.startsWith(`${options.prefix}/`)) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not under the prefix");
      return;
    }
    const path = target.slice(options.prefix.length);
    if (options.discovery && path === "/.well-known/openid-configuration") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(options.discovery(url)));
      return;
    }
    const forwarded = http.request(
      // A new connection each time (agent: false), so nothing lingers when the test closes both ends.
      { host: upstream.hostname, port: upstream.port, method: req.method, path, headers: req.headers, agent: false },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    forwarded.on("error", () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  url = `${origin}${options.prefix}`;
  return {
    origin,
    url,
    seen,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
