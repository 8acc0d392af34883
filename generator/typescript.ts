// The TypeScript parser, loaded by itself: the copy of TypeScript that ts-morph bundles,
// without ts-morph's project and file-system layers around it. emit-synced only reads
// syntax trees, and loading ts-morph whole cost ~0.2 s more on every cold run. The copy
// is found from ts-morph's own location, so it is the one ts-morph would use (a test
// checks that both are the same module instance).
import { createRequire } from "node:module";
import type { ts as TypeScript } from "ts-morph";

const beside = createRequire(createRequire(import.meta.url).resolve("ts-morph"));

export const ts = beside("@ts-morph/common/dist/typescript.js") as typeof TypeScript;
