import { describe, expect, it } from 'vitest';
import { EMPTY_LOCK, type LockFile } from '../lock/lock-file.js';
import { parseInstructions } from './instructions.js';
import { lintDockerfile } from './lint.js';
import { analyzeStages } from './stages.js';

const lint = (text: string, lock: LockFile = EMPTY_LOCK) => {
  const parsed = parseInstructions(text);
  return lintDockerfile(parsed, analyzeStages(parsed, { file: 'Dockerfile' }), lock).map(
    ({ rule, line }) => `${line} ${rule}`,
  );
};

describe('lintDockerfile', () => {
  it('flags untagged, latest and unlocked pulls the target needs, at their lines; a digest or a lock entry is fine', () => {
    const text = [
      'FROM python AS a',
      'FROM python:latest AS b',
      'FROM python:3.12-slim AS c',
      `FROM python:3.12@sha256:${'a'.repeat(64)} AS d`,
      'COPY --from=busybox:1.36 /bin/sh /sh',
      'COPY --from=a /x /a',
      'COPY --from=b /x /b',
      'COPY --from=c /x /c',
    ].join('\n');
    expect(lint(text)).toEqual([
      '1 dockerfile-mutable-base',
      '2 dockerfile-mutable-base',
      '3 dockerfile-unlocked-base',
      '5 dockerfile-unlocked-base',
    ]);
    const lock: LockFile = {
      ...EMPTY_LOCK,
      images: { 'docker.io/library/python:3.12-slim': { digest: `sha256:${'b'.repeat(64)}` } },
    };
    expect(lint(text, lock)).not.toContain('3 dockerfile-unlocked-base');
    expect(lint(`FROM python AS unused\nFROM a:1@sha256:${'a'.repeat(64)}`)).toEqual([]);
  });

  it('flags ADD of a URL or git repository unless it carries a checksum', () => {
    const text = [
      `FROM a:1@sha256:${'a'.repeat(64)}`,
      'ADD https://example.invalid/tool.tgz /opt/',
      'ADD --checksum=sha256:abc https://example.invalid/pinned.tgz /opt/',
      'ADD local.tgz /opt/',
      'ADD git@example.invalid:repo.git /src',
    ].join('\n');
    expect(lint(text)).toEqual(['2 dockerfile-add-url', '5 dockerfile-add-url']);
  });
});
