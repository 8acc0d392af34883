// The generator, composed in pipeline order: load -> normalize -> model (with names) ->
// emit (types, synced interfaces, validators, shape, class) -> barrel -> files.
// `generate()` never touches the output directory; `writeFiles` and `checkFiles` do.
import { createHash } from "node:crypto";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { emitBarrel } from "./emit-barrel.js";
import { emitModule } from "./emit-class.js";
import { emitShape } from "./emit-shape.js";
import { emitSynced } from "./emit-synced.js";
import { emitTypes } from "./emit-types.js";
import { emitValidators } from "./emit-validators.js";
import { checkDefaults } from "./check-defaults.js";
import { checkEvolution, versionOf } from "./check-evolution.js";
import { checkRetention } from "./check-retention.js";
import { evolutionLine, readPrevious } from "./previous.js";
import { kebabCase } from "./identifiers.js";
import { canonicalText, jsonLiteral } from "./json.js";
import { isDefinitionsOnly } from "./definitions.js";
import { load } from "./load.js";
import { keptModules, prunes } from "./scope.js";
import { model as toModel, type StoreModel } from "./model.js";
import { normalize } from "./normalize.js";
import { Problems, type Problem } from "./problems.js";
import { template } from "./templates.js";
import { DEFAULT_OUT, DEFAULT_RUNTIME } from "./defaults.js";

export { checkFiles, type CheckResult } from "./check.js";
export { unifiedDiff } from "./diff.js";
export { formatProblems, SchemaProblemsError, type Problem } from "./problems.js";
export { writeFiles, isGeneratedFile, BANNER_FIRST_LINE, type WriteResult } from "./write.js";
export { loadConfig, type GeneratorConfig } from "./config.js";
export { referencedFiles } from "./watch-files.js";
export { prunes } from "./scope.js";
export { isDefinitionsOnly } from "./definitions.js";
export { DEFAULT_OUT, DEFAULT_RUNTIME } from "./defaults.js";

export interface GenerateOptions {
  /** Schema files and directories (searched recursively for `*.json`). */
  readonly inputs: readonly string[];
  /** Output directory; default `generated`. */
  readonly out?: string;
  /** Import specifier of the runtime in generated code; default `redis-memory`. */
  readonly runtime?: string;
  /** Directory paths are relative to; default `process.cwd()`. */
  readonly cwd?: string;
  /** Every warning is a problem (the run fails) instead. */
  readonly strict?: boolean;
  /** Called with each warning: what the generator did instead of refusing. */
  readonly onWarning?: (warning: Problem) => void;
}


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

/** `file#/pointer` of a bundle place: through the nearest enclosing place the sources table names. */
function placeOf(sources: Readonly<Record<string, string>>, file: string, pointer: string): { file: string; pointer: string } {
  for (let at = pointer; ; at = at.slice(0, Math.max(at.lastIndexOf("/"), 0))) {
    const source = sources[at];
    if (source !== undefined) {
      const hash = source.indexOf("#");
      return { file: source.slice(0, hash), pointer: source.slice(hash + 1) + pointer.slice(at.length) };
    }
    if (at === "") return { file, pointer };
  }
}

/**
 * Generates the store modules for `inputs`. Returns the files (path relative to
 * `cwd`, posix slashes -> text), sorted by path. Throws `SchemaProblemsError` with
 * every problem found when the input cannot become stores.
 */
export async function generate(options: GenerateOptions): Promise<Map<string, string>> {
  const cwd = options.cwd ?? process.cwd();
  const out = posix(cwd, options.out ?? DEFAULT_OUT);
  const runtime = options.runtime ?? DEFAULT_RUNTIME;
  const command = regenerateCommand(options);
  const problems = new Problems(options.strict === true);
  const report = (): void => {
    for (const warning of problems.warnings.splice(0)) options.onWarning?.(warning);
  };

  const found = await load(options.inputs, cwd, problems);
  // Shared definitions are not stores: their types are generated where stores use them.
  const loaded = found.filter((schema) => !isDefinitionsOnly(schema.schema));
  if (found.length === 0 && problems.list.length === 0) problems.add(options.inputs.join(" "), "", "no *.json schema files found");
  else if (loaded.length === 0 && problems.list.length === 0) {
    problems.add(options.inputs.join(" "), "", "only shared definitions found ($defs/definitions without a root object schema): no store to generate");
  }
  const models: StoreModel[] = [];
  const versions = new Map<StoreModel, number>();
  const owners = new Map<string, string>([["index", "the barrel index.ts"]]);
  for (const schema of loaded) {
    const before = problems.list.length;
    const store = normalize(schema, problems);
    const kebab = kebabCase(store.name);
    const owner = owners.get(kebab);
    if (owner !== undefined) {
      problems.add(schema.file, "", `store name "${store.name}" maps to ${out}/${kebab}.ts, which ${owner} also wants; set another "title"`);
    }
    owners.set(kebab, `${schema.file}#`);
    const version = versionOf(schema.schema, schema.file, problems);
    checkRetention(schema.schema, schema.file, problems);
    if (problems.list.length === before) {
      const m = toModel(store);
      models.push(m);
      versions.set(m, version);
    }
  }
  report();
  problems.throwIfAny();

  const files = new Map<string, string>();
  const modules: { store: string; file: string; text: string }[] = [];
  for (const normalized of models) {
    const kebab = kebabCase(normalized.store.name);
    const validators = emitValidators(normalized, problems);
    if (validators === undefined) continue;
    const m = checkDefaults(normalized, validators, problems);
    const validatorsPath = `${out}/${kebab}.validators.ts`;
    const previous = readPrevious(validatorsPath, cwd);
    if (previous === "unreadable") problems.warn(m.store.file, "", `${validatorsPath} holds no schema this generator can read back: the change from it was not checked (breaking changes are found from the next run on)`);
    const { evolution } = checkEvolution(
      normalized.store.validation,
      versions.get(normalized) ?? 1,
      previous === "unreadable" ? undefined : previous,
      (pointer) => placeOf(validators.sources, m.store.file, pointer),
      validatorsPath,
      m.store.name,
      problems,
    );
    const banner = template("banner.txt", { schema: m.store.file, command });
    const validatorsModule = `${kebab}.validators.js`;
    const types = await emitTypes(m);
    const synced = emitSynced(m, types);
    const hash = createHash("sha256").update(canonicalText(validators.schema)).digest("hex").slice(0, 16);
    const moduleText = emitModule(m, { banner, runtime, types, synced, shape: emitShape(m), validatorsModule, hash, evolution });
    files.set(`${out}/${kebab}.ts`, moduleText);
    modules.push({ store: m.store.name, file: `./${kebab}.js`, text: moduleText });
    const body = template("validators.ts.txt", { runtime, store: m.store.name, schema: m.store.file, bundle: jsonLiteral(validators.schema, "  "), sources: jsonLiteral(validators.sources, "  "), evolution: evolutionLine(evolution) });
    files.set(validatorsPath, `${banner}\n${body}`);
  }
  report();
  problems.throwIfAny();
  // Named files: the stores generated earlier from other schemas stay in index.ts.
  if (!prunes(options.inputs, cwd)) modules.push(...keptModules(resolve(cwd, out), new Set([...files.keys()].map((path) => resolve(cwd, path)))));
  const barrelBanner = template("banner.txt", { schema: "the schemas of the command below", command });
  files.set(`${out}/index.ts`, `${barrelBanner}\n${emitBarrel(modules)}`);
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
