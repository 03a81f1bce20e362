#!/bin/sh
# Used by deploy/Dockerfile's build stages: runs a command with the build arguments that say
# how this builder reaches its registries applied, so that one Dockerfile builds behind a
# registry mirror or a TLS-inspecting proxy as well as on an open network.
#
#   NPM_REGISTRY   npm registry URL for npm, npx and pnpm (npm_config_registry)
#   CA_BUNDLE      deploy/certs/<file>.pem in the context, copied to /build/certs/: trusted by
#                  Node.js (npm, npx, pnpm) on top of its own CAs (NODE_EXTRA_CA_CERTS)
#   DEBIAN_MIRROR  Debian mirror URL for apt, in place of deb.debian.org/debian
#
# Each is optional; empty leaves the default. Usage: sh build-env.sh COMMAND [ARG...]
set -eu

fail() {
  echo "build-env.sh: $1" >&2
  exit 1
}

if [ -n "${NPM_REGISTRY:-}" ]; then
  case "$NPM_REGISTRY" in
    http://* | https://*) export npm_config_registry="$NPM_REGISTRY" ;;
    *) fail "NPM_REGISTRY: expected an http:// or https:// URL, got \"$NPM_REGISTRY\"" ;;
  esac
fi

if [ -n "${CA_BUNDLE:-}" ]; then
  case "$CA_BUNDLE" in
    deploy/certs/*) file="/build/certs/${CA_BUNDLE#deploy/certs/}" ;;
    *) fail "CA_BUNDLE: expected a file under deploy/certs/ in the build context, got \"$CA_BUNDLE\"" ;;
  esac
  [ -f "$file" ] || fail "CA_BUNDLE: $CA_BUNDLE is not in the build context (copy the PEM file there first)"
  grep -q 'BEGIN CERTIFICATE' "$file" || fail "CA_BUNDLE: $CA_BUNDLE holds no PEM certificate"
  export NODE_EXTRA_CA_CERTS="$file"
fi

if [ -n "${DEBIAN_MIRROR:-}" ]; then
  for list in /etc/apt/sources.list /etc/apt/sources.list.d/debian.sources; do
    if [ -f "$list" ]; then sed -i "s#https\{0,1\}://deb\.debian\.org/debian\([ /]\|\$\)#${DEBIAN_MIRROR%/}\1#g" "$list"; fi
  done
fi

exec "$@"
