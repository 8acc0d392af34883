// A unified line diff (LCS on the lines between the common prefix and suffix): enough
// for showing why a generated file is stale, without a dependency.

type Edit = readonly [op: " " | "-" | "+", line: string];

function edits(a: readonly string[], b: readonly string[]): Edit[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const n = endA - start;
  const m = endB - start;
  // lcs[i][j]: length of the LCS of a[start+i..endA) and b[start+j..endB).
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[start + i] === b[start + j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: Edit[] = a.slice(0, start).map((line) => [" ", line] as const);
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[start + i] === b[start + j]) {
      out.push([" ", a[start + i]!]);
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      // A changed line shows as the old line removed, then the new one added.
      out.push(["-", a[start + i]!]);
      i++;
    } else {
      out.push(["+", b[start + j]!]);
      j++;
    }
  }
  for (const line of a.slice(endA)) out.push([" ", line]);
  return out;
}

function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** `--- a/<path>` / `+++ b/<path>` unified diff with 3 lines of context; `""` when equal. */
export function unifiedDiff(path: string, before: string | undefined, after: string | undefined, context = 3): string {
  if (before === after) return "";
  const all = edits(splitLines(before ?? ""), splitLines(after ?? ""));
  const header = [`--- ${before === undefined ? "/dev/null" : `a/${path}`}`, `+++ ${after === undefined ? "/dev/null" : `b/${path}`}`];
  const hunks: string[] = [];
  let k = 0;
  while (k < all.length) {
    if (all[k]![0] === " ") {
      k++;
      continue;
    }
    let from = Math.max(0, k - context);
    let to = k;
    // Extend the hunk while changes are within 2 * context lines of each other.
    for (let gap = 0; to < all.length; to++) {
      if (all[to]![0] === " ") {
        gap++;
        if (gap > context * 2) break;
      } else {
        gap = 0;
      }
    }
    to = Math.min(all.length, to);
    while (to > k && all[to - 1]![0] === " " && countTrailing(all, to) > context) to--;
    const slice = all.slice(from, to);
    const oldStart = all.slice(0, from).filter((e) => e[0] !== "+").length;
    const newStart = all.slice(0, from).filter((e) => e[0] !== "-").length;
    const oldLen = slice.filter((e) => e[0] !== "+").length;
    const newLen = slice.filter((e) => e[0] !== "-").length;
    hunks.push(`@@ -${oldLen === 0 ? oldStart : oldStart + 1},${oldLen} +${newLen === 0 ? newStart : newStart + 1},${newLen} @@`);
    for (const [op, line] of slice) hunks.push(`${op}${line}`);
    k = to;
    from = to;
  }
  return [...header, ...hunks].join("\n") + "\n";
}

function countTrailing(all: readonly Edit[], to: number): number {
  let count = 0;
  for (let i = to - 1; i >= 0 && all[i]![0] === " "; i--) count++;
  return count;
}
