import type { CommandName, CompletionShell } from "./args.js";
import { commandNames, commandOptionSpecs, completionShells, errorLanguages, listOrders } from "./args.js";
import { apiNames, protocols } from "./connection-args.js";
import type { OptionSpec } from "./parse-options.js";
import { valueFormats } from "./value-format.js";

/** What a flag's value completes to: nothing (a boolean), nothing guessable (an id, a token), a file, or one of a few words. */
export type FlagValue = { kind: "none" } | { kind: "free" } | { kind: "file" } | { kind: "choice"; words: readonly string[] };

export interface CompletedFlag {
  /** "--format". */
  long: string;
  /** "-u", for the few flags that have one. */
  short: string | undefined;
  value: FlagValue;
}

/** What a command's positional arguments complete to. */
export type PositionalValue = { kind: "none" } | { kind: "file" } | { kind: "choice"; words: readonly string[] };

export interface CompletedCommand {
  name: CommandName;
  flags: CompletedFlag[];
  positionals: PositionalValue;
}

/** The flags whose value is a path (--ca among them wherever a command has it). */
const fileFlags: ReadonlySet<string> = new Set(["file", "key-file", "seed", "users-file", "out", "ca"]);

/** The words a flag takes, from the lists its parser checks against. */
function choicesOf(command: CommandName, flag: string): readonly string[] | undefined {
  switch (flag) {
    case "format":
      // list has no line structure for raw bytes, and refuses it.
      return command === "list" ? valueFormats.filter((f) => f !== "raw") : valueFormats;
    case "api":
      return apiNames;
    case "protocol":
      return protocols;
    case "list-order":
      return listOrders;
    case "error-language":
      return errorLanguages;
    default:
      return undefined;
  }
}

const positionals: Partial<Record<CommandName, PositionalValue>> = {
  help: { kind: "choice", words: commandNames },
  completion: { kind: "choice", words: completionShells },
  import: { kind: "file" },
};

/** Every command with its flags, read from the parsers' own option table. */
export function completionModel(): CompletedCommand[] {
  return commandNames.map((name) => ({
    name,
    flags: flagsOf(name, commandOptionSpecs[name]),
    positionals: positionals[name] ?? { kind: "none" },
  }));
}

function flagsOf(command: CommandName, spec: OptionSpec): CompletedFlag[] {
  return Object.entries(spec).map(([name, def]) => {
    const words = choicesOf(command, name);
    const value: FlagValue =
      def.type === "boolean" ? { kind: "none" } : words !== undefined ? { kind: "choice", words } : fileFlags.has(name) ? { kind: "file" } : { kind: "free" };
    return { long: `--${name}`, short: def.short === undefined ? undefined : `-${def.short}`, value };
  });
}

/** The script that makes `shell` complete zmeta's commands, flags and their values. */
export function completionScript(shell: CompletionShell): string {
  const model = completionModel();
  switch (shell) {
    case "bash":
      return bashScript(model);
    case "zsh":
      return zshScript(model);
    case "fish":
      return fishScript(model);
  }
}

/** Every word here is a flag, a command or a fixed value: letters, digits, "-", "," and "."; nothing to quote. */
const words = (list: readonly string[]) => list.join(" ");

const flagNames = (flag: CompletedFlag) => (flag.short === undefined ? [flag.long] : [flag.short, flag.long]);

function bashScript(model: CompletedCommand[]): string {
  const branch = (cmd: CompletedCommand) => {
    const free = cmd.flags.filter((f) => f.value.kind === "free").flatMap(flagNames);
    const valueCases = [
      ...cmd.flags.flatMap((f) =>
        f.value.kind === "choice"
          ? [`          ${flagNames(f).join("|")}) _zmeta_words "${words(f.value.words)}"; return 0 ;;`]
          : f.value.kind === "file"
            ? [`          ${flagNames(f).join("|")}) _zmeta_files; return 0 ;;`]
            : [],
      ),
      // An id, a URL, a token: nothing to offer, and no flag either.
      ...(free.length === 0 ? [] : [`          ${free.join("|")}) return 0 ;;`]),
    ];
    const positional =
      cmd.positionals.kind === "choice"
        ? `      _zmeta_words "${words(cmd.positionals.words)}"`
        : cmd.positionals.kind === "file"
          ? "      _zmeta_files"
          : "      :";
    return [
      `    ${cmd.name})`,
      "      if (( ! ended )); then",
      ...(valueCases.length === 0 ? [] : ['        case "$flag" in', ...valueCases, "        esac"]),
      // Where no argument can be guessed, an empty word offers the flags too.
      `        if [[ "$cur" == -*${cmd.positionals.kind === "none" ? ' || -z "$cur"' : ""} ]]; then _zmeta_words "${words(cmd.flags.flatMap(flagNames))}"; return 0; fi`,
      "      fi",
      positional,
      "      ;;",
    ].join("\n");
  };
  return `# bash completion for zmeta, written by "zmeta completion bash" from zmeta's own option table.
# This shell:   source <(zmeta completion bash)
# Every shell:  zmeta completion bash > ~/.local/share/bash-completion/completions/zmeta
_zmeta_words() { mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur"); }
_zmeta_files() { compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur"); }
_zmeta() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" flag="" cmd="\${COMP_WORDS[1]}" ended=0 i
  COMPREPLY=()
  if (( COMP_CWORD <= 1 )); then _zmeta_words "${words(commandNames)}"; return 0; fi
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  # bash splits "--flag=value" at "=", so the flag is one or two words back.
  if [[ "$cur" == "=" ]]; then flag="$prev"; cur=""
  elif [[ "$prev" == "=" ]]; then flag="\${COMP_WORDS[COMP_CWORD-2]}"
  else flag="$prev"; fi
  # After "--" every word is an argument, never a flag.
  for (( i = 2; i < COMP_CWORD; i++ )); do [[ "\${COMP_WORDS[i]}" == "--" ]] && ended=1; done
  case "$cmd" in
${model.map(branch).join("\n")}
  esac
  return 0
}
complete -F _zmeta zmeta
`;
}

function zshScript(model: CompletedCommand[]): string {
  const branch = (cmd: CompletedCommand) => {
    const free = cmd.flags.filter((f) => f.value.kind === "free").flatMap(flagNames);
    const valueCases = [
      ...cmd.flags.flatMap((f) =>
        f.value.kind === "choice"
          ? [`          (${flagNames(f).join("|")}) compadd -- ${words(f.value.words)}; return ;;`]
          : f.value.kind === "file"
            ? [`          (${flagNames(f).join("|")}) _files; return ;;`]
            : [],
      ),
      ...(free.length === 0 ? [] : [`          (${free.join("|")}) _message 'a value'; return ;;`]),
    ];
    const positional =
      cmd.positionals.kind === "choice"
        ? `      compadd -- ${words(cmd.positionals.words)}`
        : cmd.positionals.kind === "file"
          ? "      _files"
          : "      return 1";
    return [
      `    (${cmd.name})`,
      "      if (( ! ended )); then",
      ...(valueCases.length === 0 ? [] : ["        case $flag in", ...valueCases, "        esac"]),
      `        if [[ $cur == -*${cmd.positionals.kind === "none" ? " || -z $cur" : ""} ]]; then compadd -- ${words(cmd.flags.flatMap(flagNames))}; return; fi`,
      "      fi",
      positional,
      "      ;;",
    ].join("\n");
  };
  return `#compdef zmeta
# zsh completion for zmeta, written by "zmeta completion zsh" from zmeta's own option table.
# This shell (after compinit):  source <(zmeta completion zsh)
# Every shell:                  zmeta completion zsh > "\${fpath[1]}/_zmeta"
_zmeta() {
  local cur=\${words[CURRENT]} flag=\${words[CURRENT-1]} cmd=\${words[2]} ended=0 i
  if (( CURRENT <= 2 )); then compadd -- ${words(commandNames)}; return; fi
  # "--flag=value": complete the value after the "=".
  if [[ $cur == --*=* ]]; then flag=\${cur%%=*}; compset -P '*='; cur=\${cur#*=}; fi
  # After "--" every word is an argument, never a flag.
  for (( i = 3; i < CURRENT; i++ )); do [[ \${words[i]} == -- ]] && ended=1; done
  case $cmd in
${model.map(branch).join("\n")}
  esac
}
if [[ \${funcstack[1]} == _zmeta ]]; then _zmeta "$@"; else compdef _zmeta zmeta; fi
`;
}

function fishScript(model: CompletedCommand[]): string {
  // One line per distinct flag, for all the commands that share it (the connection flags, say).
  const lines = new Map<string, CommandName[]>();
  const add = (line: string, command: CommandName) => lines.set(line, [...(lines.get(line) ?? []), command]);
  for (const cmd of model) {
    for (const f of cmd.flags) {
      const names = `${f.short === undefined ? "" : `-s ${f.short.slice(1)} `}-l ${f.long.slice(2)}`;
      const value = f.value.kind === "choice" ? ` -x -a '${words(f.value.words)}'` : f.value.kind === "file" ? " -r -F" : f.value.kind === "free" ? " -x" : "";
      add(`${names}${value}`, cmd.name);
    }
    if (cmd.positionals.kind === "choice") add(`-a '${words(cmd.positionals.words)}'`, cmd.name);
    if (cmd.positionals.kind === "file") add("-F", cmd.name);
  }
  const completions = [...lines].map(([line, commands]) => `complete -c zmeta -n '__zmeta_command ${words(commands)}' ${line}`);
  return `# fish completion for zmeta, written by "zmeta completion fish" from zmeta's own option table.
# This shell:   zmeta completion fish | source
# Every shell:  zmeta completion fish > ~/.config/fish/completions/zmeta.fish
function __zmeta_needs_command
    test (count (commandline -opc)) -eq 1
end
function __zmeta_command
    set -l words (commandline -opc)
    test (count $words) -ge 2; and contains -- $words[2] $argv
end
complete -c zmeta -f
complete -c zmeta -n __zmeta_needs_command -a '${words(commandNames)}'
${completions.join("\n")}
`;
}
