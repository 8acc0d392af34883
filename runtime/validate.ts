// Schema checks of a write at the place it lands: the place's shape (from the
// generator) validates only the value written, so the cost follows its size.
import { ValidationError, type DataPath } from "./errors.js";
import type { Node } from "./node.js";
import { anyShape, type Shape } from "./shape.js";

/** The shape of `shape[key]`: list item, tuple position, declared or additional property. */
export function childShape(shape: Shape, key: string | number): Shape {
  switch (shape.kind) {
    case "list":
      return (typeof key === "number" ? shape.prefixItems?.[key] : undefined) ?? shape.items;
    case "dict": {
      if (typeof key === "string") {
        const declared = shape.properties && Object.hasOwn(shape.properties, key) ? shape.properties[key] : undefined;
        if (declared) return declared;
        const pattern = shape.patternProperties?.find((p) => new RegExp(p.pattern, "u").test(key));
        if (pattern) return pattern.shape;
      }
      return shape.additional === false || shape.additional === undefined ? anyShape : shape.additional;
    }
    default:
      return anyShape;
  }
}

/** Throws `ValidationError` (paths from the store root) unless `value` fits `shape`. */
export function validatePlace(shape: Shape, value: unknown, parent: Node, key: string | number): void {
  const validate = shape.validate;
  if (!validate) return;
  const issues = validate(value);
  if (!issues) return;
  const base: DataPath = [...parent.path(), key];
  throw new ValidationError(
    issues.map((issue) => ({ path: [...base, ...issue.path], schemaPointer: issue.schemaPointer, message: issue.message })),
  );
}
