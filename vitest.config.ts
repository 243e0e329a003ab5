import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (file: string) => fileURLToPath(new URL(`./packages/${file}`, import.meta.url));

// Tests import sibling packages from source, so unit tests need no build; the CLI's
// subprocess tests run the built binary, which `npm test` builds first.
const alias = [
  { find: /^@imagespec\/core$/, replacement: src('core/src/index.ts') },
  { find: /^@imagespec\/core\/builder$/, replacement: src('core/src/builder.ts') },
];

const packages = ['core', 'builder-noop', 'builder-docker', 'builder-buildkit', 'builder-kaniko', 'cli'];

export default defineConfig({
  test: {
    globalSetup: ['./test-env/src/setup.ts'],
    projects: packages.map((name) => ({
      resolve: { alias },
      test: {
        name,
        root: `./packages/${name}`,
        include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'build/**/*.test.ts'],
        testTimeout: 30_000,
        hookTimeout: 300_000,
      },
    })),
  },
});
