// Type tests for the synced interfaces (golden case synced-interfaces): compiled by tsc
// (see types.test.ts). Each `@ts-expect-error` line must be an error; every other line must compile.
import type { SyncedList } from "redis-memory";
import { Nesting, type NodeSynced, type PersonSynced } from "../../fixtures/generator/cases/synced-interfaces/expected/nesting.js";

export async function nestingTypes(): Promise<void> {
  const n = await Nesting.open();
  // A $def's anonymous object is named after it: Person.address -> PersonAddress(Synced).
  n.people.push({ name: "ann", address: { city: "Oslo" } });
  const ann: PersonSynced | undefined = n.people[0];
  if (ann) {
    ann.address = { city: "Bergen" };
    if (ann.address) ann.address.city = "Lyon";
    // @ts-expect-error closed nested object
    ann.address = { city: "Oslo", zip: "1" };
  }
  // Lists of anonymous objects: <Holder><Path>Item.
  n.rows.push({ id: 1 });
  n.rows[0]!.tags = ["a"];
  n.rows[0]!.tags?.append("b");
  // @ts-expect-error id is an integer
  n.rows.push({ id: "1" });
  // Index signatures read synced values; container values are written through update().
  n.byName.update({ bob: { name: "bob" } });
  n.byName.bob?.asdict();
  if (n.byName.bob) n.byName.bob.address = { city: "Rome" };
  n.groups.update({ admins: { members: ["ann"] } });
  n.groups.admins?.members?.push("bob");
  n.lists.update({ l_a: [1] });
  const la: SyncedList<number> | undefined = n.lists.l_a;
  void la;
  // @ts-expect-error index values are synced lists, not plain arrays
  n.lists.l_b = [1];
  // Recursive types: the synced interface refers to itself.
  n.tree = { label: "root", children: [] };
  const tree: NodeSynced | undefined = n.tree;
  tree?.children.push({ label: "leaf", children: [] });
  if (tree) tree.children[0]!.children = [{ label: "x", children: [] }];
  // A oneOf of object types: the union of their synced interfaces.
  n.pet = { kind: "dog", tricks: ["sit"] };
  const pet = n.pet;
  if (pet?.kind === "dog") pet.tricks = ["roll"];
  // @ts-expect-error a cat has no tricks
  n.pet = { kind: "cat", tricks: [] };
  // A property named like a dict method wins over the method.
  n.methods.clear = true;
  n.methods.get = ["x"];
  n.methods.get?.append("y");
  n.methods.update({ clear: false });
}
