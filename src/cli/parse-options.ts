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
    const def = spec[token.name];
    if (def === undefined) return usageError(command, `unknown option "${token.rawName}"`);
    if (def.type === "boolean" && token.value !== undefined) {
      return usageError(command, `option "${token.rawName}" takes no value`);
    }
    if (def.type === "string") {
      // parseArgs would take the next flag as the value ("--seed --port 0").
      const swallowedFlag =
        !token.inlineValue && token.value !== undefined && token.value.startsWith("--") &&
        spec[token.value.slice(2).split("=")[0] ?? ""] !== undefined;
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
