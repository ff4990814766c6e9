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
}

/** The real process's streams and environment. */
export const processIo: CliIo = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
  env: process.env,
};
