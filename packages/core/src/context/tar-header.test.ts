import tarStream from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { type EntryType, headerLength, writeHeader } from './tar-header.js';

/** The bytes tar-stream's pack writes before the entry's data, as the context writer used to call it. */
async function tarStreamHeader(name: string, type: EntryType, mode: number, size: number, linkname: string) {
  const pack = tarStream.pack();
  const header = { name, type, mode, mtime: new Date(0), uid: 0, gid: 0, ...(linkname && { linkname }) };
  if (type === 'file') pack.entry(header, Buffer.alloc(size, 1));
  else pack.entry(header);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).subarray(0, headerLength(name, linkname));
}

describe('writeHeader', () => {
  const long = `${'d'.repeat(70)}/${'e'.repeat(70)}/${'f'.repeat(90)}.txt`;
  const cases: [string, EntryType, number, number, string][] = [
    ['Dockerfile', 'file', 0o644, 13, ''],
    ['_imagespec/source/run.sh', 'file', 0o755, 0, ''],
    ['_imagespec/source/big.bin', 'file', 0o644, 3 * 1024 * 1024 + 17, ''],
    ['_imagespec/', 'directory', 0o755, 0, ''],
    ['_imagespec/source/link', 'symlink', 0o777, 0, '../x/y'],
    [`_imagespec/source/${'n'.repeat(100)}`, 'file', 0o644, 5, ''], // ustar prefix
    [`_imagespec/${long}`, 'file', 0o644, 5, ''], // prefix too long: pax
    [`_imagespec/${'n'.repeat(120)}/`, 'directory', 0o755, 0, ''],
    ['_imagespec/source/é-ünïcode.txt', 'file', 0o644, 2, ''], // not ASCII: pax
    ['_imagespec/source/long-link', 'symlink', 0o777, 0, `${'t'.repeat(120)}/target`], // pax linkpath
    ['_imagespec/source/utf8-link', 'symlink', 0o777, 0, 'ünïcode'],
    [`_imagespec/${'ü'.repeat(600)}`, 'file', 0o644, 1, ''], // a pax record over 1,000 bytes
  ];
  it.each(cases)('writes what tar-stream writes for %s', async (name, type, mode, size, linkname) => {
    const chunk = Buffer.alloc(headerLength(name, linkname) + 8, 0xee);
    writeHeader(chunk, 4, name, type, mode, size, linkname);
    expect(chunk.subarray(4, -4).equals(await tarStreamHeader(name, type, mode, size, linkname))).toBe(true);
    expect(chunk.subarray(0, 4).equals(Buffer.alloc(4, 0xee))).toBe(true);
    expect(chunk.subarray(-4).equals(Buffer.alloc(4, 0xee))).toBe(true);
  });
});
