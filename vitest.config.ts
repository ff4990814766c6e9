import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.spec.ts"],
    testTimeout: 30_000,
    // Many files mostly wait (deadlines, token limits, hangs, signals, child
    // processes): a third worker on 2 cores overlaps that waiting with work.
    maxWorkers: 3,
    hookTimeout: 30_000,
  },
});
