import { defineConfig } from 'vitest/config';

export default defineConfig({
    test: {
        include: ['test/**/*.test.ts'],
        globalSetup: ['./test/setup/broker.ts'],
        testTimeout: 30_000,
        hookTimeout: 30_000,
        pool: 'forks',
        // Each file gets its own process: a leaked handle shows up as a hang, never hidden.
        isolate: true,
    },
});
