// Copies what the built code reads at run time next to it: the runtime's Lua scripts
// (loaded relative to their module). templates/ stay at the package root, where the
// generator finds them by walking up to package.json, from source and from dist alike.
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const from = join(root, "runtime", "lua");
const to = join(root, "dist", "runtime", "lua");
mkdirSync(to, { recursive: true });
let copied = 0;
for (const name of readdirSync(from)) {
  if (!name.endsWith(".lua")) continue;
  copyFileSync(join(from, name), join(to, name));
  copied++;
}
process.stderr.write(`copy-assets: ${copied} Lua script(s) -> dist/runtime/lua\n`);
