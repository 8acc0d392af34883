// Reads README.md's "Getting started" section as a new user reads it: the files it
// shows (each fenced block preceded by `<!-- getting-started: <path> -->`) and the
// shell commands of its `sh` blocks, in order. scripts/consumer-check.sh writes the
// files and runs the commands, so the section stays something that works.
//   node scripts/getting-started.mjs files <dir>   writes the files under <dir>
//   node scripts/getting-started.mjs commands      prints one command per line
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "README.md"), "utf8");
const start = readme.indexOf("\n## Getting started\n");
if (start < 0) throw new Error('README.md has no "## Getting started" section');
const end = readme.indexOf("\n## ", start + 1);
const section = readme.slice(start, end < 0 ? undefined : end);

const files = [];
const commands = [];
const block = /(?:<!-- getting-started: (\S+) -->\n)?```(\w*)\n([\s\S]*?)```/g;
for (const match of section.matchAll(block)) {
  const [, path, lang, text] = match;
  if (path !== undefined) files.push({ path, text });
  else if (lang === "sh") commands.push(...text.split("\n").filter((line) => line.trim() !== "" && !line.trim().startsWith("#")));
}

const [what, dir] = process.argv.slice(2);
if (what === "files" && dir !== undefined) {
  for (const { path, text } of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  process.stderr.write(`getting-started: wrote ${files.map((f) => f.path).join(", ")}\n`);
} else if (what === "commands") {
  process.stdout.write(commands.map((line) => `${line}\n`).join(""));
} else {
  process.stderr.write("usage: node scripts/getting-started.mjs files <dir> | commands\n");
  process.exit(2);
}
