import type { ImageResult } from '@imagespec/core';
import { describe, expect, it } from 'vitest';
import { renderGithubOutputs, renderStepSummary } from './github.js';

const failed: ImageResult = {
  name: 'app',
  image: '127.0.0.1:5000/app:abc',
  hash: 'abc',
  status: 'failed',
  builder: 'docker',
  durationMs: 1500,
  error: { code: 'BUILD_FAILED', message: 'step 2 | RUN failed\nexit code 3' },
};
const pushed: ImageResult = {
  name: 'base',
  image: '127.0.0.1:5000/base:def',
  hash: 'def',
  status: 'pushed',
  builder: 'docker',
  digest: `sha256:${'a'.repeat(64)}`,
  durationMs: 200,
};

describe('renderGithubOutputs', () => {
  it('writes every value as a name<<DELIMITER block, so a newline in a value cannot start another output', () => {
    const text = renderGithubOutputs([failed, pushed], 'DELIM');
    expect(text).toContain('app-image<<DELIM\n127.0.0.1:5000/app:abc\nDELIM\n');
    expect(text).toContain(`base-digest<<DELIM\nsha256:${'a'.repeat(64)}\nDELIM\n`);
    expect(text).not.toContain('app-digest');
    const images = /^images<<DELIM\n(.*)\nDELIM$/m.exec(text)?.[1];
    expect(JSON.parse(images ?? '')).toEqual([
      { name: 'app', image: '127.0.0.1:5000/app:abc', status: 'failed', builder: 'docker' },
      { name: 'base', image: '127.0.0.1:5000/base:def', status: 'pushed', builder: 'docker', digest: pushed.digest },
    ]);
  });

  it('refuses a value that contains the delimiter', () => {
    expect(() => renderGithubOutputs([{ ...pushed, image: 'x/DELIM:1' }], 'DELIM')).toThrow(/delimiter/);
  });

  it('uses a fresh random delimiter by default', () => {
    const first = /^images<<(\S+)$/m.exec(renderGithubOutputs([pushed]))?.[1];
    const second = /^images<<(\S+)$/m.exec(renderGithubOutputs([pushed]))?.[1];
    expect(first).toMatch(/^ghadelimiter_/);
    expect(first).not.toBe(second);
  });
});

describe('renderStepSummary', () => {
  it('one table row per image; pipes and newlines in an error do not break the table', () => {
    const lines = renderStepSummary([failed, pushed]).split('\n');
    const rows = lines.filter((line) => line.startsWith('| `'));
    expect(rows).toEqual([
      '| `127.0.0.1:5000/app:abc` | failed: step 2 \\| RUN failed exit code 3 | docker | - | 1.5s |',
      `| \`127.0.0.1:5000/base:def\` | pushed | docker | \`${pushed.digest}\` | 200ms |`,
    ]);
  });
});
