// A .proto comment is plain text with a little structure: paragraphs split by
// blank lines, "- " lists whose items wrap onto lines indented under them
// (the Errors: list of every RPC), labelled lines such as "Organization:" and
// "Permission:" that each start a new part, and indented blocks such as code
// examples. Read as Markdown as it stands, the lines after a list would run
// into its last item and the labelled lines into one paragraph, so the
// comment is parsed into those blocks first and then written as Markdown that
// renders them: under a heading (commentMarkdown) or inside one table cell
// (commentCell, with <br> and <ul>, since a cell is one line).
import { cell, code, escapeText } from "./markdown.js";

/** One block of a comment: a paragraph (its source lines), a list (each item's own blocks), or preformatted lines. */
export type CommentBlock =
  | { readonly kind: "paragraph"; readonly lines: readonly string[] }
  | { readonly kind: "list"; readonly items: readonly (readonly CommentBlock[])[] }
  | { readonly kind: "preformatted"; readonly lines: readonly string[] };

/**
 * The labels that start a part of their own when they begin a line, even
 * without a blank line before them: the parts of an RPC comment that
 * scripts/check-proto-comments.js asks for (Organization:, Permission:,
 * Errors:), the REST: line after them, and the parts of a service comment.
 * Other "Word:" line starts (a wrapped "JSON: a decimal string.") stay in
 * their paragraph.
 */
export const partLabels = ["Organization", "Permission", "Errors", "REST", "Headers", "Protocols"] as const;

const labelPattern = new RegExp(`^(${partLabels.join("|")}):(?=\\s|$)`);
const bulletPattern = /^[-*+]\s+/;

interface Line {
  /** Columns of leading white space (a tab counts as four). */
  readonly indent: number;
  /** The line without its leading and trailing white space; "" for a blank line. */
  readonly text: string;
}

/** A comment as source lines: the comment markers' one space removed, blank lines at both ends dropped. */
export function commentLines(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  const lines = raw.split("\n").map((line) => (line.startsWith(" ") ? line.slice(1) : line).trimEnd());
  while (lines.length > 0 && lines[0] === "") lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** The comment's blocks, in order. */
export function parseComment(raw: string | undefined): CommentBlock[] {
  return parseBlocks(commentLines(raw).map(toLine));
}

function toLine(source: string): Line {
  const expanded = source.replace(/^[ \t]+/, (space) => space.replaceAll("\t", "    "));
  const text = expanded.trim();
  return { indent: text === "" ? 0 : expanded.length - expanded.trimStart().length, text };
}

function parseBlocks(lines: readonly Line[]): CommentBlock[] {
  const blocks: CommentBlock[] = [];
  const nonBlank = lines.filter((l) => l.text !== "");
  if (nonBlank.length === 0) return blocks;
  // The text's own left edge: a paragraph line indented past it is preformatted.
  const base = Math.min(...nonBlank.map((l) => l.indent));
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.text === "") {
      i++;
    } else if (bulletPattern.test(line.text)) {
      const [list, next] = parseList(lines, i);
      blocks.push(list);
      i = next;
    } else if (line.indent > base) {
      const [block, next] = parsePreformatted(lines, i, base);
      blocks.push(block);
      i = next;
    } else {
      const paragraph = [line.text];
      i++;
      while (i < lines.length) {
        const next = lines[i]!;
        if (next.text === "" || next.indent > base || bulletPattern.test(next.text) || labelPattern.test(next.text)) break;
        paragraph.push(next.text);
        i++;
      }
      blocks.push({ kind: "paragraph", lines: paragraph });
    }
  }
  return blocks;
}

/**
 * The list that starts at `start`: its items are the bullets at that line's
 * indentation; an item goes on over the lines indented past its bullet
 * (blank lines included when more such lines follow) and ends at the next
 * bullet or the first line that is not indented past it.
 */
function parseList(lines: readonly Line[], start: number): [CommentBlock, number] {
  const indent = lines[start]!.indent;
  const isItemStart = (l: Line) => l.text !== "" && l.indent === indent && bulletPattern.test(l.text);
  const items: CommentBlock[][] = [];
  let i = start;
  while (i < lines.length && isItemStart(lines[i]!)) {
    const first = lines[i]!;
    const marker = bulletPattern.exec(first.text)![0];
    // Where the item's text begins; its wrapped lines are taken relative to it.
    const contentColumn = indent + marker.length;
    const body: Line[] = [{ indent: 0, text: first.text.slice(marker.length) }];
    i++;
    while (i < lines.length) {
      const l = lines[i]!;
      if (l.text === "") {
        const after = lines.slice(i).find((x) => x.text !== "");
        if (after === undefined || after.indent <= indent) break;
        body.push(l);
      } else if (l.indent > indent) {
        body.push({ indent: Math.max(0, l.indent - contentColumn), text: l.text });
      } else {
        break;
      }
      i++;
    }
    items.push(parseBlocks(body));
  }
  return [{ kind: "list", items }, i];
}

/** Lines indented past the text's left edge, kept as written (relative to the least indented of them). */
function parsePreformatted(lines: readonly Line[], start: number, base: number): [CommentBlock, number] {
  const taken: Line[] = [];
  let i = start;
  while (i < lines.length) {
    const l = lines[i]!;
    if (l.text === "") {
      const after = lines.slice(i).find((x) => x.text !== "");
      if (after === undefined || after.indent <= base) break;
    } else if (l.indent <= base) {
      break;
    }
    taken.push(l);
    i++;
  }
  const left = Math.min(...taken.filter((l) => l.text !== "").map((l) => l.indent));
  return [{ kind: "preformatted", lines: taken.map((l) => (l.text === "" ? "" : `${" ".repeat(l.indent - left)}${l.text}`)) }, i];
}

/** A comment as Markdown blocks, for the text under a heading: paragraphs, lists and preformatted text as the comment has them. */
export function commentMarkdown(raw: string | undefined): string {
  return blocksMarkdown(parseComment(raw)).join("\n");
}

function blocksMarkdown(blocks: readonly CommentBlock[], inItem = false): string[] {
  const out: string[] = [];
  blocks.forEach((block, i) => {
    // Blocks are separated by a blank line, except that inside a list item a
    // list follows its paragraph directly, so the item (and its list) stays tight.
    if (i > 0 && !(inItem && block.kind === "list" && blocks[i - 1]!.kind === "paragraph")) out.push("");
    out.push(...blockMarkdown(block));
  });
  return out;
}

function blockMarkdown(block: CommentBlock): string[] {
  switch (block.kind) {
    case "paragraph":
      return block.lines.map((line, i) => (i === 0 ? labelled(line) : lineStart(escapeText(line))));
    case "list":
      return block.items.flatMap((item) => {
        const lines = blocksMarkdown(item, true);
        if (lines.length === 0) return ["-"];
        return [`- ${lines[0]}`, ...lines.slice(1).map((l) => (l === "" ? "" : `  ${l}`))];
      });
    case "preformatted": {
      const fence = "`".repeat(Math.max(3, ...block.lines.map((l) => longestRun(l, "`") + 1)));
      return [fence, ...block.lines, fence];
    }
  }
}

/** A paragraph's first line, with a part label ("Errors:") in bold. */
function labelled(line: string): string {
  const label = labelPattern.exec(line);
  if (label === null) return lineStart(escapeText(line));
  return `**${label[0]}**${escapeText(line.slice(label[0].length))}`;
}

/**
 * Escapes what Markdown would read as block syntax at the start of a line of
 * text: a heading's #, an ordered list's "1." or "1)", a setext underline or
 * thematic break made of = or -, a "+" bullet (escapeText has already
 * escaped * and a stray _).
 */
function lineStart(markdown: string): string {
  return markdown.replace(/^(#|[=+-])/, "\\$1").replace(/^(\d+)([.)])(?=\s|$)/, "$1\\$2");
}

function longestRun(text: string, char: string): number {
  let longest = 0;
  let run = 0;
  for (const c of text) {
    run = c === char ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

/**
 * A comment as the contents of one table cell, which is a single line: a
 * paragraph's lines joined, paragraphs separated by <br><br>, a list as
 * <ul><li>, preformatted lines as code spans separated by <br>; pipes escaped.
 */
export function commentCell(raw: string | undefined): string {
  return cell(blocksInline(parseComment(raw)));
}

function blocksInline(blocks: readonly CommentBlock[]): string {
  let out = "";
  blocks.forEach((block, i) => {
    const text = blockInline(block);
    const previous = blocks[i - 1];
    // A list is a block of its own in HTML: no line break is needed around it.
    if (previous !== undefined) out += block.kind === "list" || previous.kind === "list" ? "" : "<br><br>";
    out += text;
  });
  return out;
}

function blockInline(block: CommentBlock): string {
  switch (block.kind) {
    case "paragraph": {
      const [first = "", ...rest] = block.lines;
      return [labelled(first), ...rest.map(escapeText)].join(" ");
    }
    case "list":
      return `<ul>${block.items.map((item) => `<li>${blocksInline(item)}</li>`).join("")}</ul>`;
    case "preformatted":
      return block.lines.map((l) => (l === "" ? "" : code(l))).join("<br>");
  }
}

/**
 * The comment's first sentence, as inline Markdown for an index: the start of
 * its first paragraph up to the first ".", "!" or "?" that ends a word; ""
 * when the comment does not begin with a plain paragraph.
 */
export function commentSummary(raw: string | undefined): string {
  const first = parseComment(raw)[0];
  if (first === undefined || first.kind !== "paragraph" || labelPattern.test(first.lines[0] ?? "")) return "";
  const text = first.lines.join(" ");
  const end = /[.!?](?=\s|$)/.exec(text);
  return escapeText(end === null ? text : text.slice(0, end.index + 1));
}
