/**
 * One run of `task` at a time: a call while it runs asks for exactly one more run after it, so a
 * burst of calls costs at most two runs. `task` handles its own errors.
 */
export function coalesced(task: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  const run = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    void task().finally(() => {
      running = false;
      if (again) {
        again = false;
        run();
      }
    });
  };
  return run;
}
