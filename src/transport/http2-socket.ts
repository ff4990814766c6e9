// The socket under an HTTP/2 client session, opened here rather than inside
// node:http2, so that the session manager can destroy it.
//
// Why: a ClientHttp2Session destroyed while its socket is still connecting
// does not destroy that socket (Node 20 and 24 alike). For a host that drops
// SYNs (a firewall, a host that is down) the socket then goes on connecting
// until the kernel gives up, about two minutes on Linux, and holds the
// process all that time: a script whose call failed at its deadline did not
// exit for two minutes more. node:http2 refuses to hand out its socket
// (ERR_HTTP2_NO_SOCKET_MANIPULATION), but it takes one from createConnection.
//
// The socket is the caller's createConnection's when nodeOptions has one;
// otherwise it is opened the way node:http2's connect() opens it: plain TCP
// for http:, TLS offering only "h2" (with the host name as SNI unless it is an
// IP address) for https:. Node only.
import * as net from "node:net";
import * as tls from "node:tls";
import type * as http2 from "node:http2";
import type { Duplex } from "node:stream";

type SessionOptions = http2.ClientSessionOptions | http2.SecureClientSessionOptions;

/** The createConnection node:http2 calls, and the socket it returned (once it was called). */
export interface OwnedSocket {
  createConnection: (authority: URL, options: SessionOptions) => Duplex;
  /** Destroys the socket, connected or not. */
  destroy(): void;
}

/** A createConnection for http2.connect that keeps the socket it opens. */
export function ownedSocket(nodeOptions: SessionOptions | undefined): OwnedSocket {
  let socket: Duplex | undefined;
  const open = nodeOptions?.createConnection ?? openLikeNode;
  return {
    createConnection: (authority, options) => {
      socket = open(authority, options);
      return socket;
    },
    destroy: () => socket?.destroy(),
  };
}

function openLikeNode(authority: URL, options: SessionOptions): Duplex {
  const host = authority.hostname.startsWith("[") ? authority.hostname.slice(1, -1) : authority.hostname || "localhost";
  const port = Number(authority.port || (authority.protocol === "http:" ? 80 : 443));
  if (authority.protocol === "http:") return net.connect({ port, host, ...options });
  const secure: tls.ConnectionOptions = { ...(options as http2.SecureClientSessionOptions), ALPNProtocols: ["h2"] };
  if (!secure.servername && net.isIP(host) === 0) secure.servername = host;
  return tls.connect(port, host, secure);
}
