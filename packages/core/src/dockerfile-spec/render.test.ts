import { describe, expect, it } from 'vitest';
import { parseInstructions } from './instructions.js';
import { renderUserDockerfile } from './render.js';
import { analyzeStages } from './stages.js';

const HASH = 'abcdefghijklmnopqrstuvwxyz';
const DIGEST = `sha256:${'c'.repeat(64)}`;

function render(
  text: string,
  options: {
    target?: string;
    pins?: Record<string, string>;
    buildArgs?: Record<string, string>;
    labels?: Record<string, string>;
  } = {},
) {
  const parsed = parseInstructions(text);
  const stages = analyzeStages(parsed, { file: '/p/Dockerfile', ...(options.target && { target: options.target }) });
  return renderUserDockerfile({
    text,
    file: '/p/Dockerfile',
    parsed,
    stages,
    pinned: (ref) => options.pins?.[ref] ?? ref,
    hash: HASH,
    ...(options.buildArgs && { buildArgs: options.buildArgs }),
    ...(options.labels && { labels: options.labels }),
  });
}

describe('renderUserDockerfile', () => {
  it('appends the image stage FROM the named target, with the hash label', () => {
    const text = 'FROM alpine:3.20 AS build\nRUN make\n\nFROM build AS runtime\nCMD ["/app"]\n';
    expect(render(text)).toBe(`${text}FROM runtime AS imagespec-image\nLABEL dev.imagespec.hash="${HASH}"\n`);
    expect(render(text, { target: 'build' })).toBe(
      `${text}FROM build AS imagespec-image\nLABEL dev.imagespec.hash="${HASH}"\n`,
    );
  });

  it('names an unnamed target and pins its image on the same line, keeping the line count', () => {
    const text = 'ARG V=3.20\nFROM \\\n  alpine:${V}\nRUN true\n';
    const out = render(text, { pins: { 'docker.io/library/alpine:3.20': `docker.io/library/alpine:3.20@${DIGEST}` } });
    expect(out).toBe(
      `ARG V=3.20\nFROM docker.io/library/alpine:3.20@${DIGEST} AS imagespec-target\n\nRUN true\nFROM imagespec-target AS imagespec-image\nLABEL dev.imagespec.hash="${HASH}"\n`,
    );
    expect(render('FROM alpine:3.20')).toBe(
      `FROM alpine:3.20 AS imagespec-target\nFROM imagespec-target AS imagespec-image\nLABEL dev.imagespec.hash="${HASH}"\n`,
    );
  });

  it('refuses stage names imagespec keeps for itself, at their line', () => {
    expect(() => render('FROM a:1 AS imagespec-image\n')).toThrowError(
      expect.objectContaining({
        code: 'SPEC_INVALID',
        message:
          '/p/Dockerfile:1: the stage name "imagespec-image" is reserved: imagespec adds stages named imagespec-*.',
      }),
    );
  });

  it('writes buildArgs as the defaults of the ARGs that declare them, quoted so $ is not expanded', () => {
    const text = 'ARG BASE=alpine:3.20 OTHER\nFROM $BASE\nARG MODE\nRUN echo $MODE\n';
    expect(render(text, { buildArgs: { MODE: 'a "b" $HOME \\x', BASE: 'alpine:3.21' } })).toBe(
      'ARG BASE="alpine:3.21" OTHER\nFROM $BASE AS imagespec-target\nARG MODE="a \\"b\\" \\$HOME \\\\x"\nRUN echo $MODE\n' +
        `FROM imagespec-target AS imagespec-image\nLABEL dev.imagespec.hash="${HASH}"\n`,
    );
    // With the backtick escape directive, a backslash is plain and the backtick escapes.
    expect(render('# escape=`\nARG M\nFROM a:1\n', { buildArgs: { M: '`$\\' } })).toContain('ARG M="```$\\"');
    expect(() => render('ARG M\nFROM a:1\n', { buildArgs: { M: 'a\nRUN x' } })).toThrowError(
      expect.objectContaining({ code: 'SPEC_INVALID', message: expect.stringContaining('buildArgs.M') }),
    );
  });

  it("sets the spec's labels in the appended stage, and refuses the hash label", () => {
    expect(render('FROM a:1 AS app\n', { labels: { 'org.x': 'say "hi" $USER' } })).toBe(
      `FROM a:1 AS app\nFROM app AS imagespec-image\nLABEL dev.imagespec.hash="${HASH}"\nLABEL org.x="say \\"hi\\" \\$USER"\n`,
    );
    expect(() => render('FROM a:1\n', { labels: { 'dev.imagespec.hash': 'x' } })).toThrowError(
      expect.objectContaining({ code: 'SPEC_INVALID' }),
    );
  });
});
