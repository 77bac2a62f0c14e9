/* What each workload's result must be, from its parameters (the
 * workloads are described in workloads.json): every runner checks its own
 * result against this, and run.mjs and the smoke test check again. */
export const expected = {
  pingpong: ({ n }) => n,
  threadring: ({ actors, hops }) => hops % actors,
  counting: ({ n }) => n,
  forkjoin: ({ n }) => n,
  big: ({ actors, pings }) => actors * pings,
  call: ({ k }) => k
};
