/** `npm run bench:report`: re-renders BENCHMARKS.md and bench/results/latest.json from the saved runs and bench/notes.md, measuring nothing. */
import { renderReport } from './lib/report.js';

renderReport();
