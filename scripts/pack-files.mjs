// npm pack/publish of a workspace package (prepack/postpack): the package ships the
// repository's README.md and LICENSE, copied in for the pack and removed after it.
// Refuses to pack a package that was not built (`npm run build` at the root).
import { copyFileSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";

const [step] = process.argv.slice(2);
const here = process.cwd();
const root = join(here, "..");
const shipped = ["README.md", "LICENSE"];
if (step === "copy") {
  if (!existsSync(join(here, "dist", "index.js"))) {
    process.stderr.write(`${here}: dist/ is missing; run \`npm run build\` at the repository root first\n`);
    process.exit(1);
  }
  for (const name of shipped) copyFileSync(join(root, name), join(here, name));
} else if (step === "remove") {
  for (const name of shipped) rmSync(join(here, name), { force: true });
} else {
  process.stderr.write("usage: node ../scripts/pack-files.mjs copy|remove\n");
  process.exit(2);
}
