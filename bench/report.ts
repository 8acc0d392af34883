// The bench's result rows, their targets, and the two ways they are printed:
// a text table (figure, ours, peer, ratio, target, pass/fail) and JSON.

/** A measured quantity with its unit (ms, ops/s, B/op, MB, s...). */
export interface Quantity {
  readonly value: number;
  readonly unit: string;
}

/** How a row's measured value is compared with its target. */
export type Target =
  | { readonly kind: "ratio-at-least"; readonly bound: number; readonly text: string }
  | { readonly kind: "ratio-at-most"; readonly bound: number; readonly text: string }
  | { readonly kind: "ours-at-most"; readonly bound: number; readonly text: string }
  | { readonly kind: "none" };

export interface Row {
  /** Stable identifier for JSON consumers (e.g. `appends-per-second`). */
  readonly id: string;
  /** The figure as the performance targets word it. */
  readonly figure: string;
  /** What `ours` and `peer` are (e.g. "store push x100k + $flush" / "ioredis pipelined RPUSH"). */
  readonly oursLabel: string;
  readonly peerLabel: string | undefined;
  readonly ours: Quantity | undefined;
  readonly peer: Quantity | undefined;
  /** As the target defines it (e.g. ours/peer throughput, peer time / our time). */
  readonly ratio: number | undefined;
  readonly ratioMeaning: string | undefined;
  readonly target: Target;
  /** true / false against the target; undefined when not measured or no target. */
  readonly pass: boolean | undefined;
  /** One of the performance targets (true) or an extra figure of issue 6 (false). */
  readonly designTarget: boolean;
  readonly note?: string;
}

export interface RowInput {
  readonly id: string;
  readonly figure: string;
  readonly oursLabel: string;
  readonly peerLabel?: string;
  readonly ours?: Quantity;
  readonly peer?: Quantity;
  readonly ratio?: number;
  readonly ratioMeaning?: string;
  readonly target?: Target;
  readonly designTarget?: boolean;
  readonly note?: string;
}

export function judge(target: Target, ours: Quantity | undefined, ratio: number | undefined): boolean | undefined {
  switch (target.kind) {
    case "none":
      return undefined;
    case "ratio-at-least":
      return ratio === undefined || Number.isNaN(ratio) ? undefined : ratio >= target.bound;
    case "ratio-at-most":
      return ratio === undefined || Number.isNaN(ratio) ? undefined : ratio <= target.bound;
    case "ours-at-most":
      return ours === undefined || Number.isNaN(ours.value) ? undefined : ours.value <= target.bound;
    default:
      return unreachable(target);
  }
}

export function row(input: RowInput): Row {
  const target = input.target ?? { kind: "none" };
  return {
    id: input.id,
    figure: input.figure,
    oursLabel: input.oursLabel,
    peerLabel: input.peerLabel,
    ours: input.ours,
    peer: input.peer,
    ratio: input.ratio,
    ratioMeaning: input.ratioMeaning,
    target,
    pass: judge(target, input.ours, input.ratio),
    designTarget: input.designTarget ?? false,
    ...(input.note !== undefined ? { note: input.note } : {}),
  };
}

export function unreachable(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}

// ---- text table ------------------------------------------------------------

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1_000) return Math.round(value).toLocaleString("en-US");
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

export function formatQuantity(q: Quantity | undefined): string {
  if (q === undefined || Number.isNaN(q.value)) return "not measured";
  return `${formatNumber(q.value)} ${q.unit}`;
}

function formatRatio(ratio: number | undefined): string {
  if (ratio === undefined || Number.isNaN(ratio)) return "-";
  return `${formatNumber(ratio)}x`;
}

function targetText(target: Target): string {
  return target.kind === "none" ? "-" : target.text;
}

function passText(pass: boolean | undefined, target: Target): string {
  if (target.kind === "none") return "info";
  return pass === undefined ? "n/a" : pass ? "pass" : "FAIL";
}

export function tableRows(rows: readonly Row[]): string[][] {
  return rows.map((r) => [
    r.figure,
    formatQuantity(r.ours),
    r.peer === undefined ? "-" : formatQuantity(r.peer),
    formatRatio(r.ratio),
    targetText(r.target),
    passText(r.pass, r.target),
  ]);
}

const HEADER = ["figure", "ours", "peer", "ratio", "target", "result"];

/** A plain-text table, columns padded. */
export function formatTable(rows: readonly Row[]): string {
  const cells = [HEADER, ...tableRows(rows)];
  const widths = HEADER.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  const line = (cols: string[]): string => cols.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(HEADER), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

/** The same table as Markdown, for the README's Performance section. */
export function formatMarkdown(rows: readonly Row[]): string {
  const escape = (s: string): string => s.replace(/\|/g, "\\|");
  const lines = [`| ${HEADER.join(" | ")} |`, `| ${HEADER.map(() => "---").join(" | ")} |`];
  for (const cols of tableRows(rows)) lines.push(`| ${cols.map(escape).join(" | ")} |`);
  return lines.join("\n");
}

/** Labels of what each side is, listed under the table. */
export function formatLegend(rows: readonly Row[]): string {
  return rows
    .map((r) => {
      const peer = r.peerLabel ? `; peer: ${r.peerLabel}` : "";
      const ratio = r.ratioMeaning ? `; ratio: ${r.ratioMeaning}` : "";
      const note = r.note ? ` (${r.note})` : "";
      return `- ${r.figure}: ours: ${r.oursLabel}${peer}${ratio}${note}`;
    })
    .join("\n");
}
