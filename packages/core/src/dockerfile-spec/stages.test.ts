import { describe, expect, it } from 'vitest';
import { ImagespecError } from '../errors.js';
import { parseInstructions } from './instructions.js';
import { pinDockerfileImages } from './pin.js';
import { analyzeStages, type StagesOptions } from './stages.js';

const analyze = (text: string, options: Partial<StagesOptions> = {}) =>
  analyzeStages(parseInstructions(text), { file: '/p/Dockerfile', ...options });

function failure(run: () => unknown): ImagespecError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ImagespecError);
    return error as ImagespecError;
  }
  throw new Error('expected an error');
}

const multiStage = [
  '# syntax is not needed',
  'ARG GO_VERSION=1.23',
  'ARG RUNTIME',
  'FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build',
  'WORKDIR /src',
  'COPY . .',
  'RUN go build -o /out/app ./cmd/app',
  '',
  'FROM build AS test',
  'RUN go test ./...',
  '',
  'FROM ${RUNTIME:-gcr.io/distroless/static}:nonroot AS runtime',
  'COPY --from=build /out/app /app',
  'COPY --from=busybox:1.36 /bin/busybox /bin/busybox',
  'ENTRYPOINT ["/app"]',
].join('\n');

describe('parseInstructions', () => {
  it('joins continuation lines, drops comments inside them, and keeps the first line and the last', () => {
    const parsed = parseInstructions('FROM a\nRUN one \\\n  # a comment\n  two \\\n  three\nCMD x');
    expect(parsed.instructions).toEqual([
      { keyword: 'FROM', args: 'a', line: 1, endLine: 1 },
      { keyword: 'RUN', args: 'one two three', line: 2, endLine: 5 },
      { keyword: 'CMD', args: 'x', line: 6, endLine: 6 },
    ]);
  });

  it('reads the escape directive, which only counts at the top', () => {
    const parsed = parseInstructions('# escape=`\nFROM a\nRUN dir `\n  C:\\\\x');
    expect(parsed.escapeChar).toBe('`');
    expect(parsed.instructions[1]).toMatchObject({ args: 'dir C:\\\\x', endLine: 4 });
    expect(parseInstructions('FROM a\n# escape=`\nRUN x `').escapeChar).toBe('\\');
  });
});

describe('analyzeStages', () => {
  it('resolves ARGs in FROM with buildArgs over defaults, and tells stages from images', () => {
    const result = analyze(multiStage);
    expect(result.target).toMatchObject({ index: 2, name: 'runtime' });
    expect(result.images.map(({ ref, written, line, via }) => ({ ref, written, line, via }))).toEqual([
      { ref: 'docker.io/library/golang:1.23-bookworm', written: 'golang:1.23-bookworm', line: 4, via: 'FROM' },
      { ref: 'gcr.io/distroless/static:nonroot', written: 'gcr.io/distroless/static:nonroot', line: 12, via: 'FROM' },
      { ref: 'docker.io/library/busybox:1.36', written: 'busybox:1.36', line: 14, via: 'COPY --from' },
    ]);
    const overridden = analyze(multiStage, { buildArgs: { GO_VERSION: '1.22', RUNTIME: 'registry.local/base' } });
    expect(overridden.images.map((image) => image.ref)).toEqual([
      'docker.io/library/golang:1.22-bookworm',
      'registry.local/base:nonroot',
      'docker.io/library/busybox:1.36',
    ]);
  });

  it('counts only the images the target needs', () => {
    const result = analyze(multiStage, { target: 'test' });
    expect(result.target.name).toBe('test');
    expect(result.images.map((image) => image.written)).toEqual(['golang:1.23-bookworm']);
  });

  it('finds images mounted in RUN and skips scratch', () => {
    const result = analyze(
      'FROM scratch AS empty\nFROM alpine:3.20\nRUN --mount=type=bind,from=python:3.12,target=/py ls /py',
    );
    expect(result.images.map((image) => [image.written, image.via])).toEqual([
      ['alpine:3.20', 'FROM'],
      ['python:3.12', 'RUN --mount'],
    ]);
  });

  it('resolves FROM only with ARGs declared before the first FROM, as BuildKit does: a build arg reaches no other', () => {
    const text = 'FROM busybox:1.36 AS tools\nARG BASE\nFROM $BASE\n';
    const error = failure(() => analyze(text, { buildArgs: { BASE: 'alpine:3.20' } }));
    expect(error.message).toContain(
      '/p/Dockerfile:3: FROM uses $BASE, which has no value: no ARG before the first FROM declares it',
    );
    expect(analyze(`ARG BASE\n${text}`, { buildArgs: { BASE: 'alpine:3.20' } }).target.line).toBe(4);
  });

  it('refuses a FROM whose ARG has no value, at its line', () => {
    const error = failure(() => analyze('ARG BASE\nFROM $BASE\nRUN true'));
    expect(error.code).toBe('SPEC_INVALID');
    expect(error.message).toBe(
      '/p/Dockerfile:2: FROM uses $BASE, which has no value: its ARG has no default and buildArgs does not set it.',
    );
    expect(error.hint).toContain('buildArgs.BASE');
    expect(failure(() => analyze('FROM ${NOPE}:1')).message).toContain('no ARG before the first FROM declares it');
  });

  it('refuses an unknown target, listing the stages', () => {
    const error = failure(() => analyze(multiStage, { target: 'prod' }));
    expect(error.message).toBe('/p/Dockerfile: target "prod" names no stage; the stages are build, test, runtime.');
  });

  it('refuses a Dockerfile without FROM, an instruction before it, and an invalid image', () => {
    expect(failure(() => analyze('# nothing\n')).message).toContain('has no FROM');
    expect(failure(() => analyze('RUN x\nFROM a')).message).toBe('/p/Dockerfile:1: RUN comes before the first FROM.');
    expect(failure(() => analyze('FROM BUSYBOX')).message).toMatch(/^\/p\/Dockerfile:1: FROM names "BUSYBOX"/);
  });
});

describe('pinDockerfileImages', () => {
  it('replaces each pulled image with its pinned reference and keeps every other line and the line count', () => {
    const parsed = parseInstructions(multiStage);
    const { images } = analyzeStages(parsed, { file: 'Dockerfile' });
    const pins: Record<string, string> = {
      'docker.io/library/golang:1.23-bookworm': `docker.io/library/golang:1.23-bookworm@sha256:${'a'.repeat(64)}`,
      'docker.io/library/busybox:1.36': `docker.io/library/busybox:1.36@sha256:${'b'.repeat(64)}`,
    };
    const out = pinDockerfileImages(multiStage, parsed, images, (ref) => pins[ref] ?? ref);
    const lines = out.split('\n');
    expect(lines).toHaveLength(multiStage.split('\n').length);
    expect(lines[3]).toBe(`FROM --platform=$BUILDPLATFORM ${pins['docker.io/library/golang:1.23-bookworm']} AS build`);
    expect(lines[11]).toBe('FROM ${RUNTIME:-gcr.io/distroless/static}:nonroot AS runtime');
    expect(lines[13]).toBe(`COPY --from=${pins['docker.io/library/busybox:1.36']} /bin/busybox /bin/busybox`);
    expect(out.replace(/@sha256:[ab]{64}/g, '').replace('docker.io/library/golang', 'golang')).toBe(
      multiStage
        .replace('golang:${GO_VERSION}', 'golang:1.23')
        .replace('busybox:1.36', 'docker.io/library/busybox:1.36'),
    );
  });

  it('leaves the text as it is when nothing is pinned', () => {
    const parsed = parseInstructions(multiStage);
    const { images } = analyzeStages(parsed, { file: 'Dockerfile' });
    expect(pinDockerfileImages(multiStage, parsed, images, (ref) => ref)).toBe(multiStage);
  });
});
