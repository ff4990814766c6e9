import { parseArgs } from "node:util";

/** One command's flags, in node:util parseArgs' shape. */
export type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export type UsageError = { ok: false; errorMessage: string };

export type Env = Readonly<Record<string, string | undefined>>;

export const helpOption: OptionSpec = { help: { type: "boolean", short: "h" } };

export interface ParseOptionsSettings {
  /** How many positional arguments the command takes at most. */
  maxPositionals: number;
  /**
   * Whether a surplus positional may be quoted back. Not where it may be a
   * secret whose flag was mistyped ("--tokn abc" leaves "abc" as a positional).
   */
  echoPositionals: boolean;
  /** Why positionals are not welcome, when they are not. */
  positionalsHint?: string;
  /**
   * For commands whose positionals may start with "-" (a KEY, a VALUE, a
   * FILE): how to pass one, added to the message about an unknown option,
   * e.g. 'a KEY or VALUE that starts with "-" goes last, after "--": zmeta set --user ID KEY -- -5'.
   */
  dashHint?: string;
  /** Flags this command does not take, each with the message that says why and what to do instead (e.g. --json where output is JSON already). */
  refused?: Readonly<Record<string, string>>;
}

/**
 * Runs parseArgs in its lenient mode and does the strict checks here, so that
 * each mistake becomes one short line naming the flag instead of Node's
 * multi-sentence parser messages.
 */
export function parseOptions(
  command: string | undefined,
  argv: readonly string[],
  spec: OptionSpec,
  settings: ParseOptionsSettings,
): { ok: true; values: OptionValues; positionals: string[] } | UsageError {
  const { values, positionals, tokens } = parseArgs({
    args: [...argv],
    options: spec,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const raw = argv[token.index] ?? token.rawName;
    if (!raw.startsWith("--") && raw.length > 2) {
      // "-u123" or "-hu": getopt would read them, but "-fu" is then --file "u"; one spelling is clearer.
      const short = shortFlags(spec).get(raw[1] ?? "");
      if (short !== undefined) {
        const shown = settings.echoPositionals ? raw : `-${raw[1]}…`;
        return usageError(
          command,
          `write short flags apart, each with its value after a space ("-${raw[1]} …" is ${short}), not "${shown}"${dashHintOf(settings)}`,
        );
      }
      return unknownOption(command, raw, settings);
    }
    const def = spec[token.name];
    if (def === undefined) {
      const refusal = settings.refused?.[token.name];
      if (refusal !== undefined && token.rawName.startsWith("--")) return usageError(command, refusal);
      return unknownOption(command, raw, settings);
    }
    if (def.type === "boolean" && token.value !== undefined) {
      return usageError(command, `option "${token.rawName}" takes no value`);
    }
    if (def.type === "string") {
      // parseArgs would take the next flag as the value ("--seed --port 0", "--file -u 1").
      const swallowedFlag = !token.inlineValue && token.value !== undefined && isFlagOf(spec, token.value);
      if (token.value === undefined || swallowedFlag) {
        return usageError(command, `option "${token.rawName}" needs a value`);
      }
    }
    // Without this the last one would silently win, e.g. of two --token flags.
    if (def.multiple !== true && seen.has(token.name)) {
      return usageError(command, `option "--${token.name}" is given twice`);
    }
    seen.add(token.name);
  }
  if (positionals.length > settings.maxPositionals) {
    const shown = settings.echoPositionals ? ` "${positionals[settings.maxPositionals]}"` : "";
    const why = settings.positionalsHint === undefined ? "" : `; ${settings.positionalsHint}`;
    return usageError(command, `unexpected argument${shown}${why}`);
  }
  return { ok: true, values, positionals };
}

/** Short letter → "--long", for the flags that have one. */
export function shortFlags(spec: OptionSpec): Map<string, string> {
  const shorts = new Map<string, string>();
  for (const [name, def] of Object.entries(spec)) if (def.short !== undefined) shorts.set(def.short, `--${name}`);
  return shorts;
}

/** Whether an argument is one of the command's own flags ("--port", "--port=1", "-u"). */
function isFlagOf(spec: OptionSpec, arg: string): boolean {
  if (arg.startsWith("--")) return spec[arg.slice(2).split("=")[0] ?? ""] !== undefined;
  return arg.length === 2 && arg.startsWith("-") && shortFlags(spec).has(arg[1] ?? "");
}

/**
 * An argument that starts with "-" and is no flag of the command. Where the
 * command takes a KEY, VALUE or FILE and the argument is not shaped like a
 * long flag, it may be one of those, so the message says how to pass it:
 * after "--", which ends the flags. A command whose
 * arguments may be secrets (set's VALUE) does not quote a single-dash one back.
 */
function unknownOption(command: string | undefined, raw: string, settings: ParseOptionsSettings): UsageError {
  const name = raw.startsWith("--") ? raw.split("=")[0]! : raw;
  const shown = raw.startsWith("--") || settings.echoPositionals ? `"${name}"` : '"-…" (not quoted back: it may be the VALUE)';
  // "--rate" on get is a flag in the wrong place far more often than a KEY; "-5" or "-draft" may well be one.
  const looksLikeFlag = /^--[a-z][a-z0-9-]*(=|$)/i.test(raw);
  return usageError(command, `unknown option ${shown}${looksLikeFlag ? "" : dashHintOf(settings)}`);
}

function dashHintOf(settings: ParseOptionsSettings): string {
  return settings.dashHint === undefined ? "" : `; ${settings.dashHint}`;
}

export function stringValue(v: OptionValues[string]): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function stringList(v: OptionValues[string]): string[] {
  if (typeof v === "string") return [v];
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];
}

/** An environment variable's value; an empty one counts as unset, as shells make that easy by accident. */
export function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === "" ? undefined : v;
}

/** One line: what was wrong, and where the usage that fixes it is. */
export function usageError(command: string | undefined, problem: string): UsageError {
  const name = command === undefined || command === "help" ? "zmeta" : `zmeta ${command}`;
  return { ok: false, errorMessage: `${name}: ${problem} (see "${name} --help")` };
}

/**
 * The longest delay Node's timers take (2^31 - 1 ms, about 24.8 days): a
 * longer one fires at once, so a deadline beyond it would fail every call.
 */
export const maxTimerMs = 2_147_483_647;

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration such as "90", "1500ms", "15m" or "12h", in milliseconds; a
 * bare number is in `bareUnit`. Undefined for anything else, including zero.
 */
export function parseDuration(text: string, bareUnit: "ms" | "s"): number | undefined {
  const match = /^(\d{1,12})(ms|s|m|h)?$/.exec(text);
  if (match === null) return undefined;
  const factor = durationUnits[match[2] ?? bareUnit] ?? 1;
  const ms = Number(match[1]) * factor;
  return ms > 0 && Number.isSafeInteger(ms) ? ms : undefined;
}
