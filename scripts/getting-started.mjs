// Turns README.md's "Getting started" section into a bash script, so that
// scripts/consumer-check.sh runs exactly what a new user reads: every fenced block of
// the section carries a marker saying what it is, and nothing escapes the check:
//   <!-- getting-started: run esm cjs -->               a sh block: its commands, run as written
//   <!-- getting-started: file <path> esm cjs -->       a file the text tells the user to save as `<path>`
//   <!-- getting-started: skip (<reason>) -->           not run, with the reason (e.g. starting Redis)
// `esm` and `cjs` name the variants a block belongs to (the ES module path and the
// "CommonJS apps" path). Blocks without a marker are output shown to the reader (```text).
// In a command, `cmd &  # ... prints: X` runs cmd in the background (its output to a log)
// and waits for X; `cmd  # ... prints: X ...` runs cmd, then waits until the last
// background command printed X (the text before " ...").
//   node scripts/getting-started.mjs esm|cjs    prints the script on stdout
// The script uses three functions the caller defines: gs_file <path> (stdin -> file),
// gs_started <log> (waits for its first line) and gs_expect <log> <text>.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const README = join(dirname(fileURLToPath(import.meta.url)), "..", "README.md");

/** The section's blocks in order: { kind, variants, path?, text, line }. Throws on a block it cannot place. */
export function gettingStarted(readme) {
  const start = readme.indexOf("\n## Getting started\n");
  if (start < 0) throw new Error('README.md has no "## Getting started" section');
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const lineOf = (index) => readme.slice(0, start + index).split("\n").length + 1;
  const blocks = [];
  const fence = /(?:<!-- getting-started: ([^\n]*?) -->\n)?```(\w*)\n([\s\S]*?)```/g;
  let previousEnd = 0;
  for (const match of section.matchAll(fence)) {
    const [, marker, lang, text] = match;
    const line = lineOf(match.index);
    const prose = section.slice(previousEnd, match.index);
    previousEnd = match.index + match[0].length;
    if (marker === undefined) {
      if (lang !== "text") throw new Error(`README.md:${line}: a \`\`\`${lang} block in Getting started has no <!-- getting-started: ... --> marker`);
      continue;
    }
    const words = marker.split(/\s+/);
    if (words[0] === "skip") continue;
    const variants = words.filter((w) => w === "esm" || w === "cjs");
    if (variants.length === 0) throw new Error(`README.md:${line}: marker "${marker}" names no variant (esm, cjs)`);
    if (words[0] === "run") {
      if (lang !== "sh") throw new Error(`README.md:${line}: a run block must be \`\`\`sh`);
      blocks.push({ kind: "run", variants, text, line });
    } else if (words[0] === "file" && words[1] !== undefined) {
      // The reader must be told the file's name: it appears in the prose before the block.
      if (!prose.includes(`\`${words[1]}\``)) throw new Error(`README.md:${line}: the text before the block never names \`${words[1]}\``);
      blocks.push({ kind: "file", variants, path: words[1], text, line });
    } else {
      throw new Error(`README.md:${line}: unknown marker "${marker}"`);
    }
  }
  return blocks;
}

const quote = (s) => `'${s.replaceAll("'", `'\\''`)}'`;

/** The bash script of one variant. */
export function script(blocks, variant) {
  const out = [`# README.md's Getting started (${variant}), as written`];
  let background = 0;
  for (const block of blocks.filter((b) => b.variants.includes(variant))) {
    if (block.kind === "file") {
      out.push(`echo ${quote(`# README.md:${block.line}: save ${block.path}`)}`);
      out.push(`gs_file ${quote(block.path)} <<'GETTING_STARTED_EOF'`, block.text.replace(/\n$/, ""), "GETTING_STARTED_EOF");
      continue;
    }
    for (const line of block.text.split("\n")) {
      if (line.trim() === "" || line.trim().startsWith("#")) continue;
      const hash = line.indexOf("  #");
      const command = (hash < 0 ? line : line.slice(0, hash)).trim();
      const comment = hash < 0 ? "" : line.slice(hash + 3);
      const prints = comment.includes("prints: ") ? comment.slice(comment.indexOf("prints: ") + 8).replace(/ \.\.\.$/, "").trim() : undefined;
      out.push(`echo ${quote(`$ ${command}`)}`);
      if (command.endsWith("&")) {
        background += 1;
        out.push(`${command.slice(0, -1).trim()} >"$GS_LOGS/background-${background}.log" 2>&1 &`);
        out.push(`gs_last_log="$GS_LOGS/background-${background}.log"`, `gs_started "$gs_last_log"`);
        if (prints !== undefined) out.push(`gs_expect "$gs_last_log" ${quote(prints)}`);
      } else {
        out.push(command);
        if (prints !== undefined) out.push(`gs_expect "$gs_last_log" ${quote(prints)}`);
      }
    }
  }
  return `${out.join("\n")}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [variant] = process.argv.slice(2);
  if (variant !== "esm" && variant !== "cjs") {
    process.stderr.write("usage: node scripts/getting-started.mjs esm|cjs\n");
    process.exit(2);
  }
  process.stdout.write(script(gettingStarted(readFileSync(README, "utf8")), variant));
}
