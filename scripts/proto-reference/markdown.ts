// Markdown pieces for the reference: text escaped so it renders as written,
// code spans, table cells kept on one line, and explicit anchors so links do
// not depend on how a Markdown renderer derives heading ids. Comments are
// turned into Markdown blocks in comment.ts.

/** Markdown for a table cell: a pipe would end the cell, so it is escaped (also inside code spans, as GFM requires). */
export function cell(markdown: string): string {
  return markdown.replaceAll("|", "\\|");
}

/** A letter or digit: an _ between two of them is inside a word. */
const wordChar = /[\p{L}\p{N}]/u;

/**
 * Plain text as Markdown that shows it as written. Outside `code spans`:
 * <, > and & become entities (a comment such as "zitadel.<x>.v1" is shown,
 * not parsed as HTML), and the characters Markdown gives a meaning inline are
 * backslash-escaped: the backslash itself, *, ~, a stray backtick, a ] that
 * a link or link definition would continue ("](", "][", "]:"; a lone [0]
 * or [...] links to nothing, since the document defines no references), and
 * _ except inside a word (where it never marks emphasis: user_id stays as it
 * is), so "(IAM_*) ... ORG_* roles" is not read as emphasis.
 */
export function escapeText(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part
            .replace(/[\\*~`]|\](?=[([:])/g, "\\$&")
            .replace(/_/g, (_, at: number, all: string) => (wordChar.test(all[at - 1] ?? "") && wordChar.test(all[at + 1] ?? "") ? "_" : "\\_"))
            .replaceAll("&", "&amp;")
            .replaceAll("<", "&lt;")
            .replaceAll(">", "&gt;"),
    )
    .join("");
}

/** Text as one inline code span, with a fence long enough for any backticks inside it. */
export function code(text: string): string {
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longestRun + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** The anchor id of a declaration: its full name (or file path), lower-cased, since some renderers match fragments that way. */
export function anchorId(fullName: string): string {
  return fullName.toLowerCase();
}

/** An explicit anchor to put on the line before a heading. */
export function anchor(fullName: string): string {
  return `<a id="${anchorId(fullName)}"></a>`;
}

/** A link to the anchor of a declaration in the same document. */
export function link(text: string, fullName: string): string {
  return `[${text}](#${anchorId(fullName)})`;
}

/** A GitHub-flavoured Markdown table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}
