#!/usr/bin/env bash
# The whole test suite: static checks, then every test file in ONE node test-runner run (one
# summary). Provisions what the suites need first: Chromium for the browser tests; daprd, Kafka
# and PostgreSQL for the distributed-mode tests (cached; see scripts/ci-provision.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s globstar nullglob

echo "== static checks"
npm run --silent typecheck
npm run --silent lint
npm run --silent format:check

echo "== build"
npm run --silent build

files=(src/**/*.test.ts test/*.test.ts)
stack_files=()
if [[ "${SKIP_WEB_TESTS:-}" != 1 && -d test/web ]]; then
  bash scripts/provision-chromium.sh
  files+=(test/web/*.test.ts)
fi
if [[ "${SKIP_STACK_TESTS:-}" != 1 && -d test/stack ]]; then
  bash scripts/ci-provision.sh
  reset_stack=1
  stack_files=(test/stack/*.test.ts)
  # faults under load (≈ 6 min): Kafka/daprd/consumer/backend killed, PostgreSQL restarted, two
  # cron replicas, a rebalance. They share the stack with test/stack, one file at a time (a lock).
  [[ "${SKIP_FAULT_TESTS:-}" != 1 && -d test/faults ]] && stack_files+=(test/faults/*.test.ts)
fi

# Two runs. Everything but the stack suites runs without --test-force-exit: on Node 24 that flag
# ended test files early, and their remaining tests were neither run nor counted (the same src/
# files gave 164, 181 or 209 tests, every run "0 failed"). The stack and fault suites keep it for
# now: test/stack/distributed.test.ts leaves a handle open (its child never exits without it).
echo "== tests (${#files[@]} files, then ${#stack_files[@]} stack files)"
# The stack uses fixed ports: hold its lock so benchmarks or fault runs never overlap a test run.
# Under the same lock, the stack's database is reset first: the apps migrate it themselves, and a
# leftover schema (another branch's migrations) would make every app refuse to start.
exec flock /tmp/stack.lock bash -c '
  set -e
  if [[ "$1" == 1 ]]; then bash scripts/stack.sh down >/dev/null && bash scripts/postgres.sh reset; fi
  n="$2"
  shift 2
  node --import tsx --test --test-concurrency=2 --test-timeout=1200000 "${@:1:$n}"
  shift "$n"
  if (($#)); then exec node --import tsx --test --test-force-exit --test-concurrency=2 --test-timeout=1200000 "$@"; fi
' reset "${reset_stack:-0}" "${#files[@]}" "${files[@]}" "${stack_files[@]}"
