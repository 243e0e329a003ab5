import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { contentMtimeNs } from './context/content-mtime.js';
import type { BuildRequest } from './contract/builder.js';
import { computeImageIdentity } from './hash/identity.js';
import { imageSpec } from './spec/fluent.js';
import { createBuildRequest, runWithBuilder, writeProject } from './testing.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'imagespec-testing-'));
  dirs.push(dir);
  await writeProject(dir, files);
  return dir;
}

describe('createBuildRequest', () => {
  it("gives the engine's request for a fluent spec: its identity, push rule, entries and stamped events", async () => {
    const dir = await project({ 'app/main.py': 'print(1)\n' });
    const spec = imageSpec({ name: 'app', baseImage: 'busybox:1.36', sourceRoot: 'app' }, { dir });
    const identity = await computeImageIdentity(spec.resolve());
    const { request, events } = await createBuildRequest(spec);
    expect(request.image).toBe(identity.image);
    expect(request.hash).toBe(identity.hash);
    expect(request.baseImage).toBe('docker.io/library/busybox:1.36');
    expect(request.push).toBe(false);
    expect(request.dockerfile('plain')).toContain(`FROM ${request.baseImage}`);

    const entries = [];
    for await (const entry of request.contextEntries!()) entries.push(entry);
    const sha256 = createHash('sha256').update('print(1)\n').digest('hex');
    expect(entries.find((entry) => entry.kind === 'file')).toMatchObject({ size: 9, mtimeNs: contentMtimeNs(sha256) });

    request.events.emit({ type: 'log', stream: 'stdout', line: 'hello' });
    expect(events).toEqual([{ type: 'log', stream: 'stdout', line: 'hello', image: identity.image, spec: 'app' }]);

    const pushed = await createBuildRequest(spec.withRegistry('127.0.0.1:5000'));
    expect(pushed.request.push).toBe(true);
    expect((await createBuildRequest(spec.withRegistry('127.0.0.1:5000'), { push: false })).request.push).toBe(false);
  });

  it('takes one spec of a spec file by name; a base spec is planned and its image is the FROM', async () => {
    const dir = await project({
      'images.yaml': 'images:\n  app:\n    baseImage: base\n  base:\n    baseImage: busybox:1.36\n',
    });
    const file = join(dir, 'images.yaml');
    const { request } = await createBuildRequest({ file, name: 'app' });
    const base = await createBuildRequest({ file, name: 'base' });
    expect(request.spec.name).toBe('app');
    expect(request.baseImage).toBe(base.request.image);
    await expect(createBuildRequest({ file })).rejects.toMatchObject({ code: 'SPEC_NOT_FOUND' });
  });
});

describe('runWithBuilder', () => {
  it("runs the engine with the builder alone, which gets the engine's request", async () => {
    const dir = await project({ 'app/main.py': 'print(1)\n' });
    const spec = imageSpec({ name: 'app', baseImage: 'busybox:1.36', sourceRoot: 'app' }, { dir }).resolve();
    const requests: BuildRequest[] = [];
    const builder = {
      apiVersion: 1 as const,
      name: 'recording',
      priority: 0,
      create: () => ({
        available: () => ({ ok: true as const }),
        supports: () => ({ ok: true as const }),
        build: async (request: BuildRequest) => {
          requests.push(request);
          request.events.emit({ type: 'log', stream: 'stdout', line: 'built' });
          return { image: request.image, pushed: false };
        },
      }),
    };
    const { summary, events } = await runWithBuilder(builder, [spec]);
    const { request } = await createBuildRequest(spec);
    expect(summary.images).toEqual([
      expect.objectContaining({ image: request.image, status: 'built', builder: 'recording' }),
    ]);
    expect(requests.map((r) => [r.image, r.dockerfile('plain')])).toEqual([
      [request.image, request.dockerfile('plain')],
    ]);
    expect(events.map((event) => event.type)).toEqual(['queued', 'building', 'log', 'built']);
  });
});
