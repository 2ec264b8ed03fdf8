#!/usr/bin/env bash
# Rehearses the Dockerfile without Docker: what the image would contain and whether it starts.
#
#   1. the build context: exactly the files `docker build .` would send (.dockerignore applied by
#      scripts/deploycheck, i.e. moby/patternmatcher), copied into an empty folder;
#   2. the builder stage's RUN steps, read from the Dockerfile by BuildKit's parser, run there;
#   3. the runtime stage's COPY --from=builder paths assembled into a second empty folder;
#   4. that folder started as the image would start it (CMD, ENV PORT/NODE_ENV/DATA_DIR, as uid 1000,
#      embedded mode, no network but loopback), then its HEALTHCHECK command, /readyz and /.
#
# It is not a container build (the base image's files are this machine's Node and Debian, and the
# root filesystem is not read-only); it catches a context that lacks a file the build needs, a
# runtime import of a devDependency that `npm prune --omit=dev` removed, and a wrong CMD or health check.
#
#   scripts/dry-build-image.sh            (needs the tools of scripts/validate-deploy.sh; builds them if missing)
# Env: DRY_BUILD_PORT (default 18080), DRY_BUILD_KEEP=1 keeps the work folder.
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT_="${DRY_BUILD_PORT:-18080}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/dry-build-image.XXXXXX")"
chmod 755 "$WORK" # the app runs as the image's unprivileged uid
APP_PID=""
cleanup() {
  if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then
    kill -TERM "$APP_PID" 2>/dev/null || true
    wait "$APP_PID" 2>/dev/null || true
  fi
  if [ "${DRY_BUILD_KEEP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
total="$(now_s)"

bash "$SCRIPTS_DIR/validate-deploy.sh" "$WORK/validate" >/dev/null 2>"$WORK/validate.log" ||
  { cat "$WORK/validate.log" >&2; die "scripts/validate-deploy.sh failed"; }
# shellcheck disable=SC1091
source "$WORK/validate/tools.env"

# The stages as BuildKit parsed them; this rehearsal supports the Dockerfile's own shape
# (WORKDIR, COPY from the context / from the builder, RUN in shell form) and refuses anything else.
# shellcheck disable=SC2016 # JavaScript, not shell
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  if (r.stages.length !== 2) throw new Error("expected two stages (builder, runtime)");
  const [b, rt] = r.stages;
  const lines = [];
  for (const c of b.commands) {
    if (c.name === "WORKDIR") lines.push(`B_WORKDIR ${c.original.split(/\s+/)[1]}`);
    else if (c.name === "COPY" && !c.from) lines.push(`B_COPY ${JSON.stringify(c.sources)}`);
    else if (c.name === "RUN" && c.shell_form) lines.push(`B_RUN ${c.args.join(" ")}`);
    else if (!["ENV", "ARG", "LABEL"].includes(c.name)) throw new Error(`builder: unsupported ${c.original}`);
  }
  for (const c of rt.commands) {
    if (c.name === "COPY" && c.from === b.name) lines.push(`R_COPY ${c.sources[0]} ${c.dest}`);
    else if (c.name === "ENV") for (const [k, v] of Object.entries(c.vars)) lines.push(`R_ENV ${k}=${v}`);
    else if (c.name === "WORKDIR") lines.push(`R_WORKDIR ${c.original.split(/\s+/)[1]}`);
    else if (c.name === "CMD") lines.push(`R_CMD ${JSON.stringify(c.args)}`);
    else if (c.name === "HEALTHCHECK") lines.push(`R_HEALTH ${JSON.stringify(c.args.slice(1))}`);
    else if (c.name === "USER") lines.push(`R_USER ${c.original.split(/\s+/)[1]}`);
  }
  console.log(lines.join("\n"));
' "$WORK/validate/dockerfile.json" >"$WORK/plan" || die "cannot rehearse this Dockerfile"

ctx="$WORK/context"
mkdir -p "$ctx"
(cd "$REPO_DIR" && tar -cf - -T "$WORK/validate/context.txt") | tar -xf - -C "$ctx"
log "build context: $(wc -l <"$WORK/validate/context.txt") files"

B_WORKDIR=""
R_WORKDIR=""
declare -a R_ENV=()
while read -r op rest; do
  case "$op" in
    B_WORKDIR) B_WORKDIR="$rest" ;;
    R_WORKDIR) R_WORKDIR="$rest" ;;
    R_ENV) R_ENV+=("$rest") ;;
    R_CMD) R_CMD="$rest" ;;
    R_HEALTH) R_HEALTH="$rest" ;;
    R_USER) R_USER="$rest" ;;
  esac
done <"$WORK/plan"
if [ -z "$B_WORKDIR" ] || [ -z "$R_WORKDIR" ]; then die "the Dockerfile sets no WORKDIR"; fi

# builder: the sources land in the WORKDIR in COPY order; each RUN runs there, in order.
builder="$WORK/builder"
mkdir -p "$builder"
while read -r op rest; do
  case "$op" in
    B_COPY)
      while read -r src; do cp -a "$ctx/$src" "$builder/"; done < <(node -e 'for (const s of JSON.parse(process.argv[1])) console.log(s)' "$rest")
      ;;
    B_RUN)
      start="$(now_s)"
      log "RUN $rest"
      (cd "$builder" && env CI=true NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false sh -ec "$rest") \
        >"$WORK/run.log" 2>&1 || { tail -n 40 "$WORK/run.log" >&2; die "RUN $rest failed"; }
      log "RUN done in $(elapsed "$start")s"
      ;;
  esac
done <"$WORK/plan"

# runtime: only the COPY --from=builder paths.
app="$WORK/app"
mkdir -p "$app" "$WORK/data"
while read -r op src dest; do
  [ "$op" = R_COPY ] || continue
  cp -a "$builder/${src#"$B_WORKDIR"/}" "$app/${dest#./}"
done <"$WORK/plan"
log "runtime: $(du -sh "$app" | cut -f1) ($(find "$app/node_modules" -mindepth 1 -maxdepth 1 | wc -l) top-level packages)"

uid="${R_USER%%:*}"
gid="${R_USER##*:}"
chown -R "$uid:$gid" "$WORK/data"
chmod -R a+rX "$app"
cmd=()
while read -r a; do cmd+=("$a"); done < <(node -e 'for (const s of JSON.parse(process.argv[1])) console.log(s)' "$R_CMD")
envs=()
for kv in "${R_ENV[@]}"; do
  case "$kv" in
    PORT=*) envs+=("PORT=$PORT_") ;;
    DATA_DIR=*) envs+=("DATA_DIR=$WORK/data") ;;
    *) envs+=("$kv") ;;
  esac
done
port_open 127.0.0.1 "$PORT_" && die "port $PORT_ is taken (set DRY_BUILD_PORT)"
log "start: ${cmd[*]} as uid $uid (${envs[*]})"
(cd "$app" && exec setpriv --reuid="$uid" --regid="$gid" --clear-groups env -i PATH="$PATH" HOME=/tmp "${envs[@]}" "${cmd[@]}") \
  >"$WORK/app.log" 2>&1 &
APP_PID=$!
health=()
while read -r a; do health+=("$a"); done < <(node -e 'for (const s of JSON.parse(process.argv[1])) console.log(s)' "$R_HEALTH")
healthy() { (cd "$app" && env -i PATH="$PATH" PORT="$PORT_" "${health[@]}"); }
wait_for "HEALTHCHECK ${health[*]:0:2}..." 60 healthy || { tail -n 40 "$WORK/app.log" >&2; die "the image's HEALTHCHECK never passed"; }
curl -fsS "http://127.0.0.1:$PORT_/readyz" >/dev/null || die "/readyz failed"
curl -fsS "http://127.0.0.1:$PORT_/" | grep -qi '<html' || die "/ does not serve the web app"
curl -fsS -o /dev/null -X POST -H 'content-type: application/json' \
  -d '{"email":"dry-build@example.com","password":"correct horse battery"}' "http://127.0.0.1:$PORT_/api/auth/register" ||
  die "POST /api/auth/register failed"
log "dry build: the image layout builds, starts as uid $uid, passes its HEALTHCHECK, /readyz, / and a registration ($(elapsed "$total")s)"
