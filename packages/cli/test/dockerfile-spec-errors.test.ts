import { describe, expect, it } from 'vitest';
import { runBin, useTempProjects } from './run-bin.js';

const project = useTempProjects();

const DIGEST = `sha256:${'a'.repeat(64)}`;

/** `imagespec tag` on a project: it reads the Dockerfile and hashes the context, no engine needed. */
async function tag(files: Record<string, string>, cwd = '') {
  const dir = await project(files);
  return runBin(['tag'], { cwd: cwd ? `${dir}/${cwd}` : dir });
}

// Issue 12: bad input in a spec that brings its own Dockerfile, through the built binary.
describe('imagespec with a Dockerfile spec: bad input exits 2 with file and line', () => {
  it('a missing Dockerfile names the spec file:line of `dockerfile` and the path', async () => {
    const r = await tag({ 'imagespec.yaml': 'name: web\ndockerfile: docker/Dockerfile\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/dockerfile of image spec `web` \(.*imagespec\.yaml:2:\d+\)/);
    expect(r.stderr).toContain('docker/Dockerfile');
  });

  it('a FROM whose ARG has no value names the Dockerfile:line and the ARG', async () => {
    const r = await tag({
      'imagespec.yaml': 'name: web\ndockerfile: Dockerfile\n',
      Dockerfile: `FROM busybox:1.36@${DIGEST} AS tools\nARG BASE\nFROM $BASE\n`,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Dockerfile:3: FROM uses \$BASE, which has no value/);
    expect(r.stderr).toContain('buildArgs.BASE');
  });

  it('a Dockerfile outside the project is CONTEXT_ESCAPES at the spec file:line', async () => {
    const r = await tag(
      {
        'spec/imagespec.yaml': 'name: web\ndockerfile: ../Dockerfile\n',
        Dockerfile: `FROM busybox:1.36@${DIGEST}\n`,
      },
      'spec',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/imagespec\.yaml:2:\d+/);
    expect(r.stderr).toContain('outside the project');
  });

  it('an unknown target names the spec file:line of `target` and the stages there are', async () => {
    const r = await tag({
      'imagespec.yaml': 'name: web\ndockerfile: Dockerfile\ntarget: prod\n',
      Dockerfile: `FROM busybox:1.36@${DIGEST} AS build\nFROM build AS runtime\n`,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/target of image spec `web` \(.*imagespec\.yaml:3:\d+\)/);
    expect(r.stderr).toContain('the stages are build, runtime');
  });

  it('Python-layer fields on a Dockerfile spec are refused at their line, pointing at layering', async () => {
    const r = await tag({
      'imagespec.yaml': 'name: web\ndockerfile: Dockerfile\npackages: [requests]\n',
      Dockerfile: `FROM busybox:1.36@${DIGEST}\n`,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/imagespec\.yaml:3:\d+ packages:/);
    expect(r.stderr).toContain('baseImage');
  });
});
