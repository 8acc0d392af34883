// Tests of the suite where the stores disagree with ajv although ajv is right, and why:
// what the generator does not do yet. The suite test fails when a test disagrees that is
// not listed here, and when a listed test agrees (so that the list only shrinks).
export const STORE_GAPS: Readonly<Record<string, string>> = {
  "draft2020-12/properties.json | properties whose names are Javascript object property names | __proto__ not valid":
    "a declared property named `__proto__` is refused by the generator (TypeScript types cannot declare it): the group does not generate",
  "draft2020-12/properties.json | properties whose names are Javascript object property names | all present and valid":
    "a declared property named `__proto__` is refused by the generator (TypeScript types cannot declare it): the group does not generate",
  "draft2020-12/properties.json | properties whose names are Javascript object property names | constructor not valid":
    "a declared property named `__proto__` is refused by the generator (TypeScript types cannot declare it): the group does not generate",
  "draft2020-12/properties.json | properties whose names are Javascript object property names | ignores arrays":
    "a declared property named `__proto__` is refused by the generator (TypeScript types cannot declare it): the group does not generate",
  "draft2020-12/properties.json | properties whose names are Javascript object property names | ignores other non-objects":
    "a declared property named `__proto__` is refused by the generator (TypeScript types cannot declare it): the group does not generate",
  "draft2020-12/properties.json | properties whose names are Javascript object property names | toString not valid":
    "a declared property named `__proto__` is refused by the generator (TypeScript types cannot declare it): the group does not generate",
  "draft7/properties.json | properties whose names are Javascript object property names | __proto__ not valid":
    "a declared property named `__proto__` is refused by the generator (TypeScript types cannot declare it): the group does not generate",
  "draft7/properties.json | properties whose names are Javascript object property names | all present and valid":
    "a declared property named `__proto__` is refused by the generator (TypeScript types cannot declare it): the group does not generate",
  "draft7/properties.json | properties whose names are Javascript object property names | constructor not valid":
    "a declared property named `__proto__` is refused by the generator (TypeScript types cannot declare it): the group does not generate",
  "draft7/properties.json | properties whose names are Javascript object property names | ignores arrays":
    "a declared property named `__proto__` is refused by the generator (TypeScript types cannot declare it): the group does not generate",
  "draft7/properties.json | properties whose names are Javascript object property names | ignores other non-objects":
    "a declared property named `__proto__` is refused by the generator (TypeScript types cannot declare it): the group does not generate",
  "draft7/properties.json | properties whose names are Javascript object property names | toString not valid":
    "a declared property named `__proto__` is refused by the generator (TypeScript types cannot declare it): the group does not generate",
};
