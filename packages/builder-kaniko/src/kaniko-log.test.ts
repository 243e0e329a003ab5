import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BuilderEvent } from '@imagespec/core';
import { describe, expect, it } from 'vitest';
import { createKanikoLogTracker, type KanikoLogFormat, parseKanikoLogLine } from './kaniko-log.js';

const KANIKO_FIXTURES = fileURLToPath(new URL('../test/fixtures/', import.meta.url));
const fixture = (name: string) => readFileSync(`${KANIKO_FIXTURES}${name}`, 'utf8').replace(/\n$/, '').split('\n');

function track(lines: string[], format: KanikoLogFormat, failed: boolean) {
  const events: BuilderEvent[] = [];
  const tracker = createKanikoLogTracker({ format, emit: (event) => events.push(event), tailSize: 5 });
  for (const line of lines) tracker.push(line);
  const summary = tracker.finish(failed);
  const steps = events.filter((event) => event.type === 'step').map((event) => `${event.status} ${event.name}`);
  return { events, summary, steps };
}

describe('parseKanikoLogLine', () => {
  it('reads coloured logrus records and strips ANSI codes (recorded run)', () => {
    const [first] = fixture('build-success.log');
    expect(first).toContain('\u001b[36m');
    expect(parseKanikoLogLine(first!, 'color')).toEqual({
      kind: 'record',
      level: 'info',
      message: "To simulate EOF and exit, press 'Ctrl+D'",
    });
  });

  it('keeps RUN output as output', () => {
    expect(parseKanikoLogLine('building-in-kaniko', 'color')).toEqual({ kind: 'output', text: 'building-in-kaniko' });
    expect(parseKanikoLogLine('about to fail', 'json')).toEqual({ kind: 'output', text: 'about to fail' });
    expect(parseKanikoLogLine('{not json', 'json')).toEqual({ kind: 'output', text: '{not json' });
  });

  it('reads JSON records (recorded run)', () => {
    const lines = fixture('build-failed-json.log');
    expect(parseKanikoLogLine(lines[9]!, 'json')).toEqual({
      kind: 'record',
      level: 'info',
      message: 'RUN echo about to fail; exit 3',
    });
  });

  it('reads uncoloured logrus text records, quoted or not', () => {
    expect(parseKanikoLogLine('time="2026-11-23T11:39:34Z" level=warning msg="Error while \\"x\\" y"', 'text')).toEqual(
      {
        kind: 'record',
        level: 'warning',
        message: 'Error while "x" y',
      },
    );
    expect(parseKanikoLogLine('time="2026-11-23T11:39:34Z" level=info msg=Done', 'text')).toEqual({
      kind: 'record',
      level: 'info',
      message: 'Done',
    });
  });
});

describe('createKanikoLogTracker', () => {
  it('turns the recorded successful build into steps and log lines', () => {
    const { events, summary, steps } = track(fixture('build-success.log'), 'color', false);
    expect(steps).toMatchInlineSnapshot(`
      [
        "started FROM localhost:5000/busybox:1",
        "done FROM localhost:5000/busybox:1",
        "started RUN echo building-in-kaniko && mkdir -p /app",
        "done RUN echo building-in-kaniko && mkdir -p /app",
        "started COPY app.txt /app/",
        "done COPY app.txt /app/",
        "started ENV GREETING=hello",
        "done ENV GREETING=hello",
        "started CMD ["cat","/app/app.txt"]",
        "done CMD ["cat","/app/app.txt"]",
      ]
    `);
    const output = events.find((event) => event.type === 'log' && event.line === 'building-in-kaniko');
    expect(output).toMatchObject({ stream: 'stdout', step: 'step-2' });
    expect(summary.failedStep).toBeUndefined();
    expect(summary.error).toBeUndefined();
    expect(events.every((event) => event.type !== 'log' || !event.line.includes('\u001b'))).toBe(true);
  });

  it('names the failing step, Kaniko error and last lines of the recorded failed build', () => {
    const { summary, steps, events } = track(fixture('build-failed-json.log'), 'json', true);
    expect(steps.at(-1)).toBe('error RUN echo about to fail; exit 3');
    expect(summary.failedStep).toBe('RUN echo about to fail; exit 3');
    // Only what the command printed: Kaniko's records and its final error line are not the step's output.
    expect(summary.failedStepOutput).toEqual(['about to fail']);
    expect(summary.error).toBe(
      'error building image: error building stage: failed to execute command: waiting for process to exit: exit status 3',
    );
    expect(summary.tail).toEqual([
      'Cmd: /bin/sh',
      'Args: [-c echo about to fail; exit 3]',
      'Running: [/bin/sh -c echo about to fail; exit 3]',
      'about to fail',
      'error building image: error building stage: failed to execute command: waiting for process to exit: exit status 3',
    ]);
    const stepError = events.find((event) => event.type === 'step' && event.status === 'error');
    expect(stepError).toMatchObject({ error: summary.error });
    expect(events.find((event) => event.type === 'log' && event.line.startsWith('error building'))).toMatchObject({
      stream: 'stderr',
    });
  });

  it('reports the error of a plain (not gzipped) tar on stdin (recorded run)', () => {
    const { summary } = track(fixture('build-uncompressed-stdin.log'), 'color', true);
    expect(summary.error).toBe('Error: error resolving source context: gzip: invalid header');
    expect(summary.failedStep).toBeUndefined();
  });

  it('marks steps Kaniko takes from the cache as cached', () => {
    const { steps } = track(
      [
        '{"level":"info","msg":"Using caching version of cmd: RUN make"}',
        '{"level":"info","msg":"RUN make"}',
        '{"level":"info","msg":"COPY . /src"}',
      ],
      'json',
      false,
    );
    expect(steps).toEqual(['cached RUN make', 'started COPY . /src', 'done COPY . /src']);
  });
});
