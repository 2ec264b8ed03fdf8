/**
 * V8 heap flags the cluster primary gives its HTTP workers. A worker's live heap is ~40 MB, but
 * with V8's defaults on a machine with GBs of memory it held 250–400 MB under load: a young
 * generation of 2 × 64 MB semi-spaces that a request-heavy process fills completely, and an old
 * generation left to grow to 4× its live size between full collections. The pages stay resident
 * after a collection, so the peak is what the machine pays for. Measured in bench/notes.md
 * (5 Dec 2026): these flags cut a worker's PSS under load from ~290–380 to ~165–175 MB, for
 * ~0.1 ms more GC pause per request. In the quiet bench of that day a create cost the same CPU
 * (0.96 → 0.94 ms) and a complete more (2.25 → 2.48 ms, with other changes of the day).
 */

/** V8 heap flag → value in MB (or percent), each applied unless the operator chose their own. */
const DEFAULTS: readonly (readonly [flag: string, value: number])[] = [
  // young generation: scavenges happen more often, each as cheap (survivors are what it copies)
  ['--max-semi-space-size', 8],
  // old generation: the next full GC at 2× the live size after the last one (V8's default lets it
  // grow up to 4×); a growth factor, not a limit, so a worker with more live data is never killed
  ['--heap-growing-percent', 100],
];

/** `--max_semi_space_size=16` and `--max-semi-space-size 16` both name `--max-semi-space-size`. */
const named = (args: readonly string[], flag: string) => args.some((a) => a.replaceAll('_', '-').split('=')[0] === flag);

/**
 * The workers' execArgv: the primary's own (e.g. the tracing `--import`) plus each default flag
 * that neither it nor NODE_OPTIONS sets, so `NODE_OPTIONS=--max-semi-space-size=32 npm start` wins.
 */
export function workerExecArgv(execArgv: readonly string[], nodeOptions = ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/).filter(Boolean)];
  return [...execArgv, ...DEFAULTS.filter(([flag]) => !named(given, flag)).map(([flag, value]) => `${flag}=${value}`)];
}
