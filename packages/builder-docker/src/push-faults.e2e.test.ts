import { createBuildRequest } from '@imagespec/core/testing';
import { testEnv } from '@imagespec/test-env';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  caught,
  createTestBuilder,
  docker,
  makeProject,
  manifestStatus,
  resolveSpec,
  stepLines,
  uniqueName,
  waitUntil,
} from '../test/e2e-harness.js';
import { type StandInFault, startRegistryStandIn } from '../test/registry-stand-in.js';

const env = testEnv();
const POLICY = { pushIdleTimeoutMs: 2000, pushRetries: 2 } as const;

/** A build request whose registry is a stand-in in front of the real registry. */
async function throughStandIn(fault: StandInFault, signal?: AbortSignal) {
  const standIn = await startRegistryStandIn(env.registry.url, fault);
  onTestFinished(() => standIn.close());
  const spec = await resolveSpec(
    {
      name: uniqueName('push-fault'),
      registry: standIn.host,
      baseImage: env.baseImages.busybox,
      commands: [`echo ${uniqueName('layer')} > /layer`],
    },
    await makeProject({}),
  );
  const prepared = await createBuildRequest(spec, { push: true, ...(signal && { signal }) });
  onTestFinished(() => {
    try {
      docker('rmi', prepared.request.image);
    } catch {
      // Never tagged: nothing to remove.
    }
  });
  return { standIn, prepared };
}

describe('push against a faulty registry (a stand-in in front of the real one)', () => {
  it('a 500 on the manifest once (as concurrent pushes of one image can get): retried, pushed', {
    timeout: 90_000,
  }, async () => {
    const { prepared, standIn } = await throughStandIn({ kind: 'server-error', on: 'manifest', times: 1 });
    const result = await (await createTestBuilder(POLICY)).build(prepared.request);
    expect(result).toMatchObject({ pushed: true, image: prepared.request.image });
    expect(result.digest).toMatch(/^sha256:/);
    const retried = prepared.events.filter((e) => e.type === 'log' && /; retrying in /.test(e.line));
    expect(retried).toHaveLength(1);
    expect(retried[0]).toMatchObject({ line: expect.stringMatching(/500 Internal Server Error.*\(attempt 2 of 3\)$/) });
    expect(
      await manifestStatus(env.registry.url, prepared.request.image.replace(standIn.host, env.registry.host)),
    ).toBe(200);
  });

  it('a 500 every time: REGISTRY_ERROR after the retries, a server-error hint (not "log in"), nothing pushed', {
    timeout: 90_000,
  }, async () => {
    const { prepared, standIn } = await throughStandIn({ kind: 'server-error', on: 'manifest' });
    const error = await caught((await createTestBuilder(POLICY)).build(prepared.request));
    expect(error.code).toBe('REGISTRY_ERROR');
    expect(error.message).toContain(standIn.host);
    expect(error.message).toContain('(3 attempts)');
    expect(error.hint).toMatch(/failed on its side .* on each of 3 attempts/);
    expect(error.hint).not.toMatch(/log in|credentials/);
    expect(stepLines(prepared.events)).toContain(`error push ${prepared.request.image}`);
    expect(
      await manifestStatus(env.registry.url, prepared.request.image.replace(standIn.host, env.registry.host)),
    ).toBe(404);
  });

  it('a registry that accepts and never answers: TIMEOUT after the idle limit, with a hint saying so', {
    timeout: 90_000,
  }, async () => {
    const { prepared, standIn } = await throughStandIn({ kind: 'stall' });
    const error = await caught((await createTestBuilder(POLICY)).build(prepared.request));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('no push progress for 2 s');
    expect(error.hint).toMatch(/stopped answering.*pushIdleTimeoutMs/);
    expect(standIn.uploads.length).toBeGreaterThan(0);
  });

  it('cancelled mid-push: CANCELLED at once, and the engine stops pushing (no retry of the upload)', {
    timeout: 90_000,
  }, async () => {
    const controller = new AbortController();
    // Every upload fails: left alone, the engine tries it again after 5 s, then 10 s...
    const { prepared, standIn } = await throughStandIn({ kind: 'server-error', on: 'upload' }, controller.signal);
    const builder = await createTestBuilder({ ...POLICY, pushIdleTimeoutMs: 60_000 });
    const building = caught(builder.build(prepared.request));
    expect(await waitUntil(() => standIn.uploads.length > 0, 60_000)).toBe(true);
    const cancelledAt = Date.now();
    controller.abort(new Error('test cancel'));
    const error = await building;
    expect(error.code).toBe('CANCELLED');
    await new Promise((resolve) => setTimeout(resolve, 8000));
    // A retry comes 5 s after the failed upload; a request the engine already had under way
    // when the cancel landed (another layer of the same attempt, on a loaded machine) is not one.
    const late = standIn.uploads.filter((upload) => upload.at > cancelledAt + 2000);
    expect(late.map((upload) => `${upload.method} ${upload.path} +${upload.at - cancelledAt} ms`)).toEqual([]);
  });
});
