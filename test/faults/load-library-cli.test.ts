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
});
