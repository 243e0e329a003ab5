import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BuilderEvent } from '@imagespec/core';
import { describe, expect, it } from 'vitest';
import { createRawJsonParser, type RawJsonParser } from './progress.js';

// Real recordings of buildctl --progress rawjson (see test/fixtures/README.md).
const FIXTURES = fileURLToPath(new URL('../test/fixtures/', import.meta.url));

function parseAll(text: string, parser: RawJsonParser = createRawJsonParser()) {
  const events: BuilderEvent[] = [];
  for (const line of text.split('\n')) events.push(...parser.line(line));
  events.push(...parser.end());
  return { events, parser };
}

function parseFixture(name: string) {
  return parseAll(readFileSync(`${FIXTURES}${name}`, 'utf8'));
}

/** One line per event; digests shortened so the snapshot reads. */
function summarize(events: readonly BuilderEvent[]): string {
  return events
    .map((event) =>
      event.type === 'step'
        ? `${event.status.padEnd(7)} ${event.name}${event.error ? ` -- ${event.error}` : ''}`
        : `${event.stream} ${event.step ? `[${event.step.slice(7, 14)}]` : '[plain]'} ${event.line}`,
    )
    .join('\n');
}

const step = (events: readonly BuilderEvent[], name: string) =>
  events
    .filter((event) => event.type === 'step' && event.name === name)
    .map((event) => event.type === 'step' && event.status);

describe('rawjson progress parser on every recorded file', () => {
  const files = readdirSync(FIXTURES).filter((file) => file.endsWith('.ndjson'));

  it('finds the recordings', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  it.each(files)(
    '%s: every vertex that completes ends in exactly one terminal step event, logs are complete lines',
    (file) => {
      const text = readFileSync(`${FIXTURES}${file}`, 'utf8');
      const { events, parser } = parseAll(text);
      const completed = new Set<string>();
      for (const line of text.split('\n')) {
        if (!line.startsWith('{')) continue;
        for (const vertex of (JSON.parse(line) as { vertexes?: { digest: string; completed?: string }[] }).vertexes ??
          []) {
          if (vertex.completed) completed.add(vertex.digest);
        }
      }
      for (const digest of completed) {
        const terminal = events.filter(
          (event) => event.type === 'step' && event.id === digest && event.status !== 'started',
        );
        expect(terminal, digest).toHaveLength(1);
      }
      for (const event of events) {
        if (event.type === 'log') expect(event.line).not.toContain('\n');
      }
      // Only buildctl's own text ends up in the plain tail, never a progress line.
      expect(parser.plainTail.every((line) => !line.startsWith('{'))).toBe(true);
    },
  );

  it('success: steps in order, RUN output on stdout and stderr attached to its step', () => {
    const { events, parser } = parseFixture('progress-rawjson-success.ndjson');
    expect(summarize(events)).toMatchInlineSnapshot(`
      "started [internal] load build definition from Dockerfile
      done    [internal] load build definition from Dockerfile
      started [internal] load metadata for localhost:5000/busybox:1
      done    [internal] load metadata for localhost:5000/busybox:1
      done    [internal] load .dockerignore
      started [stage-0 1/4] FROM localhost:5000/busybox:1@sha256:08ce8863e9b338faa32e75b9f2c198230fd59674d4e02645e317491a056ebf03
      done    [internal] load build context
      done    [stage-0 1/4] FROM localhost:5000/busybox:1@sha256:08ce8863e9b338faa32e75b9f2c198230fd59674d4e02645e317491a056ebf03
      started [stage-0 2/4] RUN --mount=type=secret,id=tok cat /run/secrets/tok | wc -c > /tokenlen
      done    [stage-0 2/4] RUN --mount=type=secret,id=tok cat /run/secrets/tok | wc -c > /tokenlen
      started [stage-0 3/4] RUN echo building; echo to-stderr >&2; mkdir -p /app
      stdout [1a908d1] building
      stderr [1a908d1] to-stderr
      done    [stage-0 3/4] RUN echo building; echo to-stderr >&2; mkdir -p /app
      started [stage-0 4/4] COPY app.txt /app/
      done    [stage-0 4/4] COPY app.txt /app/
      started exporting to image
      done    exporting to image
      started exporting cache to registry
      done    exporting cache to registry"
    `);
    expect(parser.failedSteps).toEqual([]);
    expect(parser.plainTail).toEqual([]);
  });

  it('cached: the RUN and COPY steps come back cached, with no output', () => {
    const { events } = parseFixture('progress-rawjson-cached.ndjson');
    expect(summarize(events)).toMatchInlineSnapshot(`
      "started [internal] load build definition from Dockerfile
      done    [internal] load build definition from Dockerfile
      started [internal] load metadata for localhost:5000/busybox:1
      done    [internal] load metadata for localhost:5000/busybox:1
      done    [internal] load .dockerignore
      started importing cache manifest from localhost:5000/fx/app:buildcache
      started [stage-0 1/4] FROM localhost:5000/busybox:1@sha256:08ce8863e9b338faa32e75b9f2c198230fd59674d4e02645e317491a056ebf03
      done    [internal] load build context
      done    [stage-0 1/4] FROM localhost:5000/busybox:1@sha256:08ce8863e9b338faa32e75b9f2c198230fd59674d4e02645e317491a056ebf03
      done    importing cache manifest from localhost:5000/fx/app:buildcache
      cached  [stage-0 2/4] RUN --mount=type=secret,id=tok cat /run/secrets/tok | wc -c > /tokenlen
      cached  [stage-0 3/4] RUN echo building; echo to-stderr >&2; mkdir -p /app
      started [stage-0 4/4] COPY app.txt /app/
      cached  [stage-0 4/4] COPY app.txt /app/
      started exporting to image
      done    exporting to image"
    `);
    expect(step(events, '[stage-0 3/4] RUN echo building; echo to-stderr >&2; mkdir -p /app')).toEqual(['cached']);
    expect(events.filter((event) => event.type === 'log')).toEqual([]);
  });

  it('failed: the failing RUN step, its output, and the plain-text tail', () => {
    const { events, parser } = parseFixture('progress-rawjson-failed.ndjson');
    expect(summarize(events)).toMatchInlineSnapshot(`
      "done    [internal] load build definition from Dockerfile
      started [internal] load metadata for localhost:5000/busybox:1
      done    [internal] load metadata for localhost:5000/busybox:1
      done    [internal] load .dockerignore
      started [1/2] FROM localhost:5000/busybox:1@sha256:08ce8863e9b338faa32e75b9f2c198230fd59674d4e02645e317491a056ebf03
      done    [1/2] FROM localhost:5000/busybox:1@sha256:08ce8863e9b338faa32e75b9f2c198230fd59674d4e02645e317491a056ebf03
      started [2/2] RUN echo about to fail; exit 3
      stdout [4b16a5d] about to fail
      error   [2/2] RUN echo about to fail; exit 3 -- process "/bin/sh -c echo about to fail; exit 3" did not complete successfully: exit code: 3
      stderr [plain] Dockerfile:2
      stderr [plain] --------------------
      stderr [plain]    1 |     FROM localhost:5000/busybox:1
      stderr [plain]    2 | >>> RUN echo about to fail; exit 3
      stderr [plain]    3 |     
      stderr [plain] --------------------
      stderr [plain] error: failed to solve: process "/bin/sh -c echo about to fail; exit 3" did not complete successfully: exit code: 3"
    `);
    expect(parser.failedSteps).toEqual([
      {
        id: 'sha256:4b16a5d63589c12c5b89d3cf655de6caf730d13914bec167851be11de26b89d1',
        name: '[2/2] RUN echo about to fail; exit 3',
        error: 'process "/bin/sh -c echo about to fail; exit 3" did not complete successfully: exit code: 3',
      },
    ]);
    expect(parser.logTail('sha256:4b16a5d63589c12c5b89d3cf655de6caf730d13914bec167851be11de26b89d1')).toEqual([
      'about to fail',
    ]);
    expect(parser.plainTail.at(-1)).toBe(
      'error: failed to solve: process "/bin/sh -c echo about to fail; exit 3" did not complete successfully: exit code: 3',
    );
  });
});

describe('rawjson progress parser details', () => {
  const log = (vertex: string, stream: number, text: string | Buffer) =>
    JSON.stringify({ logs: [{ vertex, stream, data: Buffer.from(text).toString('base64') }] });
  const vertex = (digest: string, fields: Record<string, unknown>) =>
    JSON.stringify({ vertexes: [{ digest, name: `step ${digest}`, ...fields }] });

  it('buffers partial lines per step and stream, including UTF-8 characters split across chunks', () => {
    const parser = createRawJsonParser();
    const snow = Buffer.from('☃\n');
    const events = [
      ...parser.line(log('a', 1, 'hel')),
      ...parser.line(log('b', 1, 'other step\n')),
      ...parser.line(log('a', 2, 'err-part')),
      ...parser.line(log('a', 1, Buffer.concat([Buffer.from('lo '), snow.subarray(0, 1)]))),
      ...parser.line(log('a', 1, snow.subarray(1))),
    ];
    expect(events).toEqual([
      { type: 'log', stream: 'stdout', line: 'other step', step: 'b' },
      { type: 'log', stream: 'stdout', line: 'hello ☃', step: 'a' },
    ]);
    // The step's completion flushes what has no newline yet.
    expect(parser.line(vertex('a', { started: 't', completed: 't' }))).toEqual([
      { type: 'log', stream: 'stderr', line: 'err-part', step: 'a' },
      { type: 'step', id: 'a', name: 'step a', status: 'done' },
    ]);
  });

  it('flushes every partial line at the end of the stream', () => {
    const parser = createRawJsonParser();
    expect(parser.line(log('a', 1, 'no newline'))).toEqual([]);
    expect(parser.end()).toEqual([{ type: 'log', stream: 'stdout', line: 'no newline', step: 'a' }]);
  });

  it('shows what a terminal would for carriage-return redraws', () => {
    const parser = createRawJsonParser();
    expect(parser.line(log('a', 1, '10%\r50%\r100%\r\n'))).toEqual([
      { type: 'log', stream: 'stdout', line: '100%', step: 'a' },
    ]);
  });

  it('emits each state once although BuildKit repeats vertices', () => {
    const parser = createRawJsonParser();
    const events = [
      vertex('a', {}),
      vertex('a', { started: '1' }),
      vertex('a', { started: '1' }),
      vertex('a', { started: '1', completed: '2' }),
      vertex('a', { started: '3' }),
      vertex('a', { started: '3', completed: '4' }),
      vertex('a', { started: '3', completed: '4', cached: true }),
    ].flatMap((line) => parser.line(line));
    expect(events.map((event) => event.type === 'step' && event.status)).toEqual(['started', 'done']);
  });

  it('reports an error once, with the error text', () => {
    const parser = createRawJsonParser();
    const events = [
      vertex('a', { started: '1' }),
      vertex('a', { completed: '2', error: 'boom' }),
      vertex('a', { error: 'boom' }),
    ].flatMap((line) => parser.line(line));
    expect(events.at(-1)).toEqual({ type: 'step', id: 'a', name: 'step a', status: 'error', error: 'boom' });
    expect(events).toHaveLength(2);
  });

  it('decodes warnings', () => {
    const parser = createRawJsonParser();
    const line = JSON.stringify({
      warnings: [{ vertex: 'a', level: 1, short: Buffer.from('FromAsCasing: mismatch').toString('base64') }],
    });
    expect(parser.line(line)).toEqual([
      { type: 'log', stream: 'stderr', line: 'warning: FromAsCasing: mismatch', step: 'a' },
    ]);
  });

  it('keeps non-JSON lines (and JSON that is not a status) as plain text, skipping blank ones', () => {
    const parser = createRawJsonParser({ plainTail: 2 });
    const events = ['', '{not json', '[1,2]', 'error: x'].flatMap((line) => parser.line(line));
    expect(events.map((event) => event.type === 'log' && event.line)).toEqual(['{not json', '[1,2]', 'error: x']);
    expect(parser.plainTail).toEqual(['[1,2]', 'error: x']);
  });
});
