// The generator, composed in pipeline order: load -> normalize -> model, names -> emit
// (types, synced interfaces, validators, shape, class) -> files. `generate()` never touches the output
// directory; `writeFiles` and `checkFiles` do.
import { createHash } from "node:crypto";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { emitModule, newProject } from "./emit-class.js";
import { emitShape, shapeName } from "./emit-shape.js";
import { emitSynced } from "./emit-synced.js";
import { emitTypes } from "./emit-types.js";
import { emitValidators } from "./emit-validators.js";
import { load } from "./load.js";
import { model as toModel, type StoreModel } from "./model.js";
import { nameTypes, type TypeNames } from "./names.js";
import { canonical, kebabCase, normalize } from "./normalize.js";
import { Problems } from "./problems.js";
import { template } from "./templates.js";

export { checkFiles, type CheckResult } from "./check.js";
export { unifiedDiff } from "./diff.js";
export { formatProblems, SchemaProblemsError, type Problem } from "./problems.js";
export { writeFiles, type WriteResult } from "./write.js";

export interface GenerateOptions {
  /** Schema files and directories (searched recursively for `*.json`). */
  readonly inputs: readonly string[];
  /** Output directory; default `generated`. */
  readonly out?: string;
  /** Import specifier of the runtime in generated code; default `redis-memory`. */
  readonly runtime?: string;
  /** Directory paths are relative to; default `process.cwd()`. */
  readonly cwd?: string;
}

export const DEFAULT_OUT = "generated";
export const DEFAULT_RUNTIME = "redis-memory";

function posix(cwd: string, path: string): string {
  const rel = relative(cwd, resolve(cwd, path));
  const shown = rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? resolve(cwd, path) : rel;
  return shown.split(sep).join("/");
}

function shellWord(word: string): string {
  return /^[A-Za-z0-9_./@:=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command that regenerates the output, as banners show it. */
export function regenerateCommand(options: GenerateOptions): string {
  const cwd = options.cwd ?? process.cwd();
  const words = ["npx", "redis-memory-gen", ...options.inputs.map((i) => posix(cwd, i)), "--out", posix(cwd, options.out ?? DEFAULT_OUT)];
  if ((options.runtime ?? DEFAULT_RUNTIME) !== DEFAULT_RUNTIME) words.push("--runtime", options.runtime ?? "");
  return words.map(shellWord).join(" ");
}

/**
 * Generates the store modules for `inputs`. Returns the files (path relative to
 * `cwd`, posix slashes -> text), sorted by path. Throws `SchemaProblemsError` with
 * every problem found when the input is bad.
 */
export async function generate(options: GenerateOptions): Promise<Map<string, string>> {
  const cwd = options.cwd ?? process.cwd();
  const out = posix(cwd, options.out ?? DEFAULT_OUT);
  const runtime = options.runtime ?? DEFAULT_RUNTIME;
  const command = regenerateCommand(options);
  const problems = new Problems();

  const loaded = await load(options.inputs, cwd, problems);
  if (loaded.length === 0 && problems.list.length === 0) problems.add(options.inputs.join(" "), "", "no *.json schema files found");
  const models: { model: StoreModel; names: TypeNames }[] = [];
  const owners = new Map<string, string>([
    ["index", "the barrel index.ts"],
    ["validation", "the shared validation.ts"],
  ]);
  for (const schema of loaded) {
    const before = problems.list.length;
    const store = normalize(schema, problems);
    const kebab = kebabCase(store.name);
    const owner = owners.get(kebab);
    if (owner !== undefined) {
      problems.add(schema.file, "", `store name "${store.name}" maps to ${out}/${kebab}.ts, which ${owner} also wants; set another "title"`);
    }
    owners.set(kebab, `${schema.file}#`);
    if (problems.list.length !== before) continue;
    const names = nameTypes(store, problems);
    if (problems.list.length === before) models.push({ model: toModel(store), names });
  }
  problems.throwIfAny();

  const project = newProject();
  const files = new Map<string, string>();
  const barrel: string[] = [];
  for (const { model: m, names } of models) {
    const kebab = kebabCase(m.store.name);
    const validators = emitValidators(m, problems);
    if (validators.code === "") continue;
    const fullBanner = template("banner.txt", { schema: m.store.file, command });
    const validatorsModule = `${kebab}.validators.js`;
    const shape = emitShape(m, (pointer) => `ajv.${validators.names.get(pointer) ?? "missing"}`);
    const types = await emitTypes(m.store, names);
    const synced = emitSynced(project, m.store, names, types);
    const hash = createHash("sha256").update(JSON.stringify(canonical(m.store.schema))).digest("hex").slice(0, 16);
    const moduleText = emitModule(project, m, { banner: fullBanner, runtime, types, synced, shape, defSources: validators.sources, validatorsModule, hash });
    files.set(`${out}/${kebab}.ts`, moduleText);
    const header = template("validators-header.txt", { store: m.store.name, schema: m.store.file, module: `./${kebab}.ts` });
    files.set(`${out}/${kebab}.validators.ts`, `${header}${fullBanner}\n${validators.code.trim()}\n`);
    barrel.push(`export { ${m.store.name}, ${shapeName(m)}, type ${m.store.dataName} } from "./${kebab}.js";`);
  }
  problems.throwIfAny();
  const barrelBanner = template("banner.txt", { schema: "the schemas of the command below", command });
  files.set(`${out}/index.ts`, `${barrelBanner}\n${barrel.sort().join("\n")}\n`);
  files.set(`${out}/validation.ts`, `${barrelBanner}\n${template("validation.ts", { runtime })}`);
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
