/**
 * Where a command writes and what it reads from its environment. Commands
 * take this instead of touching `process` so their output can be captured.
 */
export interface CliIo {
  /** Writes one line (a newline is added) to standard output: results only. */
  out(line: string): void;
  /** Writes one line to standard error: logs, progress and errors. */
  err(line: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Standard output as a stream, for bytes and for long outputs that must wait for the reader (see {@link write}). */
  readonly stdout: NodeJS.WritableStream;
  /** Standard input, for `set` and `import`. */
  readonly stdin: NodeJS.ReadableStream;
  /** Whether standard input is a terminal, i.e. nobody piped anything into it. */
  readonly stdinIsTTY: boolean;
  /** Standard error when it is a terminal, the only place progress bars are drawn; undefined otherwise. */
  readonly terminal: NodeJS.WriteStream | undefined;
}

/** Exit codes of every command. */
export const exitCodes = {
  ok: 0,
  /** The command failed: ZITADEL refused, the network failed, a value could not be shown as asked. */
  failure: 1,
  /** The command line or its input (a file, stdin, an environment variable) was wrong; nothing was written. */
  usage: 2,
  /** The key (or the user's metadata) does not exist. */
  notFound: 3,
} as const;

/** The real process's streams and environment; stdin is touched only when a command reads it. */
export const processIo: CliIo = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
  env: process.env,
  get stdout() {
    return process.stdout;
  },
  get stdin() {
    return process.stdin;
  },
  get stdinIsTTY() {
    return process.stdin.isTTY === true;
  },
  get terminal() {
    return process.stderr.isTTY === true ? process.stderr : undefined;
  },
};

/**
 * Writes a chunk and resolves once the stream wants more, so a long listing
 * into a slow pipe waits for the reader instead of piling up in memory.
 * Rejects if the stream fails or closes first.
 */
export function write(stream: NodeJS.WritableStream, chunk: string | Uint8Array): Promise<void> {
  if (stream.write(chunk)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      stream.off("drain", onDrain);
      stream.off("error", onError);
      stream.off("close", onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onDrain = () => settle();
    const onError = (error: Error) => settle(error);
    const onClose = () => settle(new Error("the output was closed"));
    stream.on("drain", onDrain);
    stream.on("error", onError);
    stream.on("close", onClose);
  });
}

/**
 * Reads a stream to its end, or undefined as soon as it holds more than
 * maxBytes: an accidental `zmeta set … < huge.iso` should not fill memory.
 */
export async function readAll(stream: NodeJS.ReadableStream, maxBytes: number): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > maxBytes) return undefined;
    chunks.push(buffer);
  }
  const all = Buffer.concat(chunks);
  return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
}
