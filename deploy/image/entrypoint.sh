#!/bin/sh
# ENTRYPOINT of the shardgate image (deploy/Dockerfile). Chooses the service:
#
#   docker run IMAGE gateway | shard | embedded    the first argument, else
#   SHARDGATE_SERVICE=gateway|shard|embedded       the environment, else gateway
#   docker run IMAGE check                         can this image run? (native uWS, entry files)
#   docker run IMAGE node -e '...'                 any other installed command runs as given
#
# Each service reads its own environment (README, Configuration); a bad value stops it with
# one JSON log line. `exec` makes node PID 1, so SIGTERM reaches the service's drain directly.
# SHARDGATE_HOME (default /app) exists for the offline tests in test/deploy/.
set -eu

home=${SHARDGATE_HOME:-/app}
service=${SHARDGATE_SERVICE:-gateway}

# One JSON line like the services' own logs (pino: level label, service, msg), then exit 64.
fatal() {
  printf '{"level":"fatal","service":"entrypoint","msg":"%s"}\n' "$1" >&2
  exit 64
}

# Only [A-Za-z0-9_.-] of what the user typed goes into a log line: no JSON to escape.
shown() {
  printf '%s' "$1" | tr -cd 'A-Za-z0-9_.-'
}

case "${1:-}" in
  gateway | shard | embedded)
    service=$1
    shift
    ;;
  check)
    for bin in gateway shard; do
      [ -f "$home/services/$bin/dist/bin.js" ] || fatal "check: services/$bin/dist/bin.js is missing"
    done
    # The gateway refuses uWebSockets.js's JS fallback at start; find out now instead.
    exec node -e '
      const uws = require(require.resolve("uWebSockets.js", { paths: [process.argv[1]] }));
      if (!String(uws.App).includes("[native code]")) {
        console.error(`check: uWebSockets.js did not load its native binary (${process.platform}-${process.arch}, ABI ${process.versions.modules})`);
        process.exit(1);
      }
      console.log(`check: ok (node ${process.version}, native uWebSockets.js ${process.platform}-${process.arch} ABI ${process.versions.modules})`);
    ' "$home/services/gateway"
    ;;
  "" | -*)
    ;;
  *)
    if command -v "$1" >/dev/null 2>&1; then
      exec "$@"
    fi
    fatal "unknown service or command \\\"$(shown "$1")\\\": expected gateway, shard, embedded or check"
    ;;
esac

case "$service" in
  gateway | shard | embedded) ;;
  *) fatal "SHARDGATE_SERVICE: expected gateway, shard or embedded, got \\\"$(shown "$service")\\\"" ;;
esac

exec node "$home/services/$service/dist/bin.js" "$@"
