// Turning .proto comments into Markdown that renders as written: the text
// outside `code spans` has its HTML characters escaped, table cells are kept
// on one line, and anchors are explicit so links do not depend on how a
// Markdown renderer derives heading ids.

/** A comment as source lines: the comment markers' one space removed, blank lines at both ends dropped. */
export function commentLines(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  const lines = raw.split("\n").map((line) => (line.startsWith(" ") ? line.slice(1) : line).trimEnd());
  while (lines.length > 0 && lines[0] === "") lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** A comment as Markdown paragraphs, for the text under a heading. */
export function commentBlock(raw: string | undefined): string {
  return commentLines(raw).map(escapeText).join("\n");
}

/** A comment as the contents of one table cell: its lines joined, paragraphs separated by <br>, pipes escaped. */
export function commentCell(raw: string | undefined): string {
  const paragraphs: string[][] = [[]];
  for (const line of commentLines(raw)) {
    if (line === "") paragraphs.push([]);
    else paragraphs[paragraphs.length - 1]!.push(line.trim());
  }
  return cell(
    paragraphs
      .filter((p) => p.length > 0)
      .map((p) => escapeText(p.join(" ")))
      .join("<br><br>"),
  );
}

/** Markdown for a table cell: a pipe would end the cell, so it is escaped (also inside code spans, as GFM requires). */
export function cell(markdown: string): string {
  return markdown.replaceAll("|", "\\|");
}

/** Escapes <, > and & outside `code spans`, so a comment such as "zitadel.<x>.v1" is shown, not parsed as HTML. */
export function escapeText(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")))
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
