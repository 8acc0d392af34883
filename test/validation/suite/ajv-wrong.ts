// Tests of the suite where ajv 8 (set up as the runtime sets it up) disagrees with the suite,
// and why. The stores are held to ajv, so the stores disagree with the suite there too.
// Regenerate the list (not the reasons) with a run of the suite test: it names any test
// ajv gets wrong that is missing here.
export const AJV_WRONG: Readonly<Record<string, string>> = {
  "draft2020-12/properties.json | properties whose names are Javascript object property names | __proto__ not valid":
    "ajv never applies `properties.__proto__` (its code skips that key, a guard against prototype pollution): `{\"__proto__\": \"foo\"}` passes; the stores follow ajv",
  "draft7/properties.json | properties whose names are Javascript object property names | __proto__ not valid":
    "ajv never applies `properties.__proto__` (its code skips that key, a guard against prototype pollution): `{\"__proto__\": \"foo\"}` passes; the stores follow ajv",
  "draft2020-12/enum.json | empty enum | string is invalid":
    "ajv refuses to compile `enum: []` (\"enum must have non-empty array\"); the suite says no value is valid",
  "draft2020-12/enum.json | empty enum | number is invalid":
    "ajv refuses to compile `enum: []` (\"enum must have non-empty array\"); the suite says no value is valid",
  "draft2020-12/enum.json | empty enum | null is invalid":
    "ajv refuses to compile `enum: []` (\"enum must have non-empty array\"); the suite says no value is valid",
  "draft2020-12/enum.json | empty enum | object is invalid":
    "ajv refuses to compile `enum: []` (\"enum must have non-empty array\"); the suite says no value is valid",
  "draft2020-12/enum.json | empty enum | array is invalid":
    "ajv refuses to compile `enum: []` (\"enum must have non-empty array\"); the suite says no value is valid",
  "draft2020-12/enum.json | empty enum | boolean is invalid":
    "ajv refuses to compile `enum: []` (\"enum must have non-empty array\"); the suite says no value is valid",
  "draft2020-12/format.json | email format | invalid email string is only an annotation by default":
    "formats are asserted here (ajv-formats, as the runtime sets ajv up); 2020-12 and draft-07 make `format` an annotation by default",
  "draft2020-12/format.json | regex format | invalid regex string is only an annotation by default":
    "formats are asserted here (ajv-formats, as the runtime sets ajv up); 2020-12 and draft-07 make `format` an annotation by default",
  "draft2020-12/format.json | ipv4 format | invalid ipv4 string is only an annotation by default":
    "formats are asserted here (ajv-formats, as the runtime sets ajv up); 2020-12 and draft-07 make `format` an annotation by default",
  "draft2020-12/format.json | ipv6 format | invalid ipv6 string is only an annotation by default":
    "formats are asserted here (ajv-formats, as the runtime sets ajv up); 2020-12 and draft-07 make `format` an annotation by default",
  "draft2020-12/format.json | hostname format | invalid hostname string is only an annotation by default":
    "formats are asserted here (ajv-formats, as the runtime sets ajv up); 2020-12 and draft-07 make `format` an annotation by default",
  "draft2020-12/format.json | date format | invalid date string is only an annotation by default":
    "formats are asserted here (ajv-formats, as the runtime sets ajv up); 2020-12 and draft-07 make `format` an annotation by default",
  "draft2020-12/format.json | date-time format | invalid date-time string is only an annotation by default":
    "formats are asserted here (ajv-formats, as the runtime sets ajv up); 2020-12 and draft-07 make `format` an annotation by default",
  "draft2020-12/format.json | time format | invalid time string is only an annotation by default":
    "formats are asserted here (ajv-formats, as the runtime sets ajv up); 2020-12 and draft-07 make `format` an annotation by default",
  "draft2020-12/format.json | json-pointer format | invalid json-pointer string is only an annotation by default":
    "formats are asserted here (ajv-formats, as the runtime sets ajv up); 2020-12 and draft-07 make `format` an annotation by default",
  "draft2020-12/format.json | relative-json-pointer format | invalid relative-json-pointer string is only an annotation by default":
    "formats are asserted here (ajv-formats, as the runtime sets ajv up); 2020-12 and draft-07 make `format` an annotation by default",
  "draft2020-12/format.json | uri format | invalid uri string is only an annotation by default":
    "formats are asserted here (ajv-formats, as the runtime sets ajv up); 2020-12 and draft-07 make `format` an annotation by default",
  "draft2020-12/format.json | uri-reference format | invalid uri-reference string is only an annotation by default":
    "formats are asserted here (ajv-formats, as the runtime sets ajv up); 2020-12 and draft-07 make `format` an annotation by default",
  "draft2020-12/format.json | uri-template format | invalid uri-template string is only an annotation by default":
    "formats are asserted here (ajv-formats, as the runtime sets ajv up); 2020-12 and draft-07 make `format` an annotation by default",
  "draft2020-12/format.json | uuid format | invalid uuid string is only an annotation by default":
    "formats are asserted here (ajv-formats, as the runtime sets ajv up); 2020-12 and draft-07 make `format` an annotation by default",
  "draft2020-12/format.json | duration format | invalid duration string is only an annotation by default":
    "formats are asserted here (ajv-formats, as the runtime sets ajv up); 2020-12 and draft-07 make `format` an annotation by default",
  "draft2020-12/ref.json | refs with relative uris and defs | invalid on inner field":
    "ajv overflows its stack compiling these nested `$id`/`$ref` resources",
  "draft2020-12/ref.json | refs with relative uris and defs | invalid on outer field":
    "ajv overflows its stack compiling these nested `$id`/`$ref` resources",
  "draft2020-12/ref.json | refs with relative uris and defs | valid on both fields":
    "ajv overflows its stack compiling these nested `$id`/`$ref` resources",
  "draft2020-12/ref.json | relative refs with absolute uris and defs | invalid on inner field":
    "ajv overflows its stack compiling these nested `$id`/`$ref` resources",
  "draft2020-12/ref.json | relative refs with absolute uris and defs | invalid on outer field":
    "ajv overflows its stack compiling these nested `$id`/`$ref` resources",
  "draft2020-12/ref.json | relative refs with absolute uris and defs | valid on both fields":
    "ajv overflows its stack compiling these nested `$id`/`$ref` resources",
  "draft2020-12/ref.json | URN ref with nested pointer ref | a string is valid":
    "ajv overflows its stack compiling these nested `$id`/`$ref` resources",
  "draft2020-12/ref.json | URN ref with nested pointer ref | a non-string is invalid":
    "ajv overflows its stack compiling these nested `$id`/`$ref` resources",
  "draft2020-12/unevaluatedItems.json | unevaluatedItems with nested items | with no additional items":
    "ajv does not collect evaluated items/properties from `contains` or from an `if` without `then`/`else`",
  "draft2020-12/unevaluatedItems.json | unevaluatedItems with nested items | with invalid additional item":
    "ajv does not collect evaluated items/properties from `contains` or from an `if` without `then`/`else`",
  "draft2020-12/unevaluatedItems.json | unevaluatedItems with $dynamicRef | with no unevaluated items":
    "ajv does not follow `$dynamicRef` across dynamic scopes",
  "draft2020-12/unevaluatedItems.json | unevaluatedItems with $dynamicRef | with unevaluated items":
    "ajv does not follow `$dynamicRef` across dynamic scopes",
  "draft2020-12/unevaluatedItems.json | unevaluatedItems depends on adjacent contains | contains passes, second item is not evaluated":
    "ajv does not collect evaluated items/properties from `contains` or from an `if` without `then`/`else`",
  "draft2020-12/unevaluatedItems.json | unevaluatedItems depends on multiple nested contains | 7 not evaluated, fails unevaluatedItems":
    "ajv does not collect evaluated items/properties from `contains` or from an `if` without `then`/`else`",
  "draft2020-12/unevaluatedItems.json | unevaluatedItems and contains interact to control item dependency relationship | only b's are invalid":
    "ajv does not collect evaluated items/properties from `contains` or from an `if` without `then`/`else`",
  "draft2020-12/unevaluatedItems.json | unevaluatedItems and contains interact to control item dependency relationship | only c's are invalid":
    "ajv does not collect evaluated items/properties from `contains` or from an `if` without `then`/`else`",
  "draft2020-12/unevaluatedItems.json | unevaluatedItems and contains interact to control item dependency relationship | only b's and c's are invalid":
    "ajv does not collect evaluated items/properties from `contains` or from an `if` without `then`/`else`",
  "draft2020-12/unevaluatedItems.json | unevaluatedItems and contains interact to control item dependency relationship | only a's and c's are invalid":
    "ajv does not collect evaluated items/properties from `contains` or from an `if` without `then`/`else`",
  "draft2020-12/unevaluatedItems.json | unevaluatedItems with minContains = 0 | all items evaluated by contains":
    "ajv does not collect evaluated items/properties from `contains` or from an `if` without `then`/`else`",
  "draft2020-12/unevaluatedItems.json | unevaluatedItems can see annotations from if without then and else | valid in case if is evaluated":
    "ajv does not collect evaluated items/properties from `contains` or from an `if` without `then`/`else`",
  "draft2020-12/unevaluatedProperties.json | unevaluatedProperties with if/then/else, then not defined | when if is true and has no unevaluated properties":
    "ajv does not collect evaluated items/properties from `contains` or from an `if` without `then`/`else`",
  "draft2020-12/unevaluatedProperties.json | unevaluatedProperties with if/then/else, then not defined | when if is false and has unevaluated properties":
    "ajv does not collect evaluated items/properties from `contains` or from an `if` without `then`/`else`",
  "draft2020-12/unevaluatedProperties.json | unevaluatedProperties with $dynamicRef | with no unevaluated properties":
    "ajv does not follow `$dynamicRef` across dynamic scopes",
  "draft2020-12/unevaluatedProperties.json | unevaluatedProperties with $dynamicRef | with unevaluated properties":
    "ajv does not follow `$dynamicRef` across dynamic scopes",
  "draft2020-12/unevaluatedProperties.json | unevaluatedProperties can see annotations from if without then and else | valid in case if is evaluated":
    "ajv does not collect evaluated items/properties from `contains` or from an `if` without `then`/`else`",
  "draft2020-12/vocabulary.json | schema that uses custom metaschema with with no validation vocabulary | applicator vocabulary still works":
    "custom meta-schemas with `$vocabulary` need remote documents ajv does not have",
  "draft2020-12/vocabulary.json | schema that uses custom metaschema with with no validation vocabulary | no validation: valid number":
    "custom meta-schemas with `$vocabulary` need remote documents ajv does not have",
  "draft2020-12/vocabulary.json | schema that uses custom metaschema with with no validation vocabulary | no validation: invalid number, but it still validates":
    "custom meta-schemas with `$vocabulary` need remote documents ajv does not have",
  "draft2020-12/vocabulary.json | ignore unrecognized optional vocabulary | string value":
    "custom meta-schemas with `$vocabulary` need remote documents ajv does not have",
  "draft2020-12/vocabulary.json | ignore unrecognized optional vocabulary | number value":
    "custom meta-schemas with `$vocabulary` need remote documents ajv does not have",
  "draft7/ref.json | ref overrides any sibling keywords | ref valid, maxItems ignored":
    "draft-07: `$ref` overrides its siblings; ajv applies them as 2020-12 does",
  "draft7/ref.json | $ref prevents a sibling $id from changing the base uri | $ref resolves to /definitions/base_foo, data does not validate":
    "draft-07: a sibling `$id` of `$ref` is ignored; ajv changes the base URI",
  "draft7/ref.json | $ref prevents a sibling $id from changing the base uri | $ref resolves to /definitions/base_foo, data validates":
    "draft-07: a sibling `$id` of `$ref` is ignored; ajv changes the base URI",
};
