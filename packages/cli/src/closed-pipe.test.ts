import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { guardOutput } from './closed-pipe.js';

function epipe(): NodeJS.ErrnoException {
  return Object.assign(new Error('write EPIPE'), { code: 'EPIPE', syscall: 'write' });
}

describe('guardOutput', () => {
  it('a closed pipe on either stream stops all output and calls onClosed once', () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let calls = 0;
    const output = guardOutput({ stdout, stderr }, () => (calls += 1));
    output.stdout.write('before\n');
    expect(output.closed).toBe(false);
    stdout.emit('error', epipe());
    stderr.emit('error', epipe());
    output.stdout.write('after\n');
    output.stderr.write('after\n');
    expect(calls).toBe(1);
    expect(output.closed).toBe(true);
    expect(stdout.read()?.toString()).toBe('before\n');
    expect(stderr.read()).toBeNull();
  });

  it('other stream errors are not swallowed', () => {
    const stdout = new PassThrough();
    guardOutput({ stdout, stderr: new PassThrough() }, () => {});
    expect(() => stdout.emit('error', Object.assign(new Error('disk full'), { code: 'ENOSPC' }))).toThrow('disk full');
  });
});
