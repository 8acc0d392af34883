// `redis-memory load-library`: an admin loads the batch script's function library where
// the stores' users may not (docs/guides/acl.md); their batches then go by FCALL.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { APPLY_LIBRARY, APPLY_LIBRARY_NAME } from "../../runtime/batch-script.js";
import { privateServer, tenantUser } from "../helpers/servers.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const cli = (...args: string[]): { status: number | null; stdout: string; stderr: string } =>
  spawnSync(process.execPath, ["--import", "tsx", "runtime/cli.ts", ...args], { cwd: ROOT, encoding: "utf8" });

const raws: Redis[] = [];
afterAll(() => raws.forEach((raw) => raw.disconnect()));

describe("redis-memory load-library", () => {
  it("loads and checks the library as an admin; a user who may not load it is told why, exit 1", async () => {
    const { url } = await privateServer();
    const raw = new Redis(url);
    raws.push(raw);
    const tenant = await tenantUser(url, ["memory:"], ["+@all", "-function|load"]);
    const refused = cli("load-library", "--redis", tenant.url);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`${APPLY_LIBRARY_NAME} cannot be used on 1 server`);
    expect(refused.stderr).toMatch(/NOPERM/);
    expect(refused.stderr).not.toContain(tenant.password);
    expect(await raw.call("FUNCTION", "LIST")).toEqual([]);

    const loaded = cli("load-library", "--redis", url);
    expect(loaded.stdout).toBe(`${APPLY_LIBRARY_NAME}: loaded and checked on 1 server\n`);
    expect(loaded.status).toBe(0);
    const listed = (await raw.call("FUNCTION", "LIST", "LIBRARYNAME", APPLY_LIBRARY_NAME, "WITHCODE")) as unknown[][];
    expect(listed[0]).toContain(APPLY_LIBRARY);
    // Now the tenant only checks it: ready.
    expect(cli("load-library", "--redis", tenant.url).status).toBe(0);
  });

  it("--prune deletes the libraries of other versions and nothing else", async () => {
    const { url } = await privateServer();
    const raw = new Redis(url);
    raws.push(raw);
    // What an earlier deploy left: the same library under an older version's name, and
    // a library of someone else's that merely starts alike.
    const older = "redis_memory_0123456789abcdef";
    const olderFunction = "redis_memory_apply_0123456789abcdef";
    await raw.call("FUNCTION", "LOAD", APPLY_LIBRARY.replace(`name=${APPLY_LIBRARY_NAME}`, `name=${older}`).replace(/'redis_memory_apply_[0-9a-f]{16}'/, `'${olderFunction}'`));
    await raw.call("FUNCTION", "LOAD", "#!lua name=redis_memory_tools\nredis.register_function('redis_memory_tools_ping', function() return 1 end)\n");
    const names = async (): Promise<string[]> =>
      ((await raw.call("FUNCTION", "LIST")) as unknown[][]).map((library) => String(library[library.indexOf("library_name") + 1])).sort();

    const pruned = cli("load-library", "--redis", url, "--prune");
    expect(pruned.status).toBe(0);
    expect(pruned.stdout).toBe(`${APPLY_LIBRARY_NAME}: loaded and checked on 1 server\ndeleted 1 of other versions: ${older}\n`);
    expect(await names()).toEqual([APPLY_LIBRARY_NAME, "redis_memory_tools"].sort());
    // Again: nothing left to delete.
    expect(cli("load-library", "--redis", url, "--prune").stdout).toContain("no library of another version to delete");
  });
});
