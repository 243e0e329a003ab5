import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILTIN_IGNORE_PATTERNS } from './builtin-ignore.js';
import { type ContextFile, type ExcludedEntry, walkFiles } from './walk.js';

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'imagespec-tree-ignore-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function put(files: Record<string, string>, base = work) {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(base, path)), { recursive: true });
    await writeFile(join(base, path), content);
  }
}

async function walk(root: string, options: { project?: string } = {}) {
  const files: ContextFile[] = [];
  const excluded: ExcludedEntry[] = [];
  for await (const file of walkFiles(root, { ...options, onExcluded: (entry) => excluded.push(entry) })) {
    files.push(file);
  }
  return {
    files: files.filter((file) => file.kind !== 'dir').map((file) => file.path),
    excluded: excluded.map(({ path, rule }) => `${path} <- ${rule}`),
    all: files,
  };
}

const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };

describe('.gitignore files in a walked tree (git semantics)', () => {
  // A tree exercising nested files, negations, anchoring, folder-only patterns and git's
  // rule that nothing inside an excluded folder comes back. Git is the oracle: the files it
  // would add (`ls-files --others --exclude-standard`) are what the walk must list.
  const TREE: Record<string, string> = {
    '.gitignore': '*.log\n!keep.log\n/top-only.txt\nbuild/\ndocs/*\n!docs/index.md\nsecret/\n!secret/allowed.txt\n',
    'a.log': '',
    'keep.log': '',
    'sub/b.log': '',
    'sub/keep.log': '',
    'top-only.txt': '',
    'sub/top-only.txt': '',
    'build/out.o': '',
    'sub/build/out.o': '',
    'docs/index.md': '',
    'docs/other.md': '',
    'secret/allowed.txt': '',
    'secret/key.txt': '',
    'pkg/.gitignore': '!*.log\ndata\n/local/\n',
    'pkg/c.log': '',
    'pkg/data': '',
    'pkg/sub/data': '',
    'pkg/local/x': '',
    'pkg/sub/local/x': '',
    'other/data': '',
    'src/main.py': '',
    'src/[odd] name.txt': '',
  };

  it('lists exactly what git would add', async () => {
    await put(TREE);
    expect(spawnSync('git', ['init', '-q', work], { env }).status).toBe(0);
    const byGit = spawnSync('git', ['ls-files', '--others', '--exclude-standard', '-z'], { cwd: work, env })
      .stdout.toString('utf8')
      .split('\0')
      .filter(Boolean)
      .sort();
    const { files } = await walk(work);
    expect(files.sort()).toEqual(byGit);
    expect(files).toContain('keep.log');
    expect(files).not.toContain('secret/allowed.txt'); // its folder is excluded: git's rule
  });

  it('says which line of which file left each path out, a folder once', async () => {
    await put(TREE);
    const { excluded } = await walk(work);
    expect(excluded).toEqual(
      expect.arrayContaining([
        'a.log <- .gitignore:1 `*.log`',
        'build <- .gitignore:4 `build/`',
        'secret <- .gitignore:7 `secret/`',
        'pkg/data <- pkg/.gitignore:2 `data`',
        'pkg/local <- pkg/.gitignore:3 `/local/`',
      ]),
    );
    expect(excluded.filter((line) => line.startsWith('build'))).toHaveLength(1);
  });

  it('applies the .gitignore files above the tree up to the repository root', async () => {
    await put({
      '.gitignore': '*.tmp\n/app/generated/\n',
      'app/.gitignore': 'local.cfg\n',
      'app/main.py': '',
      'app/x.tmp': '',
      'app/local.cfg': '',
      'app/generated/g.py': '',
    });
    await mkdir(join(work, '.git'));
    const { files, excluded } = await walk(join(work, 'app'));
    expect(files).toEqual(['.gitignore', 'main.py']);
    expect(excluded).toContain(`generated <- ${work}/.gitignore:2 \`/app/generated/\``);
  });

  it('outside a repository, applies those from the project folder down, and none above it', async () => {
    await put({
      '.gitignore': '*.tmp\n',
      'p/.gitignore': '*.bak\n',
      'p/src/a.py': '',
      'p/src/a.tmp': '',
      'p/src/a.bak': '',
    });
    expect((await walk(join(work, 'p/src'), { project: join(work, 'p') })).files).toEqual(['a.py', 'a.tmp']);
    expect((await walk(join(work, 'p/src'))).files).toEqual(['a.bak', 'a.py', 'a.tmp']);
  });

  it('never tests the walked root itself: a spec that names an ignored folder gets it', async () => {
    await put({ '.gitignore': 'dist/\n*.map\n', 'dist/app.js': '', 'dist/app.js.map': '' });
    await mkdir(join(work, '.git'));
    expect((await walk(join(work, 'dist'))).files).toEqual(['app.js']);
  });

  it('drops the lines above the tree that would exclude the folder the spec names, keeping the others', async () => {
    await put({ '.gitignore': '/generated/**\n*.tmp\n', 'generated/sub/a.py': '', 'generated/sub/b.tmp': '' });
    await mkdir(join(work, '.git'));
    expect((await walk(join(work, 'generated/sub'))).files).toEqual(['a.py']);
  });

  it('reads no .gitignore that is a symlink, as git does', async () => {
    await put({ 'rules.txt': '*.py\n', 'a.py': '' });
    await symlink('rules.txt', join(work, '.gitignore'));
    expect((await walk(work)).files).toEqual(['.gitignore', 'a.py', 'rules.txt']);
  });
});

describe('the built-in list', () => {
  it('leaves out VCS folders, Python caches, virtualenvs and editor clutter at any depth', async () => {
    const junk = [
      '.git/HEAD',
      '.hg/store',
      '.svn/entries',
      'pkg/__pycache__/m.cpython-312.pyc',
      'm.pyc',
      'pkg/m.pyo',
      '.venv/bin/python',
      'env/pyvenv.cfg',
      'env/lib/site.py',
      '.mypy_cache/x',
      '.pytest_cache/x',
      '.ruff_cache/x',
      '.tox/x',
      '.nox/x',
      'app.egg-info/PKG-INFO',
      'sub/.DS_Store',
      'Thumbs.db',
      '.idea/workspace.xml',
      '.vscode/settings.json',
      '.main.py.swp',
      'main.py~',
    ];
    const kept = ['main.py', 'venv/not-a-venv.py', 'pkg/m.py', '.github/workflows/ci.yml', 'x.git', '~'];
    await put(Object.fromEntries([...junk, ...kept].map((path) => [path, ''])));
    const { files, excluded } = await walk(work);
    expect(files.sort()).toEqual([...kept].sort());
    expect(excluded).toEqual(
      expect.arrayContaining([
        'pkg/__pycache__ <- built-in `__pycache__`',
        'm.pyc <- built-in `*.pyc`',
        'env <- built-in `virtualenv (holds pyvenv.cfg)`',
        'main.py~ <- built-in `*~`',
      ]),
    );
    expect(BUILTIN_IGNORE_PATTERNS.length).toBeGreaterThan(15);
  });

  it('gives back what a .dockerignore `!` line names, except VCS folders', async () => {
    await put({
      '.dockerignore': '!.venv\n!.git\n!**/*.pyc\n!dist/keep.txt\n',
      '.gitignore': 'dist/\n',
      '.venv/pyvenv.cfg': '',
      '.git/HEAD': '',
      'a/b.pyc': '',
      'dist/keep.txt': '',
      'dist/other.txt': '',
    });
    const { files, all } = await walk(work);
    expect(files).toEqual(['.dockerignore', '.gitignore', '.venv/pyvenv.cfg', 'a/b.pyc', 'dist/keep.txt']);
    expect(all.find((file) => file.path === 'a/b.pyc')?.keptBy).toBe('.dockerignore:3 `!**/*.pyc`');
    expect(all.find((file) => file.path === '.gitignore')?.keptBy).toBeUndefined();
  });

  it('a .dockerignore line still decides first: Docker excludes what git would keep', async () => {
    await put({ '.dockerignore': 'tests\n', '.gitignore': '!tests\n', 'tests/t.py': '', 'a.py': '' });
    expect((await walk(work)).files).toEqual(['.dockerignore', '.gitignore', 'a.py']);
  });
});

describe('odd entries in a tree', () => {
  it('skips a FIFO or socket without blocking, and reports it', { timeout: 5_000 }, async () => {
    await put({ 'a.py': '' });
    execFileSync('mkfifo', [join(work, 'pipe')]);
    const { files, excluded } = await walk(work);
    expect(files).toEqual(['a.py']);
    expect(excluded).toEqual(['pipe <- not a file, folder or symlink (a FIFO (named pipe))']);
  });
});
