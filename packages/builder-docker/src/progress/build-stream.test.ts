import { readFileSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import type { BuilderEvent } from '@imagespec/core';
import { describe, expect, it } from 'vitest';
import { followBuildStream } from './build-stream.js';

const fixture = (file: string) => readFileSync(new URL(`../../test/fixtures/${file}`, import.meta.url));

/** Replays a recording in chunks of `size` bytes, so JSON lines are split at arbitrary places. */
function replay(bytes: Buffer, size = 37): Readable {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) chunks.push(bytes.subarray(offset, offset + size));
  return Readable.from(chunks);
}

async function follow(file: string) {
  const events: BuilderEvent[] = [];
  const outcome = await followBuildStream(replay(fixture(file)), (event) => events.push(event));
  const steps = events.flatMap((e) => (e.type === 'step' ? [`${e.status} ${e.name}`] : []));
  const logs = events.flatMap((e) => (e.type === 'log' ? [`${e.stream} ${e.line}`] : []));
  return { outcome, steps, logs, events };
}

describe('followBuildStream on BuildKit recordings', () => {
  it('reports steps, output lines and the image id of a build', async () => {
    const { outcome, steps, logs, events } = await follow('buildkit-api-success.ndjson');
    expect(outcome.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(outcome.error).toBeUndefined();
    expect(steps).toContain('started [2/3] RUN echo hello-from-run && echo err >&2');
    expect(steps).toContain('done [2/3] RUN echo hello-from-run && echo err >&2');
    expect(logs.sort()).toEqual(['stderr err', 'stdout hello-from-run']);
    const run = events.find((e) => e.type === 'step' && e.name.startsWith('[2/3]'));
    expect(
      events.filter((e) => e.type === 'log').every((e) => e.type === 'log' && e.step === (run as { id: string }).id),
    ).toBe(true);
  });

  it('marks every instruction cached on a rebuild and never reports it done after that', async () => {
    const { steps } = await follow('buildkit-api-cached.ndjson');
    expect(steps).toContain('cached [2/3] RUN echo hello-from-run && echo err >&2');
    expect(steps).toContain('cached [3/3] COPY a.txt /a.txt');
    expect(steps).not.toContain('done [2/3] RUN echo hello-from-run && echo err >&2');
  });

  it('returns the failing step, the daemon error and the step output', async () => {
    const { outcome, steps } = await follow('buildkit-api-failed.ndjson');
    expect(outcome.imageId).toBeUndefined();
    expect(outcome.error).toEqual({
      message: 'executor failed running [/bin/sh -c echo about-to-fail && exit 3]: exit code: 3',
      step: '[2/2] RUN echo about-to-fail && exit 3',
      output: ['about-to-fail'],
    });
    expect(steps).toContain('error [2/2] RUN echo about-to-fail && exit 3');
  });

  it('surfaces the missing bridge network of an engine started without one', async () => {
    const { outcome } = await follow('buildkit-api-bridge-missing.ndjson');
    expect(outcome.error?.message).toMatch(/network bridge not found/);
  });
});

describe('followBuildStream on classic builder recordings', () => {
  it('reports steps, output (stderr told apart) and the image id', async () => {
    const { outcome, steps, logs } = await follow('classic-success.ndjson');
    expect(outcome.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(steps).toEqual([
      'started [1/3] FROM localhost:5000/busybox:1',
      'done [1/3] FROM localhost:5000/busybox:1',
      'started [2/3] RUN echo hello-from-run && echo err >&2',
      'done [2/3] RUN echo hello-from-run && echo err >&2',
      'started [3/3] COPY a.txt /a.txt',
      'done [3/3] COPY a.txt /a.txt',
    ]);
    expect(logs).toEqual(['stdout hello-from-run', 'stderr err']);
    expect(outcome.containers).toEqual([]);
  });

  it('marks cached steps', async () => {
    const { steps } = await follow('classic-cached.ndjson');
    expect(steps).toContain('cached [2/3] RUN echo hello-from-run && echo err >&2');
    expect(steps).toContain('cached [3/3] COPY a.txt /a.txt');
  });

  it('returns the failing step, the daemon error and the step output', async () => {
    const { outcome, steps } = await follow('classic-failed.ndjson');
    expect(outcome.error).toEqual({
      message: "The command '/bin/sh -c echo about-to-fail && exit 3' returned a non-zero code: 3",
      step: '[2/2] RUN echo about-to-fail && exit 3',
      output: ['about-to-fail'],
    });
    expect(steps.at(-1)).toBe('error [2/2] RUN echo about-to-fail && exit 3');
  });
});

describe('the keep-alive hang guard', () => {
  it('stops reading when the stream stays open after the image id', async () => {
    const stream = new PassThrough();
    stream.write('{"stream":"Step 1/1 : FROM x"}\n{"stream":"\\n"}\n');
    stream.write('{"aux":{"ID":"sha256:1111111111111111111111111111111111111111111111111111111111111111"}}\n');
    // never ended: the daemon's response that does not terminate
    const outcome = await followBuildStream(stream, () => {}, { endGraceMs: 50 });
    expect(outcome.imageId).toBe('sha256:1111111111111111111111111111111111111111111111111111111111111111');
    expect(stream.destroyed).toBe(true);
  });

  it('reports a cut connection as a stream error, with the containers still running', async () => {
    const stream = new PassThrough();
    stream.write(
      '{"stream":"Step 1/2 : RUN sleep 100"}\n{"stream":"\\n"}\n{"stream":" ---\\u003e Running in 0123456789ab\\n"}\n',
    );
    setTimeout(() => stream.destroy(new Error('socket hang up')), 10);
    const outcome = await followBuildStream(stream, () => {});
    expect((outcome.streamError as Error).message).toBe('socket hang up');
    expect(outcome.containers).toEqual(['0123456789ab']);
  });
});
