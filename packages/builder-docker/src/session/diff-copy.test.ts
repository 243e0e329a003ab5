import { EventEmitter } from 'node:events';
import { ImagespecError } from '@imagespec/core/builder';
import { describe, expect, it } from 'vitest';
import { dir, file } from '../../test/sync-entries.js';
import { type PacketStream, sendDiffCopy, statOf } from './diff-copy.js';
import { GoFileMode, type Packet, PacketType } from './filesync-proto.js';
import { type SyncEntry, SyncTree } from './sync-tree.js';

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
