import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectProject, imageNameFrom, projectNameOf, pythonBaseOf, requiresPythonOf } from './detect.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'imagespec-init-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('detectProject', () => {
  it('a lock beats requirements.txt; .python-version beats requires-python', () => {
    const dir = folder({
      'requirements.txt': 'x==1\n',
      'poetry.lock': '',
      'uv.lock': '',
      '.python-version': '3.13.1\n',
      'pyproject.toml': '[project]\nname = "Data_Tool"\nrequires-python = ">=3.10"\n',
    });
    expect(detectProject(dir)).toEqual({
      name: 'data-tool',
      requirements: 'uv.lock',
      pyproject: true,
      pythonVersion: '3.13',
      dockerfile: false,
    });
  });

  it('a Dockerfile on a Python base gives the base and its version; on another base, neither', () => {
    expect(detectProject(folder({ Dockerfile: 'FROM python:3.11-slim-bookworm AS app\n' }))).toMatchObject({
      dockerfile: true,
      dockerfileBase: 'python:3.11-slim-bookworm',
      pythonVersion: '3.11',
    });
    const other = detectProject(folder({ Dockerfile: '# base\nFROM node:22\n' }));
    expect(other.dockerfile).toBe(true);
    expect(other).not.toHaveProperty('dockerfileBase');
    expect(other).not.toHaveProperty('pythonVersion');
  });
});

describe('the parsers', () => {
  it.each([
    ['requires-python = ">=3.10"', '3.10'],
    ["requires-python = '~=3.11.2'", '3.11'],
    ['requires-python = "==3.12.*"', '3.12'],
    ['python = "^3.9"', '3.9'],
    ['requires-python = "<4"', undefined],
  ])('requiresPythonOf(%s) = %s', (line, expected) => {
    expect(requiresPythonOf(`[project]\n${line}\n`)).toBe(expected);
  });

  it('projectNameOf reads [project] or [tool.poetry], not another section', () => {
    expect(projectNameOf('[build-system]\nname = "no"\n[project]\nname = "yes"\n')).toBe('yes');
    expect(projectNameOf('[tool.poetry]\nname = "poet"\n')).toBe('poet');
    expect(projectNameOf('[tool.other]\nname = "no"\n')).toBeUndefined();
  });

  it('imageNameFrom makes a repository name', () => {
    expect(imageNameFrom('My Cool_Project!')).toBe('my-cool-project');
    expect(imageNameFrom('___')).toBe('app');
  });

  it('pythonBaseOf takes the first FROM, written out, of a Python image', () => {
    expect(pythonBaseOf('FROM --platform=linux/amd64 registry.local/python:3.12\nFROM python:3.11')).toBe(
      'registry.local/python:3.12',
    );
    expect(pythonBaseOf('ARG V=3.12\nFROM python:${V}-slim')).toBeUndefined();
    expect(pythonBaseOf('FROM debian:12\nFROM python:3.12')).toBeUndefined();
  });
});
