/**
 * The tar headers of the build context (tar.ts), as tar-stream 3 (`headers.js` encode and
 * `pack.js` _encodePax) writes them for these entries, byte for byte: ustar, with a pax
 * header for a name or link target ustar cannot hold. The context was written with
 * tar-stream, whose per-entry streams cost more than reading the files on many small ones;
 * the bytes, and the images built from them, stay the same (tar.test.ts pins them).
 */

export const BLOCK = 512;

export type EntryType = 'file' | 'symlink' | 'directory';
const TYPEFLAG: Record<EntryType | 'pax', number> = { file: 0x30, symlink: 0x32, directory: 0x35, pax: 0x78 };
const PAX_NAME = 'PaxHeader';

export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** ustar's name and prefix for `name`, or undefined when ustar cannot hold the entry (pax). */
function ustarName(name: string, linkname: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(name) !== name.length) return undefined; // not ASCII
  let prefix = '';
  // tar-stream's split: leading components move to the prefix until the name fits.
  while (name.length > 100) {
    const i = name.indexOf('/');
    if (i === -1) return undefined;
    prefix += prefix ? `/${name.slice(0, i)}` : name.slice(0, i);
    name = name.slice(i + 1);
  }
  if (prefix.length > 155 || Buffer.byteLength(linkname) > 100) return undefined;
  return { name, prefix };
}

/** `addLength` of tar-stream: a pax record is "<length of the whole record><record>". */
function paxRecord(record: string): string {
  const length = Buffer.byteLength(record);
  let digits = Math.floor(Math.log(length) / Math.log(10)) + 1;
  if (length + digits >= 10 ** digits) digits++;
  return `${length + digits}${record}`;
}

function paxData(name: string, linkname: string): Buffer {
  return Buffer.from(paxRecord(` path=${name}\n`) + (linkname ? paxRecord(` linkpath=${linkname}\n`) : ''));
}

export function headerLength(name: string, linkname: string): number {
  if (ustarName(name, linkname)) return BLOCK;
  const data = paxData(name, linkname).length;
  return BLOCK + data + padding(data) + BLOCK;
}

/** Writes `headerLength(name, linkname)` bytes at `at`. */
export function writeHeader(
  chunk: Buffer,
  at: number,
  name: string,
  type: EntryType,
  mode: number,
  size: number,
  linkname: string,
): void {
  const ustar = ustarName(name, linkname);
  if (ustar) {
    writeUstar(chunk, at, ustar.name, ustar.prefix, TYPEFLAG[type], mode, size, linkname);
    return;
  }
  // A pax header whose records carry the name and link target, then the entry's own
  // header; tar-stream names both `PaxHeader`, and their link targets too.
  const data = paxData(name, linkname);
  const link = linkname ? PAX_NAME : '';
  writeUstar(chunk, at, PAX_NAME, '', TYPEFLAG.pax, mode, data.length, link);
  data.copy(chunk, at + BLOCK);
  const next = at + BLOCK + data.length;
  chunk.fill(0, next, next + padding(data.length));
  writeUstar(chunk, next + padding(data.length), PAX_NAME, '', TYPEFLAG[type], mode, size, link);
}

/**
 * The fields every header shares (uid, gid, mtime 0, magic, device numbers), and their
 * checksum share: a header is this block copied, then its own fields written as bytes.
 * A build writes one per entry, thousands per context.
 */
const TEMPLATE = Buffer.alloc(BLOCK);
TEMPLATE.write('000000 ', 108, 'latin1'); // uid
TEMPLATE.write('000000 ', 116, 'latin1'); // gid
TEMPLATE.write('00000000000 ', 136, 'latin1'); // mtime 0
TEMPLATE.write('ustar\u000000', 257, 'latin1'); // magic and version
TEMPLATE.write('000000 ', 329, 'latin1'); // devmajor
TEMPLATE.write('000000 ', 337, 'latin1'); // devminor
// The checksum counts its own 8 bytes as spaces.
const TEMPLATE_SUM = TEMPLATE.reduce((sum, byte) => sum + byte, 8 * 0x20);

function writeUstar(
  chunk: Buffer,
  at: number,
  name: string,
  prefix: string,
  typeflag: number,
  mode: number,
  size: number,
  linkname: string,
): void {
  TEMPLATE.copy(chunk, at);
  // name and prefix are ASCII (ustarName), the link target any UTF-8 of up to 100 bytes.
  let sum = TEMPLATE_SUM + ascii(chunk, at, name) + octalField(chunk, at + 100, mode & 0o7777, 6);
  if (size.toString(8).length > 11) {
    // Base-256, past 8 GiB.
    chunk[at + 124] = 0x80;
    for (let i = 11, n = size; i > 0; i--, n = Math.floor(n / 0x100)) chunk[at + 124 + i] = n & 0xff;
    for (let i = at + 124; i < at + 136; i++) sum += chunk[i]!;
  } else {
    sum += octalField(chunk, at + 124, size, 11);
  }
  chunk[at + 156] = typeflag;
  sum += typeflag;
  if (linkname) {
    const length = chunk.write(linkname, at + 157, 'utf8');
    for (let i = at + 157; i < at + 157 + length; i++) sum += chunk[i]!;
  }
  if (prefix) sum += ascii(chunk, at + 345, prefix);
  octalField(chunk, at + 148, sum, 6);
}

/** Writes ASCII text as bytes; returns their sum. */
function ascii(chunk: Buffer, at: number, text: string): number {
  let sum = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    chunk[at + i] = code;
    sum += code;
  }
  return sum;
}

/** tar-stream's `encodeOct` as bytes: `digits` octal digits and a space (all sevens if too large); returns their sum. */
function octalField(chunk: Buffer, at: number, value: number, digits: number): number {
  let sum = 0x20;
  chunk[at + digits] = 0x20;
  if (value >= 8 ** digits) {
    chunk.fill(0x37, at, at + digits);
    return sum + 0x37 * digits;
  }
  for (let i = digits - 1, n = value; i >= 0; i--, n = Math.floor(n / 8)) {
    const byte = 0x30 + (n % 8);
    chunk[at + i] = byte;
    sum += byte;
  }
  return sum;
}
