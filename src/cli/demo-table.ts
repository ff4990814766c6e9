/** How one call went over one protocol. */
export type CallOutcome =
  | { status: "ok"; ms: number }
  | { status: "fail"; ms: number; reason: string }
  | { status: "skip"; reason: string }
  /** The server does not serve the call over this protocol, as expected (ZITADEL's v1 over Connect). */
  | { status: "n/a"; reason: string };

/** One table cell, e.g. "ok  2.1ms", "FAIL NotFound AUTHZ-cdgFk", "skip", "n/a: not served". */
export function formatCell(outcome: CallOutcome): string {
  switch (outcome.status) {
    case "ok":
      return `ok ${formatMs(outcome.ms).padStart(6)}`;
    case "fail":
      return `FAIL ${shorten(outcome.reason, 36)}`;
    case "skip":
      return "skip";
    case "n/a":
      return `n/a: ${shorten(outcome.reason, 36)}`;
  }
}

/**
 * Rows of left-aligned, space-separated columns. Plain text rather than box
 * drawing so the output stays readable when piped, logged or diffed.
 */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], minWidths: readonly number[] = []): string[] {
  const widths = header.map((h, col) => Math.max(h.length, minWidths[col] ?? 0, ...rows.map((r) => (r[col] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, col) => (col === cells.length - 1 ? c : c.padEnd(widths[col] ?? 0)))
      .join("   ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function formatMs(ms: number): string {
  return ms >= 100 ? `${Math.round(ms)}ms` : `${ms.toFixed(1)}ms`;
}

function shorten(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 3)}...`;
}
