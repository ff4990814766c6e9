import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.spec.ts"],
    // Generous, for a loaded 2-core machine: with other work on the machine, CLI tests of
    // describe.concurrent blocks (each spawning zmeta a dozen times) took up to 23 s, and 30 s
    // was too close. A test that hangs still fails; it only takes longer to say so.
    testTimeout: 120_000,
    // Many files mostly wait (deadlines, token limits, hangs, signals, child
    // processes): a third worker on 2 cores overlaps that waiting with work.
    maxWorkers: 3,
    hookTimeout: 120_000,
  },
});
