#!/bin/sh
# Makes a local stand-in for the image deploy/Dockerfile builds FROM (node:20-bookworm-slim)
# without any image registry: a minimal Debian bookworm from Debian's own packages
# (debootstrap), this machine's Node.js 20 and npm copied in where the official image keeps
# them (/usr/local), ca-certificates, and the user `node` (uid/gid 1000) that the Dockerfile's
# `USER 1000:1000` and Kubernetes' runAsUser expect. Used by CI and test/deploy/docker-image
# on machines that reach Debian's mirror and the npm registry but no image registry.
#
# It does nothing when the tag already exists (pass --force to rebuild it). Not for
# production: build the real image FROM the official node:20-bookworm-slim.
#
# Usage: sh deploy/image/offline-base.sh [--force] [TAG]      (TAG: node:20-bookworm-slim)
# Environment: DEBIAN_MIRROR (default: this machine's bookworm mirror from /etc/apt),
#              NODE_BIN (default: the `node` on PATH; must be Node.js 20).
# Needs: root, debootstrap, a running Docker engine.
set -eu

force=no
if [ "${1:-}" = "--force" ]; then
  force=yes
  shift
fi
tag=${1:-node:20-bookworm-slim}

say() { echo "[offline-base] $*" >&2; }

if [ "$force" = no ] && docker image inspect "$tag" >/dev/null 2>&1; then
  say "$tag is already there"
  exit 0
fi
command -v debootstrap >/dev/null 2>&1 || { say "debootstrap is missing (apt-get install debootstrap)"; exit 1; }

node_bin=${NODE_BIN:-$(command -v node)}
node_major=$("$node_bin" -p 'process.versions.node.split(".")[0]')
[ "$node_major" = 20 ] || { say "$node_bin is Node.js $node_major, not 20"; exit 1; }
# npm beside this node: <prefix>/bin/node -> <prefix>/lib/node_modules/npm.
npm_dir=$(cd "$(dirname "$(readlink -f "$node_bin")")/../lib/node_modules/npm" 2>/dev/null && pwd) \
  || { say "no npm under $(dirname "$node_bin")/../lib/node_modules"; exit 1; }

# The machine's Debian mirror: the first URI of a source whose suites include bookworm
# (deb822 .sources files and one-line sources.list entries both), security and third-party
# repositories aside.
mirror=${DEBIAN_MIRROR:-$(
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
    /^deb / && $3 == "bookworm" { print $2; exit }
    /^URIs:/ { uri = $2 }
    /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm" && uri !~ /security/) { print uri; exit } }
  '
)}
[ -n "$mirror" ] || { say "no bookworm mirror in /etc/apt: set DEBIAN_MIRROR"; exit 1; }

root=$(mktemp -d /tmp/shardgate-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
started=$(date +%s)
say "debootstrap bookworm from $mirror into $root"
debootstrap --variant=minbase --include=ca-certificates,libstdc++6 bookworm "$root" "$mirror" >"$root.log" 2>&1 \
  || { tail -20 "$root.log" >&2; rm -f "$root.log"; say "debootstrap failed"; exit 1; }
rm -f "$root.log"

# Node.js and npm where the official image has them; the same symlinks.
install -m 0755 "$node_bin" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
chroot "$root" groupadd --gid 1000 node
chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
chroot "$root" node -e 'require("node:crypto").randomBytes(1)' || { say "node does not run in the new root"; exit 1; }

# What the slim image does not carry either: apt's lists and caches, logs, man pages.
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/debconf/*-old "$root"/var/log/* "$root"/usr/share/man/* "$root"/usr/share/doc/*

tar -C "$root" -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'CMD ["node"]' \
  -m "offline stand-in for node:20-bookworm-slim (deploy/image/offline-base.sh)" \
  - "$tag" >/dev/null
say "$tag: $(docker image inspect --format '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1 / 1e6}') in $(( $(date +%s) - started )) s (node $("$node_bin" --version), Debian $(cat "$root/etc/debian_version"))"
