import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readCoreExports, rewriteCoreImports } from './core-direct-imports.js';

const coreIndex = fileURLToPath(new URL('../../core/src/index.ts', import.meta.url));
const coreSrc = fileURLToPath(new URL('../../core/src/', import.meta.url));
const exports = readCoreExports(coreIndex);

describe('core-direct-imports', () => {
  it("maps every name of core's barrel to the module that defines it", () => {
    expect(exports.get('loadConfig')).toEqual({ file: join(coreSrc, 'config/load.ts'), typeOnly: false });
    expect(exports.get('ImageIdentity')).toEqual({ file: join(coreSrc, 'hash/identity.ts'), typeOnly: true });
    expect(exports.size).toBeGreaterThan(100);
  });

  it('rewrites a namespace import to one import per used member, types as import type', () => {
    const source = [
      "import * as core from '@imagespec/core';",
      'const config = await core.loadConfig({ cwd });',
      'let identity: core.ImageIdentity | undefined = await core.computeImageIdentity(spec);',
      'if (core.loadConfig) identity = undefined;',
    ].join('\n');
    expect(rewriteCoreImports(source, exports)).toBe(
      [
        `import type { ImageIdentity as core$ImageIdentity } from ${JSON.stringify(join(coreSrc, 'hash/identity.ts'))};`,
        `import { computeImageIdentity as core$computeImageIdentity } from ${JSON.stringify(join(coreSrc, 'hash/identity.ts'))};`,
        `import { loadConfig as core$loadConfig } from ${JSON.stringify(join(coreSrc, 'config/load.ts'))};`,
        'const config = await core$loadConfig({ cwd });',
        'let identity: core$ImageIdentity | undefined = await core$computeImageIdentity(spec);',
        'if (core$loadConfig) identity = undefined;',
      ].join('\n'),
    );
  });

  it('rewrites named imports, keeping type modifiers and renames', () => {
    const source =
      "import {\n  type Locate,\n  loadSpecFile as load,\n  ImagespecError,\n} from '@imagespec/core';\nimport type { BuildEvent } from '@imagespec/core';\n";
    expect(rewriteCoreImports(source, exports)).toBe(
      [
        `import type { Locate } from ${JSON.stringify(join(coreSrc, 'lint/lint.ts'))};`,
        `import { loadSpecFile as load } from ${JSON.stringify(join(coreSrc, 'spec/load.ts'))};`,
        `import { ImagespecError } from ${JSON.stringify(join(coreSrc, 'errors.ts'))};`,
        `import type { BuildEvent } from ${JSON.stringify(join(coreSrc, 'contract/events.ts'))};`,
        '',
      ].join('\n'),
    );
  });

  it('fails on a name core does not export, and on a barrel it cannot read', async () => {
    expect(() => rewriteCoreImports("import { nope } from '@imagespec/core';", exports)).toThrow(
      '@imagespec/core exports no nope',
    );
    const dir = await mkdtemp(join(tmpdir(), 'imagespec-core-imports-'));
    try {
      await writeFile(join(dir, 'index.ts'), "export { a } from './a.js';\nexport const b = 1;\n");
      expect(() => readCoreExports(join(dir, 'index.ts'))).toThrow(/more than `export \[type\]/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
