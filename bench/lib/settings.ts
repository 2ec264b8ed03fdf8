/** Run sizes: the full run, or BENCH_QUICK=1 for a fast smoke run while developing the suite. */
export const QUICK = process.env.BENCH_QUICK === '1';

export const SETTINGS = QUICK
  ? {
      users: 100,
      tasks: 10_000,
      connections: [1, 16, 64],
      warmupS: 1,
      durationS: 2,
      runs: 1,
      completeSamples: 20,
      reminders: 40,
      scanSizes: [10_000, 20_000],
      scanIterations: 5,
      backlog: 2000,
      sustainedS: 3,
    }
  : {
      users: 1000,
      tasks: 100_000,
      connections: [1, 16, 64],
      warmupS: 2,
      durationS: 5,
      runs: 3,
      completeSamples: 200,
      reminders: 300,
      scanSizes: [10_000, 100_000, 1_000_000],
      scanIterations: 30,
      backlog: 20_000,
      sustainedS: 10,
    };
