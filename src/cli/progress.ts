import { SingleBar } from "cli-progress";
import type { CliIo } from "./io.js";

/** A progress bar on stderr, or nothing at all when stderr is not a terminal. */
export interface Progress {
  /** Moves the bar by n units, and replaces the detail shown after the count. */
  advance(n: number, detail?: string): void;
  /** Changes what the bar counts towards. */
  setTotal(total: number): void;
  /** Removes the bar; call it before printing the summary, and on failure. */
  stop(): void;
}

const silent: Progress = { advance() {}, setTotal() {}, stop() {} };

export interface ProgressOptions {
  label: string;
  /** What the bar counts, e.g. "entries". */
  unit: string;
  total: number;
  /** Shown after the count, e.g. "2400 entries" while the bar counts users. */
  detail?: string;
}

/**
 * Starts a bar such as `import [████░░░░] 42% | 4200/10000 entries | 3s`.
 * Only on a terminal: in a pipe or a log file, redrawn lines are noise.
 */
export function startProgress(io: CliIo, options: ProgressOptions): Progress {
  const stream = io.terminal;
  if (stream === undefined) return silent;
  const bar = new SingleBar({
    stream,
    format:
      `${options.label} [{bar}] {percentage}% | {value}/{total} ${options.unit}` +
      (options.detail === undefined ? "" : " | {detail}") +
      " | {duration_formatted}",
    barCompleteChar: "█",
    barIncompleteChar: "░",
    barsize: 30,
    hideCursor: true,
    // The summary line takes its place.
    clearOnComplete: true,
    fps: 10,
  });
  bar.start(options.total, 0, { detail: options.detail ?? "" });
  let stopped = false;
  return {
    advance: (n, detail) => bar.increment(n, detail === undefined ? undefined : { detail }),
    setTotal: (total) => bar.setTotal(total),
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
