import { existsSync, readFileSync } from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { testEnv } from '@imagespec/test-env';
import { Ajv } from 'ajv';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT, runBin, tempProject } from './run-bin.js';

const projects: { dispose(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((p) => p.dispose()));
});

const fixture = (path: string) => readFileSync(join(REPO_ROOT, 'packages/core/test/fixtures', path), 'utf8');

/** A project folder with @imagespec/core installed, as `npm install -D @imagespec/cli` leaves it. */
async function project(files: Record<string, string>): Promise<string> {
  const p = await tempProject(files);
  projects.push(p);
  const installed = join(p.dir, 'node_modules/@imagespec/core');
  await mkdir(dirname(installed), { recursive: true });
  await symlink(join(REPO_ROOT, 'packages/core'), installed);
  return p.dir;
}

/** The spec validates against the schema its first line names, as the editor would check it. */
function expectSchemaLine(dir: string) {
  const spec = readFileSync(join(dir, 'imagespec.yaml'), 'utf8');
  const schemaPath = /^# yaml-language-server: \$schema=(\S+)\n/.exec(spec)?.[1];
  expect(schemaPath).toBe('./node_modules/@imagespec/core/schema.json');
  const schema = JSON.parse(readFileSync(join(dir, schemaPath!), 'utf8'));
  const validate = new Ajv({ strictRequired: false, allowUnionTypes: true }).compile(schema);
  expect(validate(parse(spec)), JSON.stringify(validate.errors)).toBe(true);
}

const PYPROJECT = '[project]\nname = "My Tool"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n';

const KINDS: Record<string, { files: Record<string, string>; requirements?: string }> = {
  'requirements.txt': {
    files: { 'requirements.txt': 'requests==2.32.3\n', 'app.py': 'print("hi")\n' },
    requirements: 'requirements.txt',
  },
  'pyproject.toml and uv.lock': {
    files: { 'pyproject.toml': PYPROJECT, 'uv.lock': fixture('locks/uv/uv.lock') },
    requirements: 'uv.lock',
  },
  'pyproject.toml and poetry.lock': {
    files: { 'pyproject.toml': PYPROJECT, 'poetry.lock': fixture('locks/poetry/poetry.lock') },
    requirements: 'poetry.lock',
  },
  'pyproject.toml alone': { files: { 'pyproject.toml': PYPROJECT } },
  'an empty folder': { files: {} },
};

describe('imagespec init, then lint --strict', () => {
  for (const [kind, { files, requirements }] of Object.entries(KINDS)) {
    it(`${kind}: a spec that passes lint --strict, its base locked`, async () => {
      const base = testEnv().baseImages.python;
      const dir = await project(files);
      const init = await runBin(['init', '--base', base], { cwd: dir });
      expect(init.stderr).toBe('');
      expect(init.code).toBe(0);
      expect(init.stdout).toContain(`locked: ${base}@sha256:`);
      const spec = parse(readFileSync(join(dir, 'imagespec.yaml'), 'utf8'));
      expect(spec.baseImage).toBe(base);
      expect(spec.requirements).toBe(requirements);
      expect(readFileSync(join(dir, 'imagespec.config.mjs'), 'utf8')).toContain(
        "import { defineConfig } from '@imagespec/core';",
      );
      expect(readFileSync(join(dir, '.dockerignore'), 'utf8')).toContain('imagespec.lock.json');
      expectSchemaLine(dir);

      const lint = await runBin(['lint', '--strict'], { cwd: dir });
      expect(lint.stdout).toContain('0 errors');
      expect(lint.code).toBe(0);
    });
  }

  it('an existing Dockerfile: says it is not used, and builds on its Python base', async () => {
    const base = testEnv().baseImages.python;
    const dir = await project({
      Dockerfile: `FROM ${base} AS build\nRUN pip install requests\n`,
      'requirements.txt': 'requests==2.32.3\n',
      '.dockerignore': 'secrets/\n',
    });
    const init = await runBin(['init'], { cwd: dir });
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('Dockerfile found: imagespec does not build from Dockerfiles yet');
    expect(parse(readFileSync(join(dir, 'imagespec.yaml'), 'utf8'))).toMatchObject({
      baseImage: base,
      requirements: 'requirements.txt',
    });
    expect(readFileSync(join(dir, '.dockerignore'), 'utf8')).toBe('secrets/\n');
    const lint = await runBin(['lint', '--strict'], { cwd: dir });
    expect(lint.code).toBe(0);
  });

  it('a registry it cannot reach: files written, a warning on how to lock later, lint names the unlocked base', async () => {
    const dir = await project({});
    const init = await runBin(['init', '--base', '127.0.0.1:9/nothing/python:3.12'], { cwd: dir });
    expect(init.code).toBe(0);
    expect(init.stderr).toContain('warning: the base image is not locked yet');
    expect(init.stderr).toContain('imagespec lock');
    expect(existsSync(join(dir, 'imagespec.lock.json'))).toBe(false);
    const lint = await runBin(['lint', '--strict'], { cwd: dir });
    expect(lint.code).toBe(1);
    expect(lint.stdout).toContain('[unlocked-base]');
  });

  it('in a folder below the install: the schema line points up to it', async () => {
    const root = await project({ 'services/api/requirements.txt': 'requests==2.32.3\n' });
    const dir = join(root, 'services/api');
    expect((await runBin(['init', '--no-lock'], { cwd: dir })).code).toBe(0);
    const spec = readFileSync(join(dir, 'imagespec.yaml'), 'utf8');
    const schemaPath = /^# yaml-language-server: \$schema=(\S+)\n/.exec(spec)?.[1];
    expect(schemaPath).toBe('../../node_modules/@imagespec/core/schema.json');
    expect(existsSync(join(dir, schemaPath!))).toBe(true);
  });

  it('refuses to overwrite without --force, and keeps a .dockerignore even with it', async () => {
    const dir = await project({});
    expect((await runBin(['init', '--no-lock'], { cwd: dir })).code).toBe(0);
    const again = await runBin(['init', '--no-lock'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
    const forced = await runBin(['init', '--no-lock', '--force'], { cwd: dir });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('wrote imagespec.config.mjs, imagespec.yaml\n');
  });
});
