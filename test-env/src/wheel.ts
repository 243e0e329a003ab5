import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** A tiny pure-Python distribution the tests install from the local pip index. */
export interface WheelSpec {
  /** Distribution name as pip sees it, e.g. `isp-alpha`. */
  readonly name: string;
  readonly version: string;
  /** Files of the import package, relative to site-packages, e.g. `isp_alpha/__init__.py`. */
  readonly files: Readonly<Record<string, string>>;
  readonly requires?: readonly string[];
}

/** The wheel's file name (PEP 427): `isp_alpha-1.0.0-py3-none-any.whl`. */
export function wheelFileName(spec: WheelSpec): string {
  return `${escapeName(spec.name)}-${spec.version}-py3-none-any.whl`;
}

/**
 * Builds a wheel in memory: a zip with the package files and the `.dist-info` trio
 * (METADATA, WHEEL, RECORD with sha256 digests), stored uncompressed.
 */
export function buildWheel(spec: WheelSpec): Buffer {
  const distInfo = `${escapeName(spec.name)}-${spec.version}.dist-info`;
  const metadata = [
    'Metadata-Version: 2.1',
    `Name: ${spec.name}`,
    `Version: ${spec.version}`,
    ...(spec.requires ?? []).map((requirement) => `Requires-Dist: ${requirement}`),
    '',
  ].join('\n');
  const wheel = [
    'Wheel-Version: 1.0',
    'Generator: imagespec-test-env',
    'Root-Is-Purelib: true',
    'Tag: py3-none-any',
    '',
  ].join('\n');
  const entries: [string, Buffer][] = [
    ...Object.entries(spec.files).map(([path, text]): [string, Buffer] => [path, Buffer.from(text)]),
    [`${distInfo}/METADATA`, Buffer.from(metadata)],
    [`${distInfo}/WHEEL`, Buffer.from(wheel)],
  ];
  const record = entries.map(([path, data]) => `${path},sha256=${urlsafeSha256(data)},${data.length}`);
  record.push(`${distInfo}/RECORD,,`);
  entries.push([`${distInfo}/RECORD`, Buffer.from(`${record.join('\n')}\n`)]);
  return zipStored(entries);
}

function escapeName(name: string): string {
  return name.replace(/[-_.]+/g, '_');
}

function urlsafeSha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('base64url');
}

/** A minimal zip writer (method 0, no compression): enough for wheels. */
function zipStored(entries: readonly [string, Buffer][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [path, data] of entries) {
    const name = Buffer.from(path);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt32LE(0x00210000, 10); // 1980-01-01 00:00, a fixed time keeps wheels reproducible
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x031e, 4); // made by: unix, 3.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt32LE(0x00210000, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: a regular 0644 file
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const centralSize = centrals.reduce((sum, part) => sum + part.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}
