import { describe, expect, it } from 'vitest';
import { dir, file, paths } from '../../test/sync-entries.js';
import { filtersFromMetadata, SyncTree } from './sync-tree.js';

describe('SyncTree', () => {
  it("puts entries in fsutil's walk order: a directory's contents right after it", () => {
    // Byte-sorted as the tar has them: '-' and '.' sort before '/'.
    const tree = new SyncTree([dir('a'), file('a-x'), file('a.txt'), file('a/b'), file('B')]);
    expect(paths(tree.entries)).toEqual(['B', 'a', 'a/b', 'a-x', 'a.txt']);
  });

  it('adds the parent directories the list leaves out and refuses bad paths', () => {
    expect(paths(new SyncTree([file('x/y/z')]).entries)).toEqual(['x', 'x/y', 'x/y/z']);
    expect(() => new SyncTree([file('/abs')])).toThrow(/invalid path/);
    expect(() => new SyncTree([file('a/../b')])).toThrow(/invalid path/);
    expect(() => new SyncTree([file('a'), file('a')])).toThrow(/duplicate/);
    expect(() => new SyncTree([file('a'), file('a/b')])).toThrow(/not a directory/);
  });

  const context = new SyncTree([
    file('.dockerignore'),
    file('_imagespec/copy/0/a.txt'),
    file('_imagespec/source/main.py'),
    file('_imagespec/source/pkg/x.py'),
    file('_imagespec/source/build/out'),
    file('_imagespec/source/build/keep'),
    { path: '_imagespec/link', kind: 'symlink', mode: 0o777, size: 0, mtimeNs: 0, linkTarget: 'source/pkg' },
  ]);

  it('applies include patterns and followpaths as the Go walker does', () => {
    expect(paths(context.select({ followPaths: ['.dockerignore'] }))).toEqual(['.dockerignore']);
    expect(paths(context.select({ includePatterns: ['Dockerfile'] }))).toEqual([]);
    expect(paths(context.select({ followPaths: ['_imagespec/source/pkg'] }))).toEqual([
      '_imagespec',
      '_imagespec/source',
      '_imagespec/source/pkg',
      '_imagespec/source/pkg/x.py',
    ]);
    // A symlink on the way brings its target.
    expect(paths(context.select({ followPaths: ['_imagespec/link'] }))).toEqual([
      '_imagespec',
      '_imagespec/link',
      '_imagespec/source',
      '_imagespec/source/pkg',
      '_imagespec/source/pkg/x.py',
    ]);
    // Go sends what matches a pattern's leading components, a symlink included.
    expect(paths(context.select({ includePatterns: ['_imagespec/*/*.py'] }))).toEqual([
      '_imagespec',
      '_imagespec/copy',
      '_imagespec/link',
      '_imagespec/source',
      '_imagespec/source/main.py',
    ]);
    expect(context.select({ followPaths: ['.'] })).toHaveLength(context.entries.length);
  });

  it('applies exclude patterns with .dockerignore semantics, ! rules reopening a directory', () => {
    expect(paths(context.select({ excludePatterns: ['_imagespec/source/build', '**/*.py'] }))).toEqual([
      '.dockerignore',
      '_imagespec',
      '_imagespec/copy',
      '_imagespec/copy/0',
      '_imagespec/copy/0/a.txt',
      '_imagespec/link',
      '_imagespec/source',
      '_imagespec/source/pkg',
    ]);
    expect(
      paths(
        context.select({
          includePatterns: ['_imagespec/source'],
          excludePatterns: ['_imagespec/source/build', '!_imagespec/source/build/keep'],
        }),
      ),
    ).toEqual([
      '_imagespec',
      '_imagespec/source',
      '_imagespec/source/build',
      '_imagespec/source/build/keep',
      '_imagespec/source/main.py',
      '_imagespec/source/pkg',
      '_imagespec/source/pkg/x.py',
    ]);
  });

  it('splits the values Node joined with ", ", unless a path holds ", "', () => {
    const values = (map: Record<string, string[]>) => (key: string) => map[key];
    const plain = filtersFromMetadata(values({ followpaths: ['Dockerfile, Dockerfile.dockerignore'] }), context);
    expect(plain).toEqual({ filters: { followPaths: ['Dockerfile', 'Dockerfile.dockerignore'] }, dropped: [] });
    const commas = new SyncTree([file('a, b')]);
    expect(filtersFromMetadata(values({ followpaths: ['a, b'] }), commas)).toEqual({
      filters: {},
      dropped: ['followpaths'],
    });
    expect(() => filtersFromMetadata(values({ 'exclude-patterns': ['a, b'] }), commas)).toThrow(/cannot tell/);
  });
});
