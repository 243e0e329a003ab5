import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runBin, tempProject } from './run-bin.js';

describe('imagespec schema', () => {
  it('prints the schema @imagespec/core ships as schema.json', async () => {
    const project = await tempProject({});
    try {
      const r = await runBin(['schema'], { cwd: project.dir });
      expect(r.code).toBe(0);
      const shipped = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/core/schema.json'), 'utf8'));
      expect(JSON.parse(r.stdout)).toEqual(shipped);
      expect(shipped.$schema).toBe('http://json-schema.org/draft-07/schema#');
    } finally {
      await project.dispose();
    }
  });
});
