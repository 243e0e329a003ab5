import { describe, expect, it } from 'vitest';
import { withBundledModules } from './bundled-modules.js';
import type { CliIo } from './io.js';

const io = (importModule?: CliIo['importModule']): CliIo =>
  ({
    cwd: '/',
    env: {},
    stdout: { write: () => true },
    stderr: { write: () => true },
    isTTY: false,
    signal: new AbortController().signal,
    ...(importModule && { importModule }),
  }) as CliIo;

describe('withBundledModules', () => {
  it("serves exsolve itself and passes every other module to the io's importModule", async () => {
    const asked: string[] = [];
    const wrapped = withBundledModules(
      io(async (specifier) => {
        asked.push(specifier);
        return { specifier };
      }),
    );
    const exsolve = (await wrapped.importModule!('exsolve')) as { resolveModuleURL?: unknown };
    expect(typeof exsolve.resolveModuleURL).toBe('function');
    expect(await wrapped.importModule!('jiti')).toEqual({ specifier: 'jiti' });
    expect(asked).toEqual(['jiti']);
  });

  it('imports the rest itself when the io has no importModule', async () => {
    const wrapped = withBundledModules(io());
    expect(typeof ((await wrapped.importModule!('node:path')) as { join?: unknown }).join).toBe('function');
  });
});
