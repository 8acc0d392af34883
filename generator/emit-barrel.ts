// Stage 5: `<out>/index.ts`: every store class, shape and named type of every store.
// A name two stores declare the same way is exported once (from the first store); a
// name they declare differently is left to each store's namespace,
// `export * as <Store>Types from "./<store>.js"`, so that no import is ambiguous.

export interface ModuleText {
  /** Store class name. */
  readonly store: string;
  /** Import specifier (`./app-memory.js`). */
  readonly file: string;
  readonly text: string;
}

const DECLARATION = /^export (?:declare )?(interface|type|const|class|enum) ([A-Za-z_$][A-Za-z0-9_$]*)/;

/** Each exported name of a module with its declaration text (for comparing two stores'). */
function declarations(text: string): Map<string, { kind: string; text: string }> {
  const found = new Map<string, { kind: string; text: string }>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const match = DECLARATION.exec(lines[i]!);
    if (match === null) continue;
    let end = i + 1;
    while (end < lines.length && !/^(export |\/\*\*|\/\/|const |import )/.test(lines[end]!)) end++;
    found.set(match[2]!, { kind: match[1]!, text: lines.slice(i, end).join("\n").trimEnd() });
  }
  return found;
}

export function namespaceName(store: string): string {
  return `${store}Types`;
}

export function emitBarrel(modules: readonly ModuleText[]): string {
  const sorted = [...modules].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const tables = sorted.map((m) => ({ module: m, names: declarations(m.text) }));
  const first = new Map<string, { store: string; text: string }>();
  const clashing = new Set<string>();
  for (const { module, names } of tables) {
    for (const [name, declaration] of names) {
      const seen = first.get(name);
      if (seen === undefined) first.set(name, { store: module.store, text: declaration.text });
      else if (seen.text !== declaration.text) clashing.add(name);
    }
  }
  // A declaration two stores write alike still differs when it names a type that differs.
  const shared = [...first.keys()].filter((name) => tables.filter((t) => t.names.has(name)).length > 1);
  for (let grew = true; grew; ) {
    grew = false;
    for (const name of shared) {
      if (clashing.has(name)) continue;
      const words = new Set(first.get(name)!.text.match(/[A-Za-z_$][A-Za-z0-9_$]*/g) ?? []);
      if ([...clashing].some((c) => words.has(c))) {
        clashing.add(name);
        grew = true;
      }
    }
  }
  const lines: string[] = [];
  for (const { module, names } of tables) {
    const exported = [...names]
      .filter(([name]) => !clashing.has(name) && first.get(name)?.store === module.store)
      .map(([name, d]) => (d.kind === "interface" || d.kind === "type" ? `type ${name}` : name));
    if (exported.length > 0) lines.push(`export {\n${exported.map((e) => `  ${e},`).join("\n")}\n} from "${module.file}";`);
    if ([...names.keys()].some((name) => clashing.has(name))) lines.push(`export * as ${namespaceName(module.store)} from "${module.file}";`);
  }
  return `${lines.join("\n")}\n`;
}
