import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (file: string) => fileURLToPath(new URL(`./packages/${file}`, import.meta.url));

// Tests import sibling packages from source, so unit tests need no build; the CLI's
// subprocess tests run the built binary, which `npm test` builds first.
const alias = [
  { find: /^@imagespec\/core$/, replacement: src('core/src/index.ts') },
  { find: /^@imagespec\/core\/builder$/, replacement: src('core/src/builder.ts') },
  { find: /^@imagespec\/core\/testing$/, replacement: src('core/src/testing.ts') },
  {
    find: /^@imagespec\/core\/(spec|config|hash|context|dockerfile|lock|lint|registry|plugin|engine|image-ref)$/,
    replacement: src('core/src/$1/index.ts'),
  },
  { find: /^@imagespec\/core\/(errors|schema)$/, replacement: src('core/src/$1.ts') },
];

// Tests hash thousands of temp projects: none of them gets a stat cache file in the user's
// cache directory (the cache's own tests inject theirs; the bin tests pass their own env).
const NO_STAT_CACHE = { IMAGESPEC_NO_CACHE: '1' };

const packages = [
  'core',
  'builder-noop',
  'builder-docker',
  'builder-buildkit',
  'builder-kaniko',
  'builder-oci',
  'cli',
].filter((name) => existsSync(src(name)));
const tests = ['src/**/*.test.ts', 'test/**/*.test.ts', 'build/**/*.test.ts'];
const e2e = ['src/**/*.e2e.test.ts', 'test/**/*.e2e.test.ts'];

// Each package is two projects: `<name>:unit` (pure and local-process tests: no global setup,
// seconds, no Docker needed) and `<name>:e2e` (`*.e2e.test.ts`: the real engine, registries
// and pip index that test-env brings up once per run). `npx vitest --project '*:unit'` is the
// fast loop; `npm test` runs both.
export default defineConfig({
  test: {
    projects: packages.flatMap((name) => [
      {
        resolve: { alias },
        test: {
          name: `${name}:unit`,
          root: `./packages/${name}`,
          include: tests,
          exclude: ['**/node_modules/**', ...e2e],
          testTimeout: 30_000,
          env: NO_STAT_CACHE,
        },
      },
      {
        resolve: { alias },
        test: {
          name: `${name}:e2e`,
          root: `./packages/${name}`,
          include: e2e,
          globalSetup: [fileURLToPath(new URL('./test-env/src/setup.ts', import.meta.url))],
          testTimeout: 30_000,
          hookTimeout: 300_000,
          env: NO_STAT_CACHE,
        },
      },
    ]),
  },
});
