// Schema problems are collected, never thrown one by one: a user fixing a schema
// wants every problem of a run at once. Each carries the rule it breaks (the rule's
// sentence is the message), the schema file and the JSON pointer inside it.

export interface Problem {
  /** The rule, as a sentence a user can act on. */
  readonly rule: string;
  /** Schema file, relative to the working directory, posix slashes. */
  readonly file: string;
  /** JSON pointer inside the file (`""` for the whole file). */
  readonly pointer: string;
}

/** Thrown by `generate()` when the input has problems; carries all of them. */
export class SchemaProblemsError extends Error {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[]) {
    super(formatProblems(problems));
    this.name = "SchemaProblemsError";
    this.problems = problems;
  }
}

/** `file#/pointer: reason`, one line per problem, sorted for stable output. */
export function formatProblems(problems: readonly Problem[]): string {
  const lines = problems.map((p) => `${p.file}#${p.pointer}: ${p.rule}`);
  return [...new Set(lines)].sort().join("\n");
}

/** Collects problems while a stage walks the schemas. */
export class Problems {
  readonly list: Problem[] = [];
  add(file: string, pointer: string, rule: string): void {
    this.list.push({ rule, file, pointer });
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw new SchemaProblemsError(this.list);
  }
}

export function unreachable(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}

/** Escapes one JSON pointer segment (RFC 6901). */
export function escapePointer(segment: string | number): string {
  return String(segment).replace(/~/g, "~0").replace(/\//g, "~1");
}

export function pointerJoin(pointer: string, ...segments: (string | number)[]): string {
  return pointer + segments.map((s) => "/" + escapePointer(s)).join("");
}
