// Copies what the built packages read at run time next to their code: the runtime's
// Lua scripts (loaded relative to their module) into runtime/dist/lua, and the
// generator's templates into generator/dist/templates (found by walking up from the
// module, see generator/templates.ts).
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function copyDir(from, to, keep) {
  mkdirSync(to, { recursive: true });
  let copied = 0;
  for (const name of readdirSync(from)) {
    if (!keep(name)) continue;
    copyFileSync(join(from, name), join(to, name));
    copied++;
  }
  process.stderr.write(`copy-assets: ${copied} file(s) ${from.slice(root.length + 1)} -> ${to.slice(root.length + 1)}\n`);
}

copyDir(join(root, "runtime", "lua"), join(root, "runtime", "dist", "lua"), (name) => name.endsWith(".lua"));
copyDir(join(root, "templates"), join(root, "generator", "dist", "templates"), () => true);
