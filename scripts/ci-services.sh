#!/usr/bin/env bash
# Installs (once) and starts the backing services the test suites need on a machine without a
# Docker engine, then writes their URLs to .tools/ci-services.env for `source`:
#   - FerretDB v1 on its SQLite backend, the MongoDB-protocol server: MONGO_URL.
#   - Redis from Debian's redis-server package, for the BullMQ executor: REDIS_URL.
#   - moto, the EC2/ELBv2/SSM emulator, from PyPI into .tools/moto-venv: AWS_ENDPOINT_URL,
#     AWS_REGION and dummy credentials (the EC2 provider's suites; each uses its own moto account).
# Idempotent: an installed binary is reused, and a server this script started that still answers
# is left running. Knobs: FERRETDB_PORT (default 27018), FERRETDB_DIR (data and log), REDIS_PORT
# (default 6380), REDIS_DIR (config, AOF and log), MOTO_PORT (default 5000), MOTO_DIR (log). `bash scripts/ci-services.sh redis` starts (or
# restarts after `redis-cli -p 6380 shutdown`) Redis only.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

FERRETDB_VERSION=v1.24.2
FERRETDB_MODULE=github.com/FerretDB/FerretDB
FERRETDB_PORT=${FERRETDB_PORT:-27018}
FERRETDB_DIR=${FERRETDB_DIR:-$ROOT/.tools/ferretdb-$FERRETDB_PORT}
BIN_DIR=$ROOT/.tools/bin
FERRETDB_BIN=$BIN_DIR/ferretdb
ENV_FILE=$ROOT/.tools/ci-services.env
REDIS_PORT=${REDIS_PORT:-6380}
REDIS_DIR=${REDIS_DIR:-$ROOT/.tools/redis-$REDIS_PORT}
MOTO_SPEC='moto[server]==5.2.*'
MOTO_PORT=${MOTO_PORT:-5000}
MOTO_DIR=${MOTO_DIR:-$ROOT/.tools/moto-$MOTO_PORT}
MOTO_VENV=$ROOT/.tools/moto-venv

log() { echo "ci-services: $*" >&2; }

go_binary() {
  if command -v go >/dev/null 2>&1; then command -v go; return; fi
  if [ -x /usr/local/go/bin/go ]; then echo /usr/local/go/bin/go; return; fi
  log "Go is needed to build FerretDB and was not found (PATH, /usr/local/go/bin)"
  return 1
}

installed_version() {
  [ -x "$FERRETDB_BIN" ] || return 0
  "$FERRETDB_BIN" --version 2>/dev/null | sed -n 's/^version: //p'
}

# `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds, but the binary panics on
# start: FerretDB reads its version from build/version/version.txt, which its own build generates
# from git and which the module zip does not contain. So build the same module source from a
# writable copy with that file written, which is what FerretDB's `task gen-version` would do.
install_ferretdb() {
  if [ "$(installed_version)" = "$FERRETDB_VERSION" ]; then return 0; fi
  local go src work started
  go=$(go_binary)
  started=$(date +%s)
  log "building FerretDB $FERRETDB_VERSION into $BIN_DIR (first run only)"
  export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
  src=$("$go" mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  if [ -z "$src" ] || [ ! -d "$src" ]; then
    log "could not download $FERRETDB_MODULE@$FERRETDB_VERSION through the Go module proxy"
    return 1
  fi
  # Outside the repo: the module carries .js and .json files the repo's linter would pick up.
  work=$(mktemp -d "${TMPDIR:-/tmp}/slipway-ferretdb-src.XXXXXX")
  cp -R "$src/." "$work/"
  chmod -R u+w "$work"
  echo "$FERRETDB_VERSION" >"$work/build/version/version.txt"
  mkdir -p "$BIN_DIR"
  (cd "$work" && "$go" build -trimpath -o "$FERRETDB_BIN.partial" ./cmd/ferretdb)
  rm -rf "$work"
  mv "$FERRETDB_BIN.partial" "$FERRETDB_BIN"
  log "built FerretDB $(installed_version) in $(($(date +%s) - started))s"
}

# A MongoDB wire-protocol round trip (OP_MSG {ping: 1}), in Node because `npm install` has not run
# yet and `ferretdb ping` only pings with a setup user, which needs FerretDB's new auth.
PING_JS=$(cat <<'JS'
import { connect } from 'node:net';
const [host, port] = [process.argv[1], Number(process.argv[2])];
const cstring = (s) => Buffer.from(`${s}\0`, 'latin1');
const int32 = (n) => { const b = Buffer.alloc(4); b.writeInt32LE(n); return b; };
const body = Buffer.concat([
  Buffer.of(0x10), cstring('ping'), int32(1),
  Buffer.of(0x02), cstring('$db'), int32(6), cstring('admin'),
  Buffer.of(0x00),
]);
const doc = Buffer.concat([int32(body.length + 4), body]);
const payload = Buffer.concat([int32(0), Buffer.of(0), doc]);
const message = Buffer.concat([int32(16 + payload.length), int32(1), int32(0), int32(2013), payload]);
const ok = Buffer.concat([Buffer.of(0x01), cstring('ok'), Buffer.of(0, 0, 0, 0, 0, 0, 0xf0, 0x3f)]);
const socket = connect({ host, port, timeout: 2000 });
let reply = Buffer.alloc(0);
const done = (code) => { socket.destroy(); process.exit(code); };
socket.on('connect', () => socket.write(message));
socket.on('data', (chunk) => {
  reply = Buffer.concat([reply, chunk]);
  if (reply.length >= 4 && reply.length >= reply.readInt32LE(0)) done(reply.includes(ok) ? 0 : 1);
});
socket.on('timeout', () => done(1));
socket.on('error', () => done(1));
JS
)

ping_ferretdb() {
  node --input-type=module -e "$PING_JS" 127.0.0.1 "$FERRETDB_PORT" >/dev/null 2>&1
}

start_ferretdb() {
  local pid_file=$FERRETDB_DIR/ferretdb.pid
  if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null && ping_ferretdb; then
    log "FerretDB already answers on 127.0.0.1:$FERRETDB_PORT (pid $(cat "$pid_file"))"
    return 0
  fi
  if ping_ferretdb; then
    log "port $FERRETDB_PORT is taken by a server this script did not start; set FERRETDB_PORT"
    return 1
  fi
  mkdir -p "$FERRETDB_DIR/data"
  # --state-dir=- keeps no state.json (telemetry state) in the tree; telemetry stays off: no network.
  setsid "$FERRETDB_BIN" \
    --handler=sqlite \
    --sqlite-url="file:$FERRETDB_DIR/data/" \
    --listen-addr="127.0.0.1:$FERRETDB_PORT" \
    --debug-addr=- \
    --state-dir=- \
    --telemetry=disable \
    --log-level=error \
    </dev/null >>"$FERRETDB_DIR/ferretdb.log" 2>&1 &
  echo $! >"$pid_file"
  for _ in $(seq 1 60); do
    if ping_ferretdb; then
      log "FerretDB $FERRETDB_VERSION (SQLite in $FERRETDB_DIR/data) answers on 127.0.0.1:$FERRETDB_PORT (pid $(cat "$pid_file"))"
      return 0
    fi
    if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then break; fi
    sleep 0.5
  done
  log "FerretDB did not answer on 127.0.0.1:$FERRETDB_PORT; its log:"
  tail -n 40 "$FERRETDB_DIR/ferretdb.log" >&2 || true
  return 1
}

install_redis() {
  if command -v redis-server >/dev/null 2>&1; then return 0; fi
  log "installing redis-server from Debian's packages (first run only)"
  export DEBIAN_FRONTEND=noninteractive
  # A fresh machine may have no package lists yet; update only when the plain install fails.
  apt-get install -y -q redis-server >/dev/null ||
    { apt-get update -q >/dev/null && apt-get install -y -q redis-server >/dev/null; }
}

ping_redis() {
  [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]
}

# Persistence as production wants it for BullMQ: AOF so a restart keeps the queue, no RDB
# snapshots, and noeviction so Redis refuses writes instead of silently dropping jobs. (The test
# that restarts Redis mid-batch runs a Redis of its own with the same settings, so that its restart
# disturbs no other suite: see ownRedis in test/acceptance/support/services.ts.)
write_redis_config() {
  mkdir -p "$REDIS_DIR"
  cat >"$REDIS_DIR/redis.conf" <<CONF
bind 127.0.0.1
port $REDIS_PORT
dir $REDIS_DIR
appendonly yes
maxmemory-policy noeviction
save ""
daemonize yes
pidfile $REDIS_DIR/redis.pid
logfile $REDIS_DIR/redis.log
CONF
}

start_redis() {
  if ping_redis; then
    log "Redis already answers on 127.0.0.1:$REDIS_PORT"
    return 0
  fi
  write_redis_config
  redis-server "$REDIS_DIR/redis.conf"
  for _ in $(seq 1 40); do
    if ping_redis; then
      log "Redis $(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p') (AOF in $REDIS_DIR) answers on 127.0.0.1:$REDIS_PORT"
      return 0
    fi
    sleep 0.25
  done
  log "Redis did not answer on 127.0.0.1:$REDIS_PORT; its log:"
  tail -n 40 "$REDIS_DIR/redis.log" >&2 || true
  return 1
}

install_moto() {
  if [ -x "$MOTO_VENV/bin/moto_server" ]; then return 0; fi
  log "installing $MOTO_SPEC into $MOTO_VENV (first run only)"
  python3 -m venv "$MOTO_VENV"
  "$MOTO_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$MOTO_SPEC"
}

ping_moto() {
  "$MOTO_VENV/bin/python" -c "import sys, urllib.request; urllib.request.urlopen('http://127.0.0.1:$MOTO_PORT/moto-api/', timeout=2); sys.exit(0)" >/dev/null 2>&1
}

# The validations make moto refuse what EC2 refuses (an unknown AMI id or instance type), which
# it otherwise launches silently.
start_moto() {
  local pid_file=$MOTO_DIR/moto.pid
  if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null && ping_moto; then
    log "moto already answers on 127.0.0.1:$MOTO_PORT (pid $(cat "$pid_file"))"
    return 0
  fi
  if ping_moto; then
    log "port $MOTO_PORT is taken by a server this script did not start; set MOTO_PORT"
    return 1
  fi
  mkdir -p "$MOTO_DIR"
  MOTO_ENABLE_AMI_VALIDATION=true MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION=true \
    setsid "$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" \
    </dev/null >>"$MOTO_DIR/moto.log" 2>&1 &
  echo $! >"$pid_file"
  for _ in $(seq 1 60); do
    if ping_moto; then
      log "moto $("$MOTO_VENV/bin/python" -c 'import moto; print(moto.__version__)') answers on 127.0.0.1:$MOTO_PORT (pid $(cat "$pid_file"))"
      return 0
    fi
    if ! kill -0 "$(cat "$pid_file")" 2>/dev/null; then break; fi
    sleep 0.5
  done
  log "moto did not answer on 127.0.0.1:$MOTO_PORT; its log:"
  tail -n 40 "$MOTO_DIR/moto.log" >&2 || true
  return 1
}

install_redis
start_redis
if [ "${1:-}" = "redis" ]; then exit 0; fi

install_ferretdb
start_ferretdb
install_moto
start_moto

cat >"$ENV_FILE" <<EOF
export MONGO_URL=mongodb://127.0.0.1:$FERRETDB_PORT/
export REDIS_URL=redis://127.0.0.1:$REDIS_PORT
export AWS_ENDPOINT_URL=http://127.0.0.1:$MOTO_PORT
export AWS_REGION=us-east-1
export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
EOF
cat "$ENV_FILE"
