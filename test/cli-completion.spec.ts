// `zmeta completion bash|zsh|fish`, printed by the built bin. bash (on every
// machine that runs the tests) completes for real: the script is sourced in
// bash, COMP_WORDS/COMP_CWORD are set as bash sets them, and COMPREPLY is
// read back. zsh and fish are not installed everywhere (CI has neither), so
// their scripts are checked for every command and flag of the option table;
// their syntax and behaviour were checked by hand (see README, "CLI").
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commandNames, commandOptionSpecs } from "../src/cli/args.js";
import { assertBuilt, lines, zmetaCli } from "./support/zmeta.js";

const { zmeta, run, killRunning } = zmetaCli({ timeoutMs: 60_000 });

let dir: string;
let bashScript: string;
beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), "zmeta-completion-"));
  const printed = await zmeta(["completion", "bash"]);
  expect([printed.code, printed.stderr]).toEqual([0, ""]);
  bashScript = join(dir, "zmeta.bash");
  await writeFile(bashScript, printed.out);
  await writeFile(join(dir, "backup.ndjson"), "");
  await writeFile(join(dir, "users.txt"), "");
});
afterAll(async () => {
  killRunning();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** What bash offers for the last of `words` (the word being completed), run in `dir`. */
async function complete(...words: string[]): Promise<string[]> {
  const res = await run("bash", [
    "-c",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash script; ${...} is bash's expansion, not JavaScript's.
    'cd "$1" && source "$2" && shift 2 && COMP_WORDS=("$@") && COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )) && _zmeta && printf "%s\\n" "${COMPREPLY[@]}"',
    "bash",
    dir,
    bashScript,
    ...words,
  ]);
  expect([res.code, res.stderr]).toEqual([0, ""]);
  return lines(res.out).sort();
}

/** Every flag of a command in the option table, as typed: "--user" and "-u". */
function flagsOf(command: (typeof commandNames)[number]): string[] {
  return Object.entries(commandOptionSpecs[command])
    .flatMap(([name, def]) => (def.short === undefined ? [`--${name}`] : [`--${name}`, `-${def.short}`]))
    .sort();
}

describe("zmeta completion bash", () => {
  it("completes commands, and each command's flags exactly as its parser takes them", async () => {
    expect(await complete("zmeta", "")).toEqual([...commandNames].sort());
    expect(await complete("zmeta", "li")).toEqual(["list"]);
    for (const command of commandNames) expect(await complete("zmeta", command, "-"), command).toEqual(flagsOf(command));
    expect(await complete("zmeta", "get", "--fo")).toEqual(["--format"]);
    expect(await complete("zmeta", "export", "--us")).toEqual(["--user", "--users-file"]);
  });

  it("completes flag values from the parsers' lists, file names where a flag takes a file, none where nothing can be guessed", async () => {
    expect(await complete("zmeta", "get", "--format", "")).toEqual(["base64", "json", "raw", "text"]);
    // list refuses --format raw, so it does not offer it.
    expect(await complete("zmeta", "list", "--format", "")).toEqual(["base64", "json", "text"]);
    // bash splits "--format=j" at "=".
    expect(await complete("zmeta", "get", "--format", "=", "j")).toEqual(["json"]);
    expect(await complete("zmeta", "list", "--api", "")).toEqual(["v1", "v2"]);
    expect(await complete("zmeta", "set", "--protocol", "grpc")).toEqual(["grpc", "grpc-web"]);
    expect(await complete("zmeta", "emulator", "--list-order", "")).toEqual(["changing", "storage"]);
    expect(await complete("zmeta", "set", "-u", "1", "k", "-f", "")).toEqual(["backup.ndjson", "users.txt", "zmeta.bash"]);
    expect(await complete("zmeta", "export", "--users-file", "u")).toEqual(["users.txt"]);
    expect(await complete("zmeta", "get", "--user", "")).toEqual([]);
  });

  it('completes positionals: commands after help, shells after completion, files for import; after "--" no flags', async () => {
    expect(await complete("zmeta", "help", "")).toEqual([...commandNames].sort());
    expect(await complete("zmeta", "completion", "")).toEqual(["bash", "fish", "zsh"]);
    expect(await complete("zmeta", "import", "b")).toEqual(["backup.ndjson"]);
    expect(await complete("zmeta", "set", "--user", "1", "k", "--", "--")).toEqual([]);
    // A command that takes no guessable argument offers its flags on an empty word.
    expect(await complete("zmeta", "list", "")).toEqual(flagsOf("list"));
  });
});

describe("zmeta completion zsh and fish", () => {
  it("zsh: a compdef function with every command and every flag of each", async () => {
    const res = await zmeta(["completion", "zsh"]);
    expect([res.code, res.stderr]).toEqual([0, ""]);
    expect(res.out.startsWith("#compdef zmeta\n")).toBe(true);
    expect(res.out).toContain(`compadd -- ${commandNames.join(" ")}`);
    for (const command of commandNames) {
      const branch = res.out.split(`    (${command})\n`)[1]?.split("\n      ;;")[0];
      expect(branch, command).toBeDefined();
      const offered = /compadd -- (.*); return; fi/
        .exec(branch ?? "")?.[1]
        ?.split(" ")
        .sort();
      expect(offered, command).toEqual(flagsOf(command));
    }
    expect(res.out).toContain("(--format) compadd -- text json base64 raw; return ;;");
    expect(res.out).toContain("(-f|--file) _files; return ;;");
    expect(res.out).toMatch(/compdef _zmeta zmeta; fi\n$/);
  });

  it("fish: a complete line for every flag of every command, values and files where they apply", async () => {
    const res = await zmeta(["completion", "fish"]);
    expect([res.code, res.stderr]).toEqual([0, ""]);
    const completions = lines(res.out).filter((l) => l.startsWith("complete -c zmeta -n '__zmeta_command "));
    for (const command of commandNames) {
      const forCommand = completions.filter((l) => (/__zmeta_command ([^']*)'/.exec(l)?.[1] ?? "").split(" ").includes(command));
      const offered = forCommand.flatMap((l) => {
        const long = / -l (\S+)/.exec(l)?.[1];
        const short = / -s (\S)/.exec(l)?.[1];
        return [...(long === undefined ? [] : [`--${long}`]), ...(short === undefined ? [] : [`-${short}`])];
      });
      expect(offered.sort(), command).toEqual(flagsOf(command));
    }
    expect(res.out).toContain(`complete -c zmeta -n __zmeta_needs_command -a '${commandNames.join(" ")}'`);
    expect(completions).toContainEqual(expect.stringMatching(/__zmeta_command set' -s f -l file -r -F$/));
    expect(completions).toContainEqual(expect.stringMatching(/__zmeta_command get set' -l format -x -a 'text json base64 raw'$/));
    expect(completions).toContainEqual(expect.stringMatching(/__zmeta_command import' -F$/));
  });

  it("an unknown shell or none exits 2, naming the shells", async () => {
    const none = await zmeta(["completion"]);
    expect([none.code, none.out, lines(none.stderr)]).toEqual([
      2,
      "",
      ['zmeta completion: name the shell: zmeta completion bash|zsh|fish (see "zmeta completion --help")'],
    ]);
    const tcsh = await zmeta(["completion", "tcsh"]);
    expect([tcsh.code, tcsh.out, lines(tcsh.stderr)]).toEqual([
      2,
      "",
      ['zmeta completion: no completion for "tcsh"; the shells are bash, zsh, fish (see "zmeta completion --help")'],
    ]);
  });
});
