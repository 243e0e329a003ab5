import { describe, expect, it } from 'vitest';
import { EMPTY_LOCK } from '../lock/lock-file.js';
import { parseSpecText } from '../spec/load.js';
import { lintSpecs } from './lint.js';
import { secretValueKind } from './secret-env.js';

// Token-shaped test values, assembled so no scanner mistakes this file for a leak.
const github = `ghp_${'a1B2'.repeat(9)}`;
const aws = `AKIA${'ABCDEFGH23456789'}`;
const slack = `xoxb-${'1234567890'}-abcdef`;

async function lint(yaml: string) {
  const file = parseSpecText(`name: app\nbaseImage: busybox@sha256:${'a'.repeat(64)}\n${yaml}`, {
    file: '/project/imagespec.yaml',
    format: 'yaml',
  });
  const warnings = await lintSpecs(file.specs, { lock: EMPTY_LOCK, locate: () => file.locate });
  return warnings.filter((w) => w.rule === 'secret-env');
}

describe('secret-env', () => {
  it('names the env key and its line for secret-looking names, never printing the value', async () => {
    const warnings = await lint(
      [
        'env:',
        '  HF_TOKEN: abc',
        '  DB_PASSWORD: hunter2',
        '  AWS_SECRET_ACCESS_KEY: wJalr',
        '  OPENAI_API_KEY: x',
        '  DB_PWD: y',
        '  MY_CREDENTIALS: z',
        '',
      ].join('\n'),
    );
    expect(warnings.map((w) => [w.path?.join('.'), w.line, w.column])).toEqual([
      ['env.AWS_SECRET_ACCESS_KEY', 6, 3],
      ['env.DB_PASSWORD', 5, 3],
      ['env.DB_PWD', 8, 3],
      ['env.HF_TOKEN', 4, 3],
      ['env.MY_CREDENTIALS', 9, 3],
      ['env.OPENAI_API_KEY', 7, 3],
    ]);
    expect(warnings[1]?.message).toBe(
      "env DB_PASSWORD has a name that says it holds a secret; its value is stored in the image config and history, readable by anyone who can pull the image. Pass it when the container runs (its platform's secret store), or, if the build needs it, as a build secret through pipSecretMounts.",
    );
    expect(warnings.map((w) => w.message).join('\n')).not.toMatch(/hunter2|wJalr|abc/);
  });

  it('leaves alone names that only look alike, and empty placeholders', async () => {
    const warnings = await lint(
      [
        'env:',
        '  TOKENIZERS_PARALLELISM: "false"',
        '  GPG_KEY: 7169605F62C751356D054A26A821E680E5FA6305',
        '  SORT_KEY: name',
        '  PWD: /root',
        '  GITHUB_TOKEN: ""',
        '',
      ].join('\n'),
    );
    expect(warnings).toEqual([]);
  });

  it('finds token-shaped values under any name, labels included', async () => {
    const warnings = await lint(
      `env:\n  A: ${github}\n  B: ${aws}\n  C: "http://user:pass@127.0.0.1/simple"\nlabels:\n  org.example.note: ${slack}\n`,
    );
    expect(warnings.map((w) => [w.path?.join('.'), /looks like (.*?);/.exec(w.message)?.[1]])).toEqual([
      ['env.A', 'a GitHub token'],
      ['env.B', 'an AWS access key id'],
      ['env.C', 'a URL with credentials (user:password@)'],
      ['labels.org.example.note', 'a Slack token'],
    ]);
  });

  it.each([
    [`github_pat_${'A'.repeat(30)}`, 'a GitHub fine-grained token'],
    ['-----BEGIN OPENSSH PRIVATE KEY-----', 'a PEM block (a key or certificate)'],
    [`hf_${'x'.repeat(34)}`, 'a Hugging Face token'],
    ['plain words', undefined],
    ['AKIA-too-short', undefined],
  ])('secretValueKind(%j) = %j', (value, kind) => {
    expect(secretValueKind(value)).toBe(kind);
  });
});
