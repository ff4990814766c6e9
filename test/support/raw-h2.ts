// HTTP/2 frames written by hand on a plain TCP socket, for tests that must
// send what a well-behaved client library never would: bad frames, streams
// over the server's limit, floods of resets.
import * as net from "node:net";

export const frameType = { data: 0x0, headers: 0x1, rstStream: 0x3, settings: 0x4, ping: 0x6, goaway: 0x7, windowUpdate: 0x8 } as const;
export const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export function h2Frame(type: number, flags: number, streamId: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const out = Buffer.alloc(9 + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(streamId & 0x7fffffff, 5);
  out.set(payload, 9);
  return out;
}

/** An HPACK integer with an n-bit prefix (RFC 7541 §5.1). */
function hpackInt(value: number, prefixBits: number, firstByte = 0): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [firstByte | value];
  const out = [firstByte | max];
  value -= max;
  while (value >= 128) {
    out.push((value % 128) + 128);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

/** A header block of literal fields without indexing, new names, no Huffman coding. */
export function hpack(headers: [string, string][]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of headers) {
    const n = Buffer.from(name, "latin1");
    const v = Buffer.from(value, "latin1");
    parts.push(Buffer.from([0x00, ...hpackInt(n.length, 7)]), n, Buffer.from(hpackInt(v.length, 7)), v);
  }
  return Buffer.concat(parts);
}

export interface ReceivedFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/** A raw HTTP/2 client connection: sends the preface and an empty SETTINGS, acknowledges the server's SETTINGS, collects every frame. */
export class RawH2 {
  readonly frames: ReceivedFrame[] = [];
  closed = false;
  private buffered = Buffer.alloc(0);
  private readonly closedPromise: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on("error", () => {});
    this.closedPromise = new Promise((resolve) => socket.once("close", () => resolve()));
    void this.closedPromise.then(() => (this.closed = true));
    socket.on("data", (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 9) {
        const length = this.buffered.readUIntBE(0, 3);
        if (this.buffered.length < 9 + length) break;
        const f: ReceivedFrame = {
          type: this.buffered[3]!,
          flags: this.buffered[4]!,
          streamId: this.buffered.readUInt32BE(5) & 0x7fffffff,
          payload: this.buffered.subarray(9, 9 + length),
        };
        this.buffered = this.buffered.subarray(9 + length);
        this.frames.push(f);
        if (f.type === frameType.settings && (f.flags & 0x1) === 0 && !socket.destroyed) socket.write(h2Frame(frameType.settings, 0x1, 0));
      }
    });
  }

  static open(port: number, { sendPreface = true } = {}): Promise<RawH2> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        if (sendPreface) socket.write(Buffer.concat([preface, h2Frame(frameType.settings, 0, 0)]));
        resolve(new RawH2(socket));
      });
      socket.once("error", reject);
    });
  }

  write(bytes: Uint8Array): boolean {
    return this.socket.destroyed ? false : this.socket.write(bytes);
  }

  /** Resolves when the server has closed the connection, or after `ms` (then false). */
  async waitClosed(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
    const result = await Promise.race([this.closedPromise.then(() => true as const), timeout]);
    clearTimeout(timer);
    return result;
  }

  /** Waits until `pick` finds a frame, or `ms` have passed. */
  async waitFor(pick: (f: ReceivedFrame) => boolean, ms: number): Promise<ReceivedFrame | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.frames.find(pick);
      if (found || this.closed || Date.now() > deadline) return found;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The GOAWAY's error code, if the server sent one. */
  goawayCode(): number | undefined {
    const f = this.frames.find((x) => x.type === frameType.goaway);
    return f?.payload.readUInt32BE(4);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Request headers of a gRPC call, for {@link hpack}. */
export function grpcHeaders(port: number, path: string, token: string, contentType = "application/grpc"): [string, string][] {
  return [
    [":method", "POST"],
    [":scheme", "http"],
    [":path", path],
    [":authority", `127.0.0.1:${port}`],
    ["content-type", contentType],
    ["te", "trailers"],
    ["authorization", `Bearer ${token}`],
  ];
}
