import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readProtoFields } from '../session/protobuf-reader.js';
import { decodeBuildkitTrace } from './buildkit-trace.js';

function traces(file: string): string[] {
  return readFileSync(new URL(`../../test/fixtures/${file}`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { id?: string; aux?: unknown })
    .filter((message) => message.id === 'moby.buildkit.trace')
    .map((message) => message.aux as string);
}

describe('decodeBuildkitTrace on frames recorded from the engine', () => {
  it('reads vertex names, completion and the RUN output of a successful build', () => {
    const statuses = traces('buildkit-api-success.ndjson').map(decodeBuildkitTrace);
    const names = new Set(statuses.flatMap((status) => status.vertexes.map((vertex) => vertex.name)));
    expect(names).toContain('[2/3] RUN echo hello-from-run && echo err >&2');
    expect(names).toContain('[3/3] COPY a.txt /a.txt');
    const run = statuses.flatMap((s) => s.vertexes).filter((v) => v.name.startsWith('[2/3] RUN'));
    expect(run.some((v) => v.started && !v.completed)).toBe(true);
    expect(run.some((v) => v.completed && !v.cached && v.error === undefined)).toBe(true);
    const logs = statuses.flatMap((s) => s.logs).map((log) => [log.stream, Buffer.from(log.msg).toString()]);
    expect(logs).toHaveLength(2);
    expect(logs).toContainEqual([1, 'hello-from-run\n']);
    expect(logs).toContainEqual([2, 'err\n']);
    // Every log names a vertex that was announced.
    const digests = new Set(statuses.flatMap((s) => s.vertexes.map((v) => v.digest)));
    for (const log of statuses.flatMap((s) => s.logs)) expect(digests.has(log.vertex)).toBe(true);
  });

  it('reads the cached flag of a rebuild', () => {
    const vertexes = traces('buildkit-api-cached.ndjson').flatMap((aux) => decodeBuildkitTrace(aux).vertexes);
    const completed = vertexes.filter((v) => v.name.startsWith('[2/3] RUN') && v.completed);
    expect(completed.length).toBeGreaterThan(0);
    expect(completed.every((v) => v.cached)).toBe(true);
  });

  it('reads the error of the failing vertex', () => {
    const vertexes = traces('buildkit-api-failed.ndjson').flatMap((aux) => decodeBuildkitTrace(aux).vertexes);
    const failed = vertexes.filter((v) => v.error);
    expect(failed.map((v) => [v.name, v.error])).toEqual([
      [
        '[2/2] RUN echo about-to-fail && exit 3',
        'executor failed running [/bin/sh -c echo about-to-fail && exit 3]: exit code: 3',
      ],
    ]);
  });

  it('decodes an empty message to nothing', () => {
    expect(decodeBuildkitTrace('')).toEqual({ vertexes: [], logs: [] });
  });
});

describe('readProtoFields', () => {
  it('reads varints, length-delimited and fixed fields', () => {
    // field 1 varint 300, field 2 "hi", field 3 fixed32, field 4 fixed64
    const bytes = Uint8Array.from([
      0x08, 0xac, 0x02, 0x12, 0x02, 0x68, 0x69, 0x1d, 1, 2, 3, 4, 0x21, 1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    const fields = readProtoFields(bytes);
    expect(fields.map((f) => [f.number, f.wireType])).toEqual([
      [1, 0],
      [2, 2],
      [3, 5],
      [4, 1],
    ]);
    expect(fields[0]?.varint).toBe(300n);
    expect(Buffer.from(fields[1]?.bytes ?? []).toString()).toBe('hi');
  });

  it('rejects truncated input instead of reading past the end', () => {
    expect(() => readProtoFields(Uint8Array.from([0x12, 0x05, 0x68]))).toThrow(/truncated/);
    expect(() => readProtoFields(Uint8Array.from([0x08, 0xff]))).toThrow(/truncated varint/);
    expect(() => readProtoFields(Uint8Array.from([0x0b]))).toThrow(/wire type 3/);
  });
});
