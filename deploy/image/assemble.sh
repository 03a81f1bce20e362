#!/bin/sh
# Used by deploy/Dockerfile's build stage to make the tree the runtime image holds (OUT) from
# the built workspace (SRC):
#
# 1. What ships: the services the image runs (gateway, shard, embedded) and the workspace
#    packages they depend on, transitively (read from the package.json files). Tools such as
#    the load generator stay out, and so do their dependencies.
# 2. A fresh, production-only install of exactly those in OUT, from the same lockfile and the
#    workspace's manifests, offline from the pnpm store the build stage filled. Fresh on
#    purpose: on an installed workspace, `pnpm install --prod` only unlinks dev dependencies
#    (they stay in node_modules/.pnpm) and `pnpm prune --prod` empties the workspace packages'
#    node_modules (pnpm 10.34.9, both tried).
# 3. Each shipped package's dist/ (tsc output, the web client bundle) and the rest of its
#    manifest's "files" (packages/guard/lua: the Redis scripts it reads). No sources, tests,
#    tsconfig or build info.
# 4. Only the uWebSockets.js binary this platform and Node ABI load
#    (binaries/uws_<platform>_<arch>_<abi>.node, as the package's src/uws.js picks it): it
#    ships one per platform x ABI (~110 MB), plus stray copies in dist/ that it never loads.
#    The runtime stage uses the same base image, so the binary `node` here would pick is the
#    one it needs; the Dockerfile then runs `entrypoint.sh check` to prove it loads.
#
# Usage: PNPM=pnpm@10.34.9 sh deploy/image/assemble.sh SRC OUT
set -eu

src=${1:?usage: assemble.sh SRC OUT}
out=${2:?usage: assemble.sh SRC OUT}
pnpm=${PNPM:?PNPM: the pinned pnpm, e.g. pnpm@10.34.9}
services="@shardgate/gateway @shardgate/shard @shardgate/embedded"

# 1. The shipped services and their workspace dependencies, as "name dir" lines.
# shellcheck disable=SC2086 # word splitting of $services is intended
ship=$(node -e '
  const fs = require("node:fs");
  const path = require("node:path");
  const [src, ...roots] = process.argv.slice(1);
  const dirs = new Map();
  for (const top of ["packages", "services"]) {
    for (const name of fs.readdirSync(path.join(src, top))) {
      const file = path.join(src, top, name, "package.json");
      if (fs.existsSync(file)) dirs.set(JSON.parse(fs.readFileSync(file, "utf8")).name, `${top}/${name}`);
    }
  }
  const seen = new Set();
  const stack = [...roots];
  while (stack.length > 0) {
    const name = stack.pop();
    if (seen.has(name)) continue;
    if (!dirs.has(name)) throw new Error(`${name}: no such workspace package`);
    seen.add(name);
    const manifest = JSON.parse(fs.readFileSync(path.join(src, dirs.get(name), "package.json"), "utf8"));
    for (const [dep, spec] of Object.entries(manifest.dependencies ?? {})) {
      if (String(spec).startsWith("workspace:")) stack.push(dep);
    }
  }
  for (const name of [...seen].sort()) console.log(`${name} ${dirs.get(name)}`);
' "$src" $services)

# 2. Every workspace manifest in the build (pnpm checks the lockfile against all of them),
#    wherever pnpm-workspace.yaml's `packages:` globs say they are, then the
#    production install of the shipped services and what they depend on.
mkdir -p "$out"
cp "$src/package.json" "$src/pnpm-lock.yaml" "$src/pnpm-workspace.yaml" "$out/"
globs=$(sed -n '/^packages:/,/^[^ -]/s/^ *- *//p' "$src/pnpm-workspace.yaml" | tr -d "'\"")
[ -n "$globs" ] || { echo "assemble.sh: no packages: globs in pnpm-workspace.yaml" >&2; exit 1; }
for glob in $globs; do
  for dir in "$src"/$glob; do
    if [ ! -f "$dir/package.json" ]; then continue; fi
    rel=${dir#"$src"/}
    mkdir -p "$out/$rel"
    cp "$dir/package.json" "$out/$rel/"
  done
done
filters=""
for name in $services; do filters="$filters --filter=$name..."; done
# shellcheck disable=SC2086 # word splitting of $filters is intended
(cd "$out" && npx --yes "$pnpm" install --prod --frozen-lockfile --offline $filters)

# 3. The build output of what ships; the manifests of the rest stay (pnpm's workspace), empty.
echo "$ship" | while read -r name rel; do
  if [ ! -d "$src/$rel/dist" ]; then
    echo "assemble.sh: $name ($rel) has no dist/: was the workspace built?" >&2
    exit 1
  fi
  # dist/ and whatever else the manifest's "files" names (the guard reads its lua/ at run time).
  for entry in $(node -p '(JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")).files || ["dist"]).join(" ")' "$src/$rel/package.json"); do cp -a "$src/$rel/$entry" "$out/$rel/"; done
done

# 4. One uWebSockets.js binary.
keep="uws_$(node -p 'process.platform + "_" + process.arch + "_" + process.versions.modules').node"
find "$out/node_modules/.pnpm" -path '*uws-js-unofficial*' -name 'uws_*.node' ! -path "*/binaries/$keep" -exec rm -f {} +

# The entry points the image exists for: fail the build here rather than at first start.
for bin in services/gateway/dist/bin.js services/shard/dist/bin.js services/embedded/dist/bin.js; do
  if [ ! -f "$out/$bin" ]; then
    echo "assemble.sh: $bin is missing from the build output" >&2
    exit 1
  fi
done
echo "assemble.sh: shipped $(echo "$ship" | awk '{print $1}' | tr '\n' ' ')"
