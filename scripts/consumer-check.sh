#!/usr/bin/env bash
# The consumer path, as a new user takes it: pack redis-memory, install the tarball
# in a fresh project, generate a store there with `npx redis-memory-gen`, compile it
# with tsc, then write and read through Redis from a script run by node.
# Uses REDIS_URL, or starts a private redis-server. Needs the npm registry for the
# tarball's dependencies (and typescript).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/redis-memory-consumer.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cd "$root"
npm run build --silent >/dev/null
tarball="$(npm pack --silent --pack-destination "$work" | tail -n 1)"

mkdir -p "$work/app/schemas" && cd "$work/app"
cat > package.json <<'JSON'
{ "name": "consumer-app", "private": true, "type": "module" }
JSON
npm install --silent --no-audit --no-fund "$work/$tarball" "typescript@$(node -p "require('$root/package.json').devDependencies.typescript")" "@types/node@$(node -p "require('$root/package.json').devDependencies['@types/node']")" >/dev/null
cat > schemas/notes.json <<'JSON'
{
  "title": "Notes",
  "type": "object",
  "properties": {
    "owner": { "type": "string" },
    "items": { "type": "array", "items": { "type": "string", "maxLength": 50 }, "default": [] },
    "prefs": { "type": "object", "properties": { "theme": { "enum": ["light", "dark"] } }, "default": {} }
  },
  "required": ["items", "prefs"]
}
JSON
npx redis-memory-gen schemas --out generated
npx redis-memory-gen schemas --out generated --check --quiet
cat > tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true,
    "noUncheckedIndexedAccess": true, "exactOptionalPropertyTypes": true, "verbatimModuleSyntax": true,
    "skipLibCheck": true, "types": ["node"], "outDir": "dist"
  },
  "include": ["generated", "main.ts"]
}
JSON
cat > main.ts <<'TS'
import { ValidationError } from "redis-memory";
import { Notes } from "./generated/index.js";

const id = `consumer-${process.pid}`;
const a = await Notes.open({ id });
a.owner = "ada";
a.items.push("buy milk", "call bob");
a.prefs.theme = "dark";
await a.$flush();
const b = await Notes.open({ id });
const data = b.$asdict();
const seen = JSON.stringify({ owner: data.owner, items: data.items, prefs: data.prefs });
let rejected = false;
try {
  b.items.push("x".repeat(51));
} catch (error) {
  rejected = error instanceof ValidationError;
}
await a.$delete();
await a.$close();
await b.$close();
const expected = JSON.stringify({ owner: "ada", items: ["buy milk", "call bob"], prefs: { theme: "dark" } });
if (seen !== expected || !rejected) {
  console.error(`consumer check FAILED: read ${seen}, validation rejected: ${rejected}`);
  process.exit(1);
}
console.log(`consumer check ok: ${seen}`);
TS
npx tsc -p tsconfig.json

if [ -z "${REDIS_URL:-}" ]; then
  port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null &
  server_pid=$!
  export REDIS_URL="redis://127.0.0.1:$port"
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
fi
node dist/main.js
