import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import * as builderEntry from './builder.js';

const entry = fileURLToPath(new URL('./builder.ts', import.meta.url));

describe('@imagespec/core/builder', () => {
  it('reaches no dependency and none of the heavy modules of core', async () => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).map((path) => path.replace(/^.*packages\/core\/src\//, ''));
    expect(inputs.filter((path) => path.includes('node_modules'))).toEqual([]);
    expect(inputs.sort()).toEqual([
      'builder.ts',
      'context/content-mtime.ts',
      'context/layout.ts',
      'context/tar-header.ts',
      'contract/builder.ts',
      'contract/index.ts',
      'dockerfile/hash-label.ts',
      'dockerfile/quote.ts',
      'dockerfile/verify-stage.ts',
      'errors.ts',
      'image-ref/image-ref.ts',
      'spec/instruction-rules.ts',
      'spec/redact.ts',
    ]);
  });

  it('has the values a builder uses', () => {
    expect(Object.keys(builderEntry).sort()).toEqual([
      'BUILDER_API_VERSION',
      'DEFAULT_REGISTRY',
      'DEFAULT_WORKDIR',
      'ERROR_CODES',
      'HASH_LABEL',
      'IMAGE_STAGE',
      'ImagespecError',
      'TAR_BLOCK',
      'VERIFY_STAGE',
      'computeContextLayout',
      'contentMtimeNs',
      'defineBuilder',
      'errorCategory',
      'familiarImageRef',
      'formatImageRef',
      'isAbortError',
      'isImagespecError',
      'normalizeImageRef',
      'parseImageRef',
      'renderVerifyStage',
      'tarHeaderLength',
      'tarPadding',
      'verifyFailedError',
      'verifyRunLines',
      'writeTarHeader',
    ]);
  });
});
