// Schema problems and warnings are collected, never thrown one by one: a user fixing a
// schema wants every problem of a run at once. Each carries the rule it breaks or applies
// (the rule's sentence is the message), the schema file and the JSON pointer inside it.
// A warning says what the generator did instead of refusing; `strict` makes it a problem.

export { escapePointer, pointerJoin } from "./json.js";

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

/** Where a problem is: `file#/pointer`, or `file` when it is about the whole file. */
export function placeOfProblem(problem: Problem): string {
  return problem.pointer === "" ? problem.file : `${problem.file}#${problem.pointer}`;
}

/** `file#/pointer: reason` (`file: reason` for a whole file), one line per problem, sorted for stable output. */
export function formatProblems(problems: readonly Problem[]): string {
  const lines = problems.map((p) => `${placeOfProblem(p)}: ${p.rule}`);
  return [...new Set(lines)].sort().join("\n");
}

/** Collects problems and warnings while a stage walks the schemas. */
export class Problems {
  readonly list: Problem[] = [];
  readonly warnings: Problem[] = [];
  private readonly seen = new Set<string>();
  /** With `strict`, every warning is a problem. */
  constructor(readonly strict = false) {}
  add(file: string, pointer: string, rule: string): void {
    this.list.push({ rule, file, pointer });
  }
  /** A warning; `once` (a key) keeps one warning per key and file. */
  warn(file: string, pointer: string, rule: string, once?: string): void {
    if (once !== undefined) {
      const key = `${file}\0${once}`;
      if (this.seen.has(key)) return;
      this.seen.add(key);
    }
    if (this.strict) this.add(file, pointer, `${rule} (an error with --strict)`);
    else this.warnings.push({ rule, file, pointer });
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw new SchemaProblemsError(this.list);
  }
}

export function unreachable(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}
