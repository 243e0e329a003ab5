import type { BuilderEvent } from '@imagespec/core/builder';
import { BuildkitProgress } from './buildkit-progress.js';
import { ClassicProgress } from './classic-progress.js';
import { readJsonLines } from './json-lines.js';

/** What a build's response stream said. */
export interface BuildOutcome {
  /** `sha256:...` of the built image (from `aux.ID` or `moby.image.id`). */
  readonly imageId?: string;
  /** The daemon's error, with the failing step and its last output lines when known. */
  readonly error?: { readonly message: string; readonly step?: string; readonly output: readonly string[] };
  /** Why reading stopped early (connection cut, abort), when it did. */
  readonly streamError?: unknown;
  /** Intermediate containers of the classic builder that were not reported removed. */
  readonly containers: readonly string[];
}

/** How long to wait for the end of the stream after the image id arrived (the keep-alive hang guard). */
const END_GRACE_MS = 5000;

/**
 * Follows a build response stream (BuildKit trace or classic text) to its end, turning it
 * into step and log events. After the image id the daemon has nothing left to say, so if
 * the stream does not end soon after, it is closed instead of waiting forever.
 */
export async function followBuildStream(
  stream: NodeJS.ReadableStream,
  emit: (event: BuilderEvent) => void,
  options: { endGraceMs?: number } = {},
): Promise<BuildOutcome> {
  const buildkit = new BuildkitProgress(emit);
  const classic = new ClassicProgress(emit);
  let imageId: string | undefined;
  let error: BuildOutcome['error'];
  let guard: NodeJS.Timeout | undefined;
  let streamError: unknown;
  try {
    await readJsonLines(stream, (message, stop) => {
      const aux = message.aux as Record<string, unknown> | string | undefined;
      if (message.id === 'moby.buildkit.trace' && typeof aux === 'string') {
        buildkit.push(aux);
      } else if (typeof aux === 'object' && aux !== null && typeof aux.ID === 'string') {
        imageId = aux.ID;
        guard ??= setTimeout(stop, options.endGraceMs ?? END_GRACE_MS);
      } else if (typeof message.stream === 'string') {
        classic.push(message.stream);
      } else if (message.errorDetail || message.error) {
        const detail = message.errorDetail as { message?: string } | undefined;
        const text = detail?.message ?? String(message.error);
        buildkit.flush();
        classic.flush();
        const failed = buildkit.failure() ?? classic.failure(text);
        error = { message: text, ...(failed && { step: failed.step }), output: failed?.output ?? [] };
      }
    });
  } catch (caught) {
    streamError = caught;
  } finally {
    clearTimeout(guard);
    buildkit.flush();
    classic.flush();
  }
  return {
    ...(imageId && { imageId }),
    ...(error && { error }),
    ...(streamError !== undefined && { streamError }),
    containers: [...classic.containers],
  };
}
