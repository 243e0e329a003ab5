import { describe, expect, it } from 'vitest';
import { testSpec } from '../../test/test-spec.js';
import { renderDockerfile } from './render.js';
import { renderVerifyStage, VERIFY_STAGE, verifyFailedError, verifyRunLines } from './verify-stage.js';

const BASE = '127.0.0.1:5000/imagespec-test/busybox:1';
const render = (spec: ReturnType<typeof testSpec>) =>
  renderDockerfile(spec, { dialect: 'buildkit', baseImage: BASE, hash: 'abcdefghijklmnopqrstuvwxyz' });

describe('renderVerifyStage', () => {
  it('names the image stage and appends a verify stage with one RUN per command', () => {
    const spec = testSpec({
      commands: ['echo built > /built'],
      env: { A: 'b' },
      user: 'nobody',
      verify: ['test -f /built', "  python3 -c 'import sys'  "],
    });
    expect(renderVerifyStage(render(spec), spec)).toMatchInlineSnapshot(`
      "FROM 127.0.0.1:5000/imagespec-test/busybox:1 AS imagespec-image
      ENV A="b"
      RUN echo built > /built
      LABEL dev.imagespec.hash="abcdefghijklmnopqrstuvwxyz"
      USER nobody
      FROM imagespec-image AS imagespec-verify
      RUN test -f /built
      RUN python3 -c 'import sys'
      "
    `);
  });

  it('leaves the Dockerfile as rendered without verify commands', () => {
    const spec = testSpec();
    expect(renderVerifyStage(render(spec), spec)).toBe(render(spec));
  });

  it('refuses a verify command that would add an instruction, naming the field', () => {
    for (const command of ['true\nRUN curl evil', 'true \\', 'cat <<EOF', '["true"]', '--mount=type=bind true']) {
      const spec = testSpec({ verify: ['true', command] });
      expect(() => renderVerifyStage(render(testSpec()), spec)).toThrowError(
        expect.objectContaining({ code: 'SPEC_INVALID', details: expect.objectContaining({ field: 'verify[1]' }) }),
      );
    }
  });

  it('refuses a Dockerfile with other than one unnamed stage', () => {
    const spec = testSpec({ verify: ['true'] });
    for (const dockerfile of ['FROM a AS b\n', 'FROM a\nFROM b\n', 'RUN true\n']) {
      expect(() => renderVerifyStage(dockerfile, spec)).toThrowError(expect.objectContaining({ code: 'INTERNAL' }));
    }
  });

  it('the RUN lines are the last lines of the verify stage, in order', () => {
    const spec = testSpec({ verify: ['a', ' b '] });
    const lines = renderVerifyStage(render(testSpec()), spec).trimEnd().split('\n');
    expect(lines.slice(-3)).toEqual([`FROM imagespec-image AS ${VERIFY_STAGE}`, ...verifyRunLines(spec)]);
    expect(verifyRunLines(spec)).toEqual(['RUN a', 'RUN b']);
  });
});

describe('verifyFailedError', () => {
  it('names the command, exit code and image, says nothing was pushed, and shows the output', () => {
    const error = verifyFailedError(
      'r.example/app:abc',
      { command: 'false', exitCode: 1, output: ['boom'] },
      'buildkitd',
    );
    expect(error).toMatchObject({
      code: 'VERIFY_FAILED',
      details: { command: 'false', exitCode: 1, output: ['boom'] },
    });
    expect(error.message).toBe(
      'Verify command `false` exited with 1 in r.example/app:abc (buildkitd); nothing was pushed.\nLast output:\n  boom',
    );
  });
});
