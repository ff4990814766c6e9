import { parseArgs } from "node:util";
import type { ZitadelProtocol } from "../transport/options.js";

/** Every command `zmeta` knows. */
export const commandNames = ["emulator", "demo", "help"] as const;
export type CommandName = (typeof commandNames)[number];

/** The protocols the demo can exercise, in table order. */
export const demoProtocols: readonly ZitadelProtocol[] = ["grpc", "grpc-web", "connect", "rest"];

/**
 * A real ZITADEL serves its v1 APIs over gRPC and gRPC-web only, so the demo
 * leaves Connect out there unless the user asks for it.
 */
const zitadelDefaultProtocols: readonly ZitadelProtocol[] = ["grpc", "grpc-web", "rest"];

export interface HelpCommand {
  command: "help";
  /** The command whose usage to show; undefined shows the overview. */
  topic: CommandName | undefined;
}

export interface EmulatorCommand {
  command: "emulator";
  host: string;
  port: number;
  /** Path of a JSON file of type EmulatorSeed. */
  seedFile: string | undefined;
}

/** Where the demo sends its calls. */
export type DemoTarget =
  | { kind: "emulator" }
  | { kind: "zitadel"; url: string; token: string; userId: string; orgId: string | undefined };

export interface DemoCommand {
  command: "demo";
  target: DemoTarget;
  protocols: ZitadelProtocol[];
}

export type ParsedCommand = HelpCommand | EmulatorCommand | DemoCommand;

export type ParseResult = { ok: true; value: ParsedCommand } | { ok: false; errorMessage: string };

type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string }>;

const helpOption: OptionSpec = { help: { type: "boolean", short: "h" } };

const emulatorOptions: OptionSpec = {
  ...helpOption,
  host: { type: "string" },
  port: { type: "string" },
  seed: { type: "string" },
};

const demoOptions: OptionSpec = {
  ...helpOption,
  url: { type: "string" },
  token: { type: "string" },
  user: { type: "string" },
  "org-id": { type: "string" },
  protocol: { type: "string" },
};

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Turns `zmeta`'s arguments (without node and the script path) into a
 * command. Pure: it reads the environment only through `env`, prints nothing
 * and never exits, so every rule here is testable without a process.
 */
export function parseCli(argv: readonly string[], env: Env = {}): ParseResult {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h") {
    return { ok: true, value: { command: "help", topic: undefined } };
  }
  if (first.startsWith("-")) {
    return usageError(undefined, `unknown option "${first}"; options go after the command, e.g. "zmeta emulator --port 0"`);
  }
  if (!isCommandName(first)) {
    return usageError(undefined, `unknown command "${first}"`);
  }
  switch (first) {
    case "help":
      return parseHelp(rest);
    case "emulator":
      return parseEmulator(rest);
    case "demo":
      return parseDemo(rest, env);
  }
}

function parseHelp(argv: string[]): ParseResult {
  const parsed = parseOptions("help", argv, helpOption, 1);
  if (!parsed.ok) return parsed;
  const topic = parsed.positionals[0];
  if (topic === undefined) return { ok: true, value: { command: "help", topic: undefined } };
  if (!isCommandName(topic)) return usageError(undefined, `unknown command "${topic}"`);
  return { ok: true, value: { command: "help", topic } };
}

function parseEmulator(argv: string[]): ParseResult {
  const parsed = parseOptions("emulator", argv, emulatorOptions, 0);
  if (!parsed.ok) return parsed;
  const { values } = parsed;
  if (values.help === true) return { ok: true, value: { command: "help", topic: "emulator" } };
  const host = stringValue(values.host) ?? "127.0.0.1";
  if (host === "") return usageError("emulator", '--host needs an interface address such as "127.0.0.1"');
  const portText = stringValue(values.port) ?? "8080";
  // Number("") and Number(" 80") would pass a looser check; a port is digits only.
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    return usageError("emulator", `--port must be a number from 0 to 65535 (0 picks a free port), got "${portText}"`);
  }
  return { ok: true, value: { command: "emulator", host, port, seedFile: stringValue(values.seed) } };
}

function parseDemo(argv: string[], env: Env): ParseResult {
  const parsed = parseOptions("demo", argv, demoOptions, 0);
  if (!parsed.ok) return parsed;
  const { values } = parsed;
  if (values.help === true) return { ok: true, value: { command: "help", topic: "demo" } };

  const url = stringValue(values.url) ?? nonEmpty(env.ZITADEL_URL);
  let target: DemoTarget;
  if (url === undefined) {
    // Flags that only make sense against a real ZITADEL are a mistake here;
    // stray environment variables are not, so they are ignored.
    const stray = ["token", "user", "org-id"].filter((name) => values[name] !== undefined);
    if (stray.length > 0) {
      const verb = stray.length === 1 ? "applies" : "apply";
      return usageError("demo", `${stray.map((s) => `--${s}`).join(", ")} only ${verb} together with --url (or ZITADEL_URL)`);
    }
    target = { kind: "emulator" };
  } else {
    try {
      const u = new URL(url);
      if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error("not http(s)");
    } catch {
      return usageError("demo", `--url must be an absolute http(s) URL such as "https://acme.zitadel.cloud", got "${url}"`);
    }
    const token = stringValue(values.token) ?? nonEmpty(env.ZITADEL_TOKEN);
    const userId = stringValue(values.user) ?? nonEmpty(env.ZITADEL_USER_ID);
    const missing = [
      token === undefined ? "--token (or ZITADEL_TOKEN)" : undefined,
      userId === undefined ? "--user (or ZITADEL_USER_ID)" : undefined,
    ].filter((m) => m !== undefined);
    if (token === undefined || userId === undefined) {
      return usageError("demo", `with --url it also needs ${missing.join(" and ")}`);
    }
    const orgId = stringValue(values["org-id"]) ?? nonEmpty(env.ZITADEL_ORG_ID);
    target = { kind: "zitadel", url, token, userId, orgId };
  }

  const protocolList = stringValue(values.protocol) ?? nonEmpty(env.ZITADEL_PROTOCOL);
  let protocols: ZitadelProtocol[];
  if (protocolList === undefined) {
    protocols = [...(target.kind === "emulator" ? demoProtocols : zitadelDefaultProtocols)];
  } else {
    const names = protocolList.split(",").map((p) => p.trim()).filter((p) => p !== "");
    const unknown = names.filter((p) => !demoProtocols.some((known) => known === p));
    if (names.length === 0 || unknown.length > 0) {
      return usageError(
        "demo",
        `--protocol takes a comma-separated list of ${demoProtocols.join(", ")}` +
          (unknown.length > 0 ? `; unknown: ${unknown.join(", ")}` : ""),
      );
    }
    // Keep the table's column order fixed whatever order the user typed.
    protocols = demoProtocols.filter((p) => names.includes(p));
  }
  return { ok: true, value: { command: "demo", target, protocols } };
}

type OptionValues = Record<string, string | boolean | undefined>;

/**
 * Runs parseArgs in its lenient mode and does the strict checks here, so that
 * each mistake becomes one short line naming the flag instead of Node's
 * multi-sentence parser messages.
 */
function parseOptions(
  command: CommandName,
  argv: string[],
  spec: OptionSpec,
  maxPositionals: number,
): { ok: true; values: OptionValues; positionals: string[] } | { ok: false; errorMessage: string } {
  const { values, positionals, tokens } = parseArgs({
    args: argv,
    options: spec,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
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
  }
  if (positionals.length > maxPositionals) {
    // The demo's stray word may well be a token whose flag was mistyped, so it is not echoed.
    const shown = command === "demo" ? "" : ` "${positionals[maxPositionals]}"`;
    const why = command === "help" ? "; give one command name" : "; every input is a --flag";
    return usageError(command, `unexpected argument${shown}${why}`);
  }
  return { ok: true, values, positionals };
}

function stringValue(v: string | boolean | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === "" ? undefined : v;
}

function isCommandName(name: string): name is CommandName {
  return commandNames.some((c) => c === name);
}

/** One line: what was wrong, and where the usage that fixes it is. */
function usageError(command: CommandName | undefined, problem: string): { ok: false; errorMessage: string } {
  const name = command === undefined || command === "help" ? "zmeta" : `zmeta ${command}`;
  return { ok: false, errorMessage: `${name}: ${problem} (see "${name} --help")` };
}
