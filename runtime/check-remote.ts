// Another writer's batch, once applied (the replica equals Redis), checked against this
// process's schema: a writer of another schema version, or one that bypassed the
// schema, may have written what this schema refuses. The places the batch changed are
// checked (a written value alone; a container whole where its size or a whole-container
// keyword is concerned), never the whole store, and what fails is reported, not undone.
import { ValidationError, type ValidationProblem } from "./errors.js";
import type { ReplicaOp } from "./op/rows.js";
import { DictNode, ListNode, type Node } from "./node.js";
import { checkListChange, checkWhole, childShape } from "./validate.js";
import { plainCopy } from "./values.js";

/** The problems of the places `ops` changed, as one `ValidationError`, or undefined. */
export function checkApplied(ops: readonly ReplicaOp[]): ValidationError | undefined {
  const problems: ValidationProblem[] = [];
  const collect = (check: () => void): void => {
    try {
      check();
    } catch (error) {
      if (error instanceof ValidationError) problems.push(...error.problems);
      else throw error;
    }
  };
  for (const op of ops) {
    const node = op[1];
    if (!node.attached || op[0] === "promote") continue;
    switch (op[0]) {
      case "set":
      case "setnx":
      case "incr":
        collect(() => value(node, op[2], (node as DictNode).fields[op[2]]));
        collect(() => checkWhole(node, () => plainCopy(node.proxy)));
        break;
      case "lset":
        collect(() => value(node, op[2], (node as ListNode).items[op[2]]));
        collect(() => checkWhole(node, () => plainCopy(node.proxy)));
        break;
      case "push":
      case "unshift": {
        const list = node as ListNode;
        const first = op[0] === "push" ? list.items.length - op[2].length : 0;
        for (let i = 0; i < op[2].length; i++) collect(() => value(list, first + i, list.items[first + i]));
        collect(() => checkListChange(list, list.items.length, () => list.items));
        break;
      }
      case "pop":
      case "shift":
        collect(() => checkListChange(node as ListNode, (node as ListNode).items.length, () => (node as ListNode).items));
        break;
      case "splice":
      case "replace": {
        const list = node as ListNode;
        const first = op[0] === "splice" ? op[2] : 0;
        const values = op[0] === "splice" ? op[4] : op[2];
        for (let i = 0; i < values.length; i++) collect(() => value(list, first + i, list.items[first + i]));
        collect(() => checkListChange(list, list.items.length, () => list.items));
        break;
      }
      case "del":
      case "clear":
        collect(() => (node instanceof ListNode ? checkListChange(node, node.items.length, () => node.items) : keys(node as DictNode)));
        break;
    }
  }
  return problems.length === 0 ? undefined : new ValidationError(problems);
}

function value(parent: Node, key: string | number, held: unknown): void {
  const validate = childShape(parent.shape, key).validate;
  const issues = validate?.(plainCopy(held));
  if (issues) throw new ValidationError(issues.map((i) => ({ path: [...parent.path(), key, ...i.path], schemaPointer: i.schemaPointer, message: i.message })));
}

/** A dict that lost keys: its required keys and minProperties, and whole where its schema asks. */
function keys(node: DictNode): void {
  const shape = node.shape;
  if (shape.kind === "dict") {
    const size = Object.keys(node.fields).length;
    const missing = (shape.required ?? []).filter((key) => !(key in node.fields));
    if (missing.length > 0 || (shape.minProperties !== undefined && size < shape.minProperties)) {
      const keyword = missing.length > 0 ? "required" : "minProperties";
      const message = missing.length > 0 ? `must have required property ${JSON.stringify(missing[0])} (required)` : `must NOT have fewer than ${shape.minProperties} properties (minProperties)`;
      throw new ValidationError([{ path: node.path(), schemaPointer: `${shape.keywords ?? shape.source ?? "#"}/${keyword}`, message }]);
    }
  }
  checkWhole(node, () => plainCopy(node.proxy));
}
