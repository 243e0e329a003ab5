import { CORE_DIST } from './run-bin.js';

/**
 * In-project builders written as a third party would (a default-exported defineBuilder),
 * used by the CLI tests in place of a container engine. They are real plugins loaded by
 * the real loader; they just do not produce an image.
 */
export function recordingBuilder(
  options: { name?: string; fail?: boolean; lines?: number; exists?: boolean } = {},
): string {
  const name = options.name ?? 'recorder';
  return `import { defineBuilder, ImagespecError } from ${JSON.stringify(CORE_DIST)};
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
const builtList = new URL('./built-images.txt', import.meta.url);
export default defineBuilder({
  apiVersion: 1,
  name: ${JSON.stringify(name)},
  priority: 10,
  create(options, host) {
    return {
      available: () => ({ ok: true }),
      supports: () => ({ ok: true }),
      plan: (request) => ({ argv: ['record', request.image] }),
      ${
        options.exists
          ? `// Its "local engine": the images it built, one a line.
      exists: async (image) => existsSync(builtList) && readFileSync(builtList, 'utf8').split('\\n').includes(image),`
          : ''
      }
      async build(request) {
        writeFileSync(new URL('./built-' + request.spec.name + '.Dockerfile', import.meta.url), request.dockerfile('plain'));
        request.events.emit({ type: 'step', id: '1', name: '[1/1] RECORD', status: 'started' });
        for (let i = 0; i < ${options.lines ?? 3}; i++) request.events.emit({ type: 'log', stream: 'stdout', line: 'line ' + i + ' of ' + request.spec.name, step: '1' });
        ${options.fail ? `throw new ImagespecError('BUILD_FAILED', 'RUN exploded in ' + request.image + ' (exit code 3)', { hint: 'look at the step output' });` : ''}
        request.events.emit({ type: 'step', id: '1', name: '[1/1] RECORD', status: 'done' });
        appendFileSync(builtList, request.image + '\\n');
        return { image: request.image, pushed: false };
      },
    };
  },
});
`;
}
