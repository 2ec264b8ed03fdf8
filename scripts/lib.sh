# shellcheck shell=bash
# Shared helpers for the provisioning scripts. Source it; do not run it.
#
# Everything the scripts download, build or generate lives in the cache folder
# STACK_CACHE (default ~/.cache/taskstream-stack), outside the repository, so a
# fresh clone on the same machine (CI) reuses the daprd build and Kafka jars.
# Per-run state (pid files, logs, rendered component files) lives in
# STACK_RUN (default $STACK_CACHE/run).

set -euo pipefail

SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SCRIPTS_DIR/.." && pwd)"
STACK_CACHE="${STACK_CACHE:-$HOME/.cache/taskstream-stack}"
STACK_RUN="${STACK_RUN:-$STACK_CACHE/run}"
export STACK_CACHE STACK_RUN

# Pinned versions (one place).
DAPR_VERSION="${DAPR_VERSION:-v1.16.5}"
KAFKA_VERSION="${KAFKA_VERSION:-4.1.2}"
KAFKA_SCALA="2.13"
LOG4J_VERSION="${LOG4J_VERSION:-2.25.3}"
PG_MAJOR="${PG_MAJOR:-15}"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  printf '[%s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2
  exit 1
}

# now_s: seconds since the epoch with decimals, for timing steps.
now_s() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.1f", b - a }'; }

need_cmd() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed${2:+ ($2)}"
}

# apt_install PKG...: installs Debian packages that are missing (root only).
apt_install() {
  local missing=()
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages ${missing[*]}: install them (apt-get install -y ${missing[*]}) or run as root"
  log "apt-get install -y ${missing[*]}"
  # The package lists may be missing or stale on a fresh machine.
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null ||
    die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed"
}

# port_open HOST PORT: true when something accepts TCP connections there.
port_open() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# wait_for DESCRIPTION TIMEOUT_SECONDS COMMAND...: polls COMMAND until it
# succeeds (logs DESCRIPTION as ready); returns 1 after TIMEOUT_SECONDS, so the
# caller says what failed and what to show (`wait_for … || die …`).
wait_for() {
  local what="$1" timeout="$2"
  shift 2
  local start
  start="$(date +%s)"
  until "$@" >/dev/null 2>&1; do
    if [ $(($(date +%s) - start)) -ge "$timeout" ]; then
      return 1
    fi
    sleep 0.5
  done
  log "$what: ready after $(($(date +%s) - start))s"
}

# Pid files hold "PID STARTTIME" (STARTTIME: field 22 of /proc/PID/stat), so a
# pid reused by an unrelated process after a reboot is not taken for ours.
proc_starttime() { awk '{ sub(/^.*\) /, ""); print $20 }' "/proc/$1/stat" 2>/dev/null; }

# write_pidfile PID PIDFILE
write_pidfile() { echo "$1 $(proc_starttime "$1")" >"$2"; }

# pid_of PIDFILE: the pid recorded in it.
pid_of() { awk '{ print $1; exit }' "$1" 2>/dev/null; }

# pid_alive PIDFILE: true when the pid file names a running process (ours).
pid_alive() {
  local pid start recorded
  [ -s "$1" ] || return 1
  read -r pid recorded <"$1" || true
  [ -n "$pid" ] && proc_alive "$pid" || return 1
  if [ -n "${recorded:-}" ]; then
    start="$(proc_starttime "$pid")"
    [ "$start" = "$recorded" ] || return 1
  fi
}

# proc_alive PID: running and not a zombie waiting to be reaped.
proc_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  case "$(ps -o stat= -p "$1" 2>/dev/null)" in
    Z* | "") return 1 ;;
  esac
}

# stop_pidfile NAME PIDFILE [TIMEOUT]: TERM, wait, then KILL the process (and
# its process group when it leads one). Removes the pid file.
stop_pidfile() {
  local name="$1" pidfile="$2" timeout="${3:-20}"
  if ! pid_alive "$pidfile"; then
    rm -f "$pidfile"
    return 0
  fi
  local pid i
  pid="$(pid_of "$pidfile")"
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 5; i++)); do
    proc_alive "$pid" || break
    sleep 0.2
  done
  if proc_alive "$pid"; then
    log "$name did not stop within ${timeout}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$pidfile"
}

# close_inherited_fds: run in a subshell just before it execs a daemon. Closes every file
# descriptor above 2, so that a lock held by whoever called the script (`flock /tmp/stack.lock
# npm test` passes its lock fd down) is not inherited by a process that outlives the caller:
# daemons that kept it made the stack lock unobtainable until someone stopped the stack.
close_inherited_fds() {
  local fd
  for fd in /proc/"$BASHPID"/fd/*; do
    fd="${fd##*/}"
    if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
}

# start_bg NAME PIDFILE LOGFILE COMMAND...: starts COMMAND detached (own
# session, stdin from /dev/null, no inherited descriptors) with output appended to LOGFILE.
start_bg() {
  local name="$1" pidfile="$2" logfile="$3"
  shift 3
  mkdir -p "$(dirname "$pidfile")" "$(dirname "$logfile")"
  printf '\n===== %s: starting %s =====\n' "$(date -Is)" "$name" >>"$logfile"
  (
    close_inherited_fds
    exec setsid "$@"
  ) </dev/null >>"$logfile" 2>&1 &
  write_pidfile $! "$pidfile"
}

# go_bin: prints the path of a Go toolchain (PATH or /usr/local/go).
go_bin() {
  if command -v go >/dev/null 2>&1; then
    command -v go
  elif [ -x /usr/local/go/bin/go ]; then
    echo /usr/local/go/bin/go
  else
    return 1
  fi
}

# go_build_cached NAME MODULE PACKAGE [FORCE] [PROBE]: the binary NAME of Go package PACKAGE, built
# from module MODULE at the version scripts/NAME/go.mod requires, cached in
# $STACK_CACHE/NAME/<version>-<hash of scripts/NAME>/NAME: rebuilt only when the pin or the wrapper
# module changes, or FORCE is 1, or the cached binary does not run with the arguments PROBE (if
# given). The build runs under nice -n 19 (a shared 2-core machine); builds of other versions are
# removed. Prints the binary's path on stdout.
go_build_cached() {
  local name="$1" module="$2" package="$3" force="${4:-0}" probe="${5:-}"
  local src="$SCRIPTS_DIR/$name" go pinned hash out_dir bin start
  go="$(go_bin)" || die "Go is not installed (need the Go version scripts/$name/go.mod names, on PATH or at /usr/local/go/bin/go)"
  pinned="$(awk -v m="$module" '$1 == "require" && $2 == m { print $3 }' "$src/go.mod")"
  [ -n "$pinned" ] || die "cannot find the $module requirement in $src/go.mod"
  hash="$(cd "$src" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -print0 |
    sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)"
  out_dir="$STACK_CACHE/$name/$pinned-$hash"
  bin="$out_dir/$name"
  # shellcheck disable=SC2086 # PROBE is a word list
  if [ "$force" -eq 0 ] && [ -x "$bin" ] && { [ -z "$probe" ] || "$bin" $probe >/dev/null 2>&1; }; then
    log "$name $pinned is cached at $bin"
    echo "$bin"
    return 0
  fi
  log "building $name $pinned ($package) with $("$go" env GOVERSION) under nice -n 19; this takes a while on a small machine"
  mkdir -p "$out_dir"
  start="$(now_s)"
  (
    cd "$src"
    CGO_ENABLED=0 nice -n 19 "$go" build -mod=readonly -trimpath -ldflags "-s -w" -o "$bin.tmp" "$package"
  ) >&2 || die "go build of $name $pinned failed (see the compiler output above)"
  mv -f "$bin.tmp" "$bin"
  log "built $name $pinned in $(elapsed "$start")s -> $bin"
  find "$STACK_CACHE/$name" -mindepth 1 -maxdepth 1 -type d ! -name "$(basename "$out_dir")" -exec rm -rf {} + 2>/dev/null || true
  echo "$bin"
}
