#!/usr/bin/env bash
# Validates the deployment files with real tools, offline (no Docker engine, no cluster):
#
#   Kubernetes  kustomize build deploy/k8s, then kubeconform -strict against the Kubernetes JSON
#               schemas (PyPI package kubernetes-validate) for each version in DEPLOY_K8S_VERSIONS,
#               and against Dapr's CRDs (Component, Subscription, Configuration, from the Go module
#               github.com/dapr/dapr at DAPR_VERSION) converted to JSON schemas; the Dapr component
#               folders (dapr/components, dapr/components-local) and deploy/compose/pubsub.yaml as well.
#   Compose     deploy/compose/docker-compose.yml loaded by compose-go, the loader of `docker compose`
#               (schema, interpolation, consistency), with the development defaults and with a .env-like override.
#   Dockerfile  BuildKit's parser and build checks (`docker build --check`), every rule, warnings fail;
#               the build context after .dockerignore (moby/patternmatcher).
#   Workflows   actionlint on .github/workflows/*.yml (with shellcheck on their run: scripts).
#
# The tools are built or fetched once into $STACK_CACHE/tools (default ~/.cache/taskstream-stack/tools,
# outside the repository, so a fresh clone reuses them) and reused while their pins are unchanged.
# test/deploy.test.ts runs this script and checks the outputs against scripts/stack.sh and the rules
# that matter (scopes, probes, app-ids, non-root, ...).
#
#   scripts/validate-deploy.sh [OUT_DIR]   outputs (rendered manifests, compose/Dockerfile JSON,
#                                          tools.env) go to OUT_DIR (default $STACK_RUN/validate-deploy)
# Env: DEPLOY_K8S_DIR (default deploy/k8s), DEPLOY_COMPOSE_FILE, DEPLOY_DOCKERFILE, DEPLOY_K8S_VERSIONS.
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KUBECONFORM_VERSION="v0.8.0"
KUSTOMIZE_VERSION="v5.8.1"
ACTIONLINT_VERSION="v1.7.12"
KUBERNETES_VALIDATE_VERSION="1.37.0" # PyPI; ships JSON schemas for Kubernetes 1.25 ... 1.37
DEPLOY_K8S_VERSIONS="${DEPLOY_K8S_VERSIONS:-1.33.0 1.37.0}"

TOOLS="$STACK_CACHE/tools"
OUT="${1:-$STACK_RUN/validate-deploy}"
K8S_DIR="${DEPLOY_K8S_DIR:-$REPO_DIR/deploy/k8s}"
COMPOSE_FILE="${DEPLOY_COMPOSE_FILE:-$REPO_DIR/deploy/compose/docker-compose.yml}"
DOCKERFILE="${DEPLOY_DOCKERFILE:-$REPO_DIR/Dockerfile}"

GO="$(go_bin)" || die "Go is not installed (needed to build kubeconform, kustomize, actionlint and scripts/deploycheck)"
export GOFLAGS="${GOFLAGS:-} -modcacherw"
export CGO_ENABLED=0
mkdir -p "$TOOLS/bin" "$OUT"
total="$(now_s)"

# go_tool NAME MODULE/PATH VERSION: installs a Go command once, as $TOOLS/bin/NAME-VERSION.
go_tool() {
  local name="$1" pkg="$2" version="$3" bin="$TOOLS/bin/$1-$3" start
  if [ ! -x "$bin" ]; then
    start="$(now_s)"
    log "building $name $version (go install $pkg@$version)"
    GOBIN="$TOOLS/bin/.build-$name" "$GO" install -trimpath -ldflags "-s -w" "$pkg@$version" >&2 ||
      die "go install $pkg@$version failed"
    mv -f "$TOOLS/bin/.build-$name/$name" "$bin"
    rm -rf "$TOOLS/bin/.build-$name"
    log "built $name $version in $(elapsed "$start")s"
  fi
  echo "$bin"
}

# deploycheck: this repository's Go helper (compose-go, BuildKit), cached under a hash of its sources.
deploycheck_tool() {
  local src="$SCRIPTS_DIR/deploycheck" hash bin start
  hash="$(cd "$src" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) -print0 |
    sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)"
  bin="$TOOLS/bin/deploycheck-$hash"
  if [ ! -x "$bin" ]; then
    start="$(now_s)"
    log "building scripts/deploycheck (compose-go, BuildKit dockerfile2llb)"
    (cd "$src" && "$GO" build -mod=readonly -trimpath -ldflags "-s -w" -o "$bin.tmp" .) >&2 ||
      die "go build of scripts/deploycheck failed"
    mv -f "$bin.tmp" "$bin"
    find "$TOOLS/bin" -maxdepth 1 -name 'deploycheck-*' ! -name "deploycheck-$hash" -delete 2>/dev/null || true
    log "built deploycheck in $(elapsed "$start")s"
  fi
  echo "$bin"
}

# Kubernetes JSON schemas: the wheel of kubernetes-validate from PyPI, unpacked and made standalone.
k8s_schemas() {
  local dir="$TOOLS/k8s-schemas/kubernetes-validate-$KUBERNETES_VALIDATE_VERSION" v wheel start
  for v in $DEPLOY_K8S_VERSIONS; do
    [ -f "$dir/v$v/.done" ] && continue
    start="$(now_s)"
    mkdir -p "$TOOLS/pypi"
    wheel="$(find "$TOOLS/pypi" -name "kubernetes_validate-$KUBERNETES_VALIDATE_VERSION-*.whl" | head -n 1)"
    if [ -z "$wheel" ]; then
      log "downloading kubernetes-validate $KUBERNETES_VALIDATE_VERSION from PyPI (Kubernetes JSON schemas)"
      python3 -m pip download --quiet --no-deps --disable-pip-version-check --dest "$TOOLS/pypi" \
        "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" >&2 || die "pip download kubernetes-validate==$KUBERNETES_VALIDATE_VERSION failed"
      wheel="$(find "$TOOLS/pypi" -name "kubernetes_validate-$KUBERNETES_VALIDATE_VERSION-*.whl" | head -n 1)"
    fi
    rm -rf "$dir/.unpack" "$dir/v$v"
    mkdir -p "$dir/.unpack"
    python3 -m zipfile -e "$wheel" "$dir/.unpack" >&2 || die "cannot unpack $wheel"
    [ -d "$dir/.unpack/kubernetes_validate/kubernetes-json-schema/v$v-local-strict" ] ||
      die "kubernetes-validate $KUBERNETES_VALIDATE_VERSION has no schemas for Kubernetes $v"
    (cd "$REPO_DIR" && node --import tsx scripts/deploy-schemas.ts k8s \
      "$dir/.unpack/kubernetes_validate/kubernetes-json-schema/v$v-local-strict" "$dir/v$v") >&2 ||
      die "converting the Kubernetes $v schemas failed"
    rm -rf "$dir/.unpack"
    touch "$dir/v$v/.done"
    log "Kubernetes $v schemas ready in $(elapsed "$start")s"
  done
  echo "$dir"
}

# The source of github.com/dapr/dapr at the pinned version (the one daprd is built from), from the
# Go module proxy (already in Go's module cache when daprd was built).
dapr_module_dir() {
  # shellcheck disable=SC2016 # JavaScript, not shell
  "$GO" mod download -json "github.com/dapr/dapr@$DAPR_VERSION" | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j.Dir)})' ||
    die "go mod download github.com/dapr/dapr@$DAPR_VERSION failed"
}

# Dapr CRDs -> JSON schemas.
dapr_schemas() {
  local dir="$TOOLS/dapr-schemas/$DAPR_VERSION" moddir start
  if [ ! -f "$dir/.done" ]; then
    start="$(now_s)"
    moddir="$(dapr_module_dir)"
    rm -rf "$dir"
    (cd "$REPO_DIR" && node --import tsx scripts/deploy-schemas.ts crds "$moddir/charts/dapr/crds" "$dir") >&2 ||
      die "converting Dapr's CRDs failed"
    touch "$dir/.done"
    log "Dapr $DAPR_VERSION CRD schemas ready in $(elapsed "$start")s"
  fi
  echo "$dir"
}

step() {
  local what="$1" start
  shift
  start="$(now_s)"
  "$@" || die "$what: FAILED"
  log "ok  $what ($(elapsed "$start")s)"
}

log "== tools (cache: $TOOLS)"
# One preparer at a time (npm test may run this while scripts/dry-build-image.sh does).
exec 9>"$TOOLS/.lock"
flock 9
# In parallel: on a cold machine most of the time is module downloads, which overlap well.
paths="$(mktemp -d)"
pids=()
names=()
in_background() {
  local name="$1"
  shift
  ("$@" >"$paths/$name") &
  pids+=("$!")
  names+=("$name")
}
in_background kubeconform go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
in_background kustomize go_tool kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION"
in_background actionlint go_tool actionlint github.com/rhysd/actionlint/cmd/actionlint "$ACTIONLINT_VERSION"
in_background deploycheck deploycheck_tool
in_background k8s k8s_schemas
in_background dapr dapr_schemas
failed=""
for i in "${!pids[@]}"; do wait "${pids[$i]}" || failed="$failed ${names[$i]}"; done
[ -z "$failed" ] || die "preparing the validation tools failed:$failed (see above)"
KUBECONFORM="$(cat "$paths/kubeconform")"
KUSTOMIZE="$(cat "$paths/kustomize")"
ACTIONLINT="$(cat "$paths/actionlint")"
DEPLOYCHECK="$(cat "$paths/deploycheck")"
K8S_SCHEMAS="$(cat "$paths/k8s")"
DAPR_SCHEMAS="$(cat "$paths/dapr")"
rm -rf "$paths"
DAPR_MODULE_DIR="$(dapr_module_dir)"
cat >"$OUT/tools.env" <<EOF
KUBECONFORM=$KUBECONFORM
KUBECONFORM_VERSION=$KUBECONFORM_VERSION
KUSTOMIZE=$KUSTOMIZE
KUSTOMIZE_VERSION=$KUSTOMIZE_VERSION
ACTIONLINT=$ACTIONLINT
ACTIONLINT_VERSION=$ACTIONLINT_VERSION
DEPLOYCHECK=$DEPLOYCHECK
K8S_SCHEMAS=$K8S_SCHEMAS
KUBERNETES_VALIDATE_VERSION=$KUBERNETES_VALIDATE_VERSION
DEPLOY_K8S_VERSIONS="$DEPLOY_K8S_VERSIONS"
DAPR_SCHEMAS=$DAPR_SCHEMAS
DAPR_VERSION=$DAPR_VERSION
DAPR_MODULE_DIR=$DAPR_MODULE_DIR
EOF
flock -u 9
exec 9>&-
log "tools ready in $(elapsed "$total")s"

# kubeconform looks up built-in kinds in the Kubernetes folder, then Dapr's kinds by group.
kubeconform_run() {
  local version="$1"
  shift
  "$KUBECONFORM" -strict -summary -kubernetes-version "$version" \
    -schema-location "$K8S_SCHEMAS/{{.NormalizedKubernetesVersion}}/{{.ResourceKind}}{{.KindSuffix}}.json" \
    -schema-location "$DAPR_SCHEMAS/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json" \
    "$@"
}

dapr_resource_files() {
  find "$REPO_DIR/dapr/components" "$REPO_DIR/dapr/components-local" -maxdepth 1 -name '*.yaml' ! -name 'kustomization.yaml' | sort
  echo "$REPO_DIR/deploy/compose/pubsub.yaml"
}

# to_file FILE COMMAND...: runs COMMAND with its output in FILE.
to_file() {
  local file="$1"
  shift
  "$@" >"$file"
}

log "== Kubernetes ($K8S_DIR)"
step "kustomize $KUSTOMIZE_VERSION build" to_file "$OUT/k8s.yaml" "$KUSTOMIZE" build "$K8S_DIR"
for v in $DEPLOY_K8S_VERSIONS; do
  step "kubeconform $KUBECONFORM_VERSION -strict, Kubernetes $v + Dapr $DAPR_VERSION CRDs: rendered manifests" kubeconform_run "$v" "$OUT/k8s.yaml"
done
mapfile -t dapr_files < <(dapr_resource_files)
step "kubeconform, Dapr $DAPR_VERSION CRDs: ${#dapr_files[@]} component/subscription files" \
  kubeconform_run "${DEPLOY_K8S_VERSIONS##* }" "${dapr_files[@]}"

log "== Docker Compose ($COMPOSE_FILE)"
step "compose-go load (development defaults)" to_file "$OUT/compose.json" "$DEPLOYCHECK" compose "$COMPOSE_FILE"
step "compose-go load (overridden tokens and ports)" to_file "$OUT/compose-override.json" \
  "$DEPLOYCHECK" compose "$COMPOSE_FILE" APP_API_TOKEN=a DAPR_API_TOKEN=b TASKSTREAM_HTTP_PORT=18000 LOG_LEVEL=debug

log "== Dockerfile ($DOCKERFILE)"
lint_dockerfile() {
  "$DEPLOYCHECK" dockerfile "$DOCKERFILE" >"$OUT/dockerfile.json" || return 1
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const w of r.warnings) console.error(`  ${w.rule} (line ${w.line}): ${w.detail} ${w.url}`);
    process.exit(r.warnings.length ? 1 : 0);
  ' "$OUT/dockerfile.json"
}
step "BuildKit build checks (all rules, warnings are errors)" lint_dockerfile
step "build context after .dockerignore" to_file "$OUT/context.txt" "$DEPLOYCHECK" context "$(dirname "$DOCKERFILE")"

log "== GitHub Actions"
actionlint_run() { (cd "$REPO_DIR" && "$ACTIONLINT" -no-color); }
step "actionlint $ACTIONLINT_VERSION" actionlint_run

log "validate-deploy: all checks passed in $(elapsed "$total")s (outputs: $OUT)"
