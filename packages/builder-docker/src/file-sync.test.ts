import { EventEmitter } from 'node:events';
import { ImagespecError } from '@imagespec/core/builder';
import { describe, expect, it } from 'vitest';
import { filtersFromMetadata, type PacketStream, type SyncEntry, SyncTree, sendDiffCopy, statOf } from './file-sync.js';
import { GoFileMode, type Packet, PacketType } from './filesync-proto.js';

const file = (path: string, content = path, mode = 0o644): SyncEntry => {
  const bytes = Buffer.from(content);
  return {
    path,
    kind: 'file',
    mode,
    size: bytes.length,
    mtimeNs: bytes.length,
    async *read() {
      yield bytes;
    },
  };
};
const dir = (path: string): SyncEntry => ({ path, kind: 'dir', mode: 0o755, size: 0, mtimeNs: 0 });
const paths = (entries: readonly SyncEntry[]) => entries.map((entry) => entry.path);

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

describe('statOf', () => {
  it('gives Go file modes, symlink sizes and the content mtime', () => {
    expect(statOf(dir('d'))).toEqual({ path: 'd', mode: GoFileMode.dir + 0o755 });
    expect(statOf({ path: 'l', kind: 'symlink', mode: 0o777, size: 0, mtimeNs: 0, linkTarget: 'ü' })).toEqual({
      path: 'l',
      mode: GoFileMode.symlink + 0o777,
      size: 2,
      linkname: 'ü',
    });
    expect(statOf(file('f', 'abc', 0o755))).toEqual({ path: 'f', mode: 0o755, size: 3, modTime: 3 });
  });
});

/** The receiver's side of a DiffCopy stream, driven by the test. */
class FakeStream extends EventEmitter implements PacketStream {
  readonly written: Packet[] = [];
  destroyed = false;
  ended = false;
  write(packet: Packet): boolean {
    this.written.push(packet);
    return true;
  }
  end(): void {
    this.ended = true;
  }
  receive(packet: Packet): void {
    this.emit('data', packet);
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const stats = () => ({ stats: 0, requested: 0, bytes: 0, paths: [] as string[] });

describe('sendDiffCopy', () => {
  it('sends a STAT per entry and an empty one, answers REQ with DATA, FIN with FIN', async () => {
    const stream = new FakeStream();
    const tree = new SyncTree([file('a/b', 'bee'), file('c', 'x'.repeat(100_000))]);
    const report = stats();
    const done = sendDiffCopy(stream, tree.entries, report);
    await tick();
    expect(stream.written.map((p) => p.stat?.path ?? null)).toEqual(['a', 'a/b', 'c', null]);
    expect(stream.written.every((p) => p.type === PacketType.STAT)).toBe(true);
    stream.written.length = 0;
    stream.receive({ type: PacketType.REQ, id: 2 });
    stream.receive({ type: PacketType.REQ, id: 1 });
    stream.receive({ type: PacketType.FIN });
    await done;
    expect(stream.written.map((p) => [p.type, p.id, p.data?.length ?? 0])).toEqual([
      [PacketType.DATA, 2, 65_536],
      [PacketType.DATA, 2, 100_000 - 65_536],
      [PacketType.DATA, 2, 0],
      [PacketType.DATA, 1, 3],
      [PacketType.DATA, 1, 0],
      [PacketType.FIN, undefined, 0],
    ]);
    expect(stream.ended).toBe(true);
    expect(report).toEqual({ stats: 3, requested: 2, bytes: 100_003, paths: ['c', 'a/b'] });
  });

  it("fails with a file's read error (CONTEXT_CHANGED) and on a request for a directory", async () => {
    const changed = new ImagespecError('CONTEXT_CHANGED', 'f changed');
    const failing: SyncEntry = {
      ...file('f'),
      async *read() {
        yield Buffer.from('x');
        throw changed;
      },
    };
    const stream = new FakeStream();
    const done = sendDiffCopy(stream, new SyncTree([failing]).entries, stats());
    stream.receive({ type: PacketType.REQ, id: 0 });
    await expect(done).rejects.toBe(changed);

    const other = new FakeStream();
    const bad = sendDiffCopy(other, new SyncTree([file('d/f')]).entries, stats());
    other.receive({ type: PacketType.REQ, id: 0 });
    await expect(bad).rejects.toThrow(/invalid file id 0/);
  });

  it('stops when the receiver cancels or reports an error', async () => {
    const stream = new FakeStream();
    const done = sendDiffCopy(stream, new SyncTree([file('f')]).entries, stats());
    stream.emit('cancelled');
    await expect(done).rejects.toThrow(/closed/);
    const other = new FakeStream();
    const failed = sendDiffCopy(other, [], stats());
    other.receive({ type: PacketType.ERR, data: Buffer.from('disk full') });
    await expect(failed).rejects.toThrow(/error from receiver: disk full/);
  });
});
