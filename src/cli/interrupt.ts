import { constants as osConstants } from "node:os";

/** The signals that stop a command: Ctrl-C, a kill, a closed terminal. */
export const stopSignals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
export type StopSignal = (typeof stopSignals)[number];

/** The shell's exit status for a process ended by a signal: 128 plus its number (130, 143, 129). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (osConstants.signals[signal] ?? 0);
}

export interface Interruption {
  /** Aborted on the first stop signal: pass it to every call, so what is in flight stops at once. */
  readonly abortSignal: AbortSignal;
  /** The signal that came, if one did. */
  readonly signal: StopSignal | undefined;
  /** Stops listening (the command is done); later signals act as Node's default again. */
  stop(): void;
}

export interface InterruptOptions {
  /**
   * Runs synchronously as soon as the first signal arrives, before anything
   * else: restore the terminal here (stop the progress bar), so even a
   * process killed right afterwards leaves a usable terminal.
   */
  onSignal?: (signal: StopSignal) => void;
  /**
   * Runs synchronously just before a forced exit (a second signal, or the
   * command not winding down within `graceMs`): remove what must not stay
   * behind (a temporary file, key files). It must not throw.
   */
  onForcedExit?: () => void;
  /** How long the command may take to wind down after the first signal. Default 10 s. */
  graceMs?: number;
}

/**
 * Watches SIGINT, SIGTERM and SIGHUP for one command. The first one aborts
 * `abortSignal`; the command then stops its calls, reports how far it got and
 * returns {@link signalExitCode}. A second signal, or a command that has not
 * finished within the grace period, exits at once with the first signal's code.
 */
export function watchInterrupts(options: InterruptOptions = {}): Interruption {
  const controller = new AbortController();
  let received: StopSignal | undefined;
  const forceExit = (why: string) => {
    try {
      process.stderr.write(`zmeta: ${why}; exiting now\n`);
      options.onForcedExit?.();
    } finally {
      process.exit(signalExitCode(received ?? "SIGINT"));
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (received !== undefined) return forceExit(`${signal} while stopping after ${received}`);
    received = signal as StopSignal;
    try {
      options.onSignal?.(received);
    } finally {
      controller.abort(new Error(`interrupted by ${signal}`));
      // unref: a command that finishes in time ends the process as usual.
      const graceMs = options.graceMs ?? 10_000;
      setTimeout(() => forceExit(`still not stopped ${graceMs / 1000} s after ${signal}`), graceMs).unref();
    }
  };
  for (const s of stopSignals) process.on(s, onSignal);
  return {
    abortSignal: controller.signal,
    get signal() {
      return received;
    },
    stop() {
      // The grace timer stays: should a connection keep the process alive after the command returned, it still ends in time.
      for (const s of stopSignals) process.off(s, onSignal);
    },
  };
}
