import { describe, expect, it } from 'vitest';
import { renderInitFiles } from './render.js';

const schemaPath = './node_modules/@imagespec/core/schema.json';

describe('renderInitFiles', () => {
  it('a uv project: its lock as requirements, the detected Python as a pinned base', () => {
    const files = renderInitFiles(
      { name: 'tool', requirements: 'uv.lock', pyproject: true, pythonVersion: '3.11', dockerfile: false },
      { schemaPath },
    );
    expect(files.notes).toEqual([]);
    expect(files.spec).toMatchInlineSnapshot(`
      "# yaml-language-server: $schema=./node_modules/@imagespec/core/schema.json
      # An image spec: what goes into the image. Its tag is a hash of this content, so
      # \`imagespec build\` builds only what the registry lacks. \`imagespec schema\` lists every field.
      name: tool
      # registry: registry.example.com/team   # where to push; without one the image stays in the local engine
      # A tag, locked to a digest in imagespec.lock.json: run \`imagespec lock\` to (re)pin it.
      baseImage: python:3.11-slim
      requirements: uv.lock
      env:
        PYTHONUNBUFFERED: "1"
      # The project folder, copied last so editing code never reinstalls packages (.dockerignore applies).
      sourceRoot: .
      workdir: /app
      # Run in the built image before it is pushed; a failure fails the build.
      verify:
        - python3 -c "import sys; print(sys.version)"
      "
    `);
    expect(files.config).toContain("import { defineConfig } from '@imagespec/core';");
    expect(files.config).toContain('export default defineConfig({');
  });

  it('a Dockerfile: a note that it is not used; --base wins over its base', () => {
    const facts = { name: 'app', pyproject: false, dockerfile: true, dockerfileBase: 'python:3.10' };
    const onDockerfileBase = renderInitFiles(facts, { schemaPath });
    expect(onDockerfileBase.spec).toContain('\nbaseImage: python:3.10\n');
    expect(onDockerfileBase.notes[0]).toMatch(
      /^Dockerfile found: imagespec does not build from Dockerfiles yet.*\(python:3\.10\)/,
    );
    const explicit = renderInitFiles(facts, { schemaPath, base: 'registry.local/py:3.12' });
    expect(explicit.spec).toContain('\nbaseImage: registry.local/py:3.12\n');
    expect(explicit.notes[0]).not.toContain('python:3.10');
  });

  it('pyproject.toml without a lock: no requirements, and says how to lock', () => {
    const files = renderInitFiles({ name: 'app', pyproject: true, dockerfile: false }, { schemaPath });
    expect(files.spec).toContain('\nbaseImage: python:3.12-slim\n');
    expect(files.spec).not.toMatch(/^requirements:/m);
    expect(files.notes).toEqual([expect.stringContaining('uv.lock or poetry.lock')]);
  });
});
