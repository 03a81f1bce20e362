#!/bin/sh
# ENTRYPOINT of the shardgate image (deploy/Dockerfile). Chooses the service:
#
#   docker run IMAGE gateway | shard | embedded    the first argument, else
#   SHARDGATE_SERVICE=gateway|shard|embedded       the environment, else gateway
#   docker run IMAGE check                         can this image run? (every service loads, native uWS)
#   docker run IMAGE node -e '...'                 any other installed command runs as given
#
# Each service reads its own environment (README, Configuration); a bad value stops it with
# one JSON log line. `exec` makes node the direct child of tini (the image's PID 1), which
# passes SIGTERM on to it: the service's drain, or the default exit before its handlers exist.
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
    # Every service the image runs: its entry file, and its code loading with all its
    # dependencies (each package's index is side-effect free; bin.js would start it).
    for bin in gateway shard embedded; do
      [ -f "$home/services/$bin/dist/bin.js" ] || fatal "check: services/$bin/dist/bin.js is missing"
    done
    [ -f "$home/services/webclient/dist/public/app.js" ] || fatal "check: the web client bundle (services/webclient/dist/public/app.js) is missing"
    # The gateway refuses uWebSockets.js's JS fallback at start; find out now instead.
    exec node -e '
      const path = require("node:path");
      const home = process.argv[1];
      for (const service of ["gateway", "shard", "embedded"]) {
        try {
          require(path.join(home, "services", service));
        } catch (error) {
          console.error(`check: the ${service} service does not load: ${error.message}`);
          process.exit(1);
        }
      }
      const uws = require(require.resolve("uWebSockets.js", { paths: [path.join(home, "services", "gateway")] }));
      if (!String(uws.App).includes("[native code]")) {
        console.error(`check: uWebSockets.js did not load its native binary (${process.platform}-${process.arch}, ABI ${process.versions.modules})`);
        process.exit(1);
      }
      console.log(`check: ok (gateway, shard, embedded; node ${process.version}, native uWebSockets.js ${process.platform}-${process.arch} ABI ${process.versions.modules})`);
    ' "$home"
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

# The distributed services need their servers. Said here, in the image's own terms (the
# services' messages point at `npm start`, which a container does not have); the service
# still validates every value itself.
standalone="required by a standalone $service; the all-in-one mode of this image is its embedded command (docker run IMAGE embedded)"
# Blank counts as unset, as the services' own readers trim.
given() {
  [ -n "$(printf '%s' "$1" | tr -d ' \t\r\n')" ]
}
case "$service" in
  gateway)
    given "${REDIS_URL:-}" || fatal "REDIS_URL: $standalone"
    given "${NATS_URL:-}" || fatal "NATS_URL: $standalone"
    ;;
  shard)
    given "${NATS_URL:-}" || fatal "NATS_URL: $standalone"
    ;;
esac

exec node "$home/services/$service/dist/bin.js" "$@"
