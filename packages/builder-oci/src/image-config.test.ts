import { normalizeSpec } from '@imagespec/core/spec';
import { describe, expect, it } from 'vitest';
import { computeImageConfig } from './image-config.js';

const base = {
  architecture: 'amd64',
  os: 'linux',
  created: '2024-01-01T00:00:00Z',
  config: { Env: ['PATH=/bin', 'LANG=C'], Cmd: ['sh'], Labels: { z: '1' } },
  rootfs: { type: 'layers', diff_ids: ['sha256:base'] },
  history: [{ created: '2024-01-01T00:00:00Z', created_by: 'import' }],
};
const spec = (input: Record<string, unknown>) =>
  normalizeSpec({ name: 'app', baseImage: 'busybox:1', ...input }, { dir: '/p' });
const layer = { diffId: 'sha256:new', createdBy: 'COPY ["_imagespec/source","/root"] # imagespec builder-oci' };

describe('computeImageConfig', () => {
  it('applies the settings as the Dockerfile would, with the hash label, history and a fixed created', () => {
    const config = computeImageConfig(
      base,
      spec({
        env: { PATH: '/opt/bin:/bin', B: '2' },
        workdir: '/w',
        user: 'app',
        labels: { team: 'ml' },
        cmd: ['run'],
      }),
      'HASH',
      [layer],
    );
    expect(config).toMatchInlineSnapshot(`
      {
        "architecture": "amd64",
        "config": {
          "Cmd": [
            "run",
          ],
          "Env": [
            "PATH=/opt/bin:/bin",
            "LANG=C",
            "B=2",
          ],
          "Labels": {
            "dev.imagespec.hash": "HASH",
            "team": "ml",
            "z": "1",
          },
          "User": "app",
          "WorkingDir": "/w",
        },
        "created": "1970-01-01T00:00:00Z",
        "history": [
          {
            "created": "2024-01-01T00:00:00Z",
            "created_by": "import",
          },
          {
            "comment": "imagespec",
            "created": "1970-01-01T00:00:00Z",
            "created_by": "COPY ["_imagespec/source","/root"] # imagespec builder-oci",
          },
          {
            "comment": "imagespec",
            "created": "1970-01-01T00:00:00Z",
            "created_by": "ENV B PATH; WORKDIR /w; LABEL dev.imagespec.hash team; USER app; CMD ["run"] # imagespec builder-oci",
            "empty_layer": true,
          },
        ],
        "os": "linux",
        "rootfs": {
          "diff_ids": [
            "sha256:base",
            "sha256:new",
          ],
          "type": "layers",
        },
      }
    `);
  });

  it('clears the base CMD when the spec sets ENTRYPOINT alone, as Docker does', () => {
    const config = computeImageConfig(base, spec({ entrypoint: ['python'] }), 'H', []);
    expect(config.config).toMatchObject({ Entrypoint: ['python'], Cmd: null });
  });

  it('does not change the base config object', () => {
    const copy = structuredClone(base);
    computeImageConfig(base, spec({ env: { X: '1' }, labels: { a: 'b' } }), 'H', [layer]);
    expect(base).toEqual(copy);
  });
});
