import { describe, expect, it } from 'vitest';
import {
  decodeCredentialsRequest,
  decodeCredentialsResponse,
  decodeHealthCheckRequest,
  decodeHealthCheckResponse,
  decodePacket,
  decodeStat,
  encodeCredentialsRequest,
  encodeCredentialsResponse,
  encodeHealthCheckRequest,
  encodeHealthCheckResponse,
  encodePacket,
  encodeStat,
  GoFileMode,
  HEALTH_SERVING,
  PacketType,
} from './filesync-proto.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('fsutil.types.Packet and Stat', () => {
  it('encodes the bytes the Go sender writes (proto3: defaults left out)', () => {
    // The STAT packet that ends the listing has no field at all (type STAT = 0, no stat).
    expect(hex(encodePacket({ type: PacketType.STAT }))).toBe('');
    expect(hex(encodePacket({ type: PacketType.REQ, id: 5 }))).toBe('08011805');
    expect(hex(encodePacket({ type: PacketType.FIN }))).toBe('0803');
    // The DATA packet that ends a file: type and ID only.
    expect(hex(encodePacket({ type: PacketType.DATA, id: 300 }))).toBe('0802' + '18ac02');
    expect(hex(encodePacket({ type: PacketType.DATA, id: 0, data: Buffer.from('hi') }))).toBe('0802' + '22026869');
    // Directory mode: Go's ModeDir (1<<31) | 0755 as a uint32 varint.
    expect(hex(encodeStat({ path: 'a', mode: GoFileMode.dir + 0o755 }))).toBe('0a0161' + '10ed83808008');
    expect(hex(encodeStat({ path: 'l', mode: GoFileMode.symlink + 0o777, size: 3, linkname: 'a/b' }))).toBe(
      '0a016c' + '10ff838040' + '2803' + '3a03612f62',
    );
    expect(hex(encodeStat({ path: 'f', mode: 0o644, size: 1, modTime: 999_999_999 }))).toBe(
      '0a0166' + '10a403' + '2801' + '30ff93ebdc03',
    );
    // A STAT packet embeds the stat as field 2.
    expect(hex(encodePacket({ type: PacketType.STAT, stat: { path: 'a', mode: 0o644 } }))).toBe(
      '1206' + '0a0161' + '10a403',
    );
  });

  it('decodes what it encodes, and negative int64 values', () => {
    const stat = {
      path: 'dir/ü.txt',
      mode: 0o644,
      uid: 1000,
      gid: 1000,
      size: 2 ** 40,
      modTime: 123_456_789,
      linkname: '',
    };
    expect(decodeStat(encodeStat(stat))).toEqual(stat);
    expect(decodeStat(encodeStat({ path: 'x', mode: 0, modTime: -1 }))).toMatchObject({ modTime: -1 });
    expect(hex(encodeStat({ path: '', mode: 0, modTime: -1 }))).toBe('30ffffffffffffffffff01');
    const packet = { type: PacketType.DATA, id: 7, data: Buffer.from([1, 2, 3]) };
    expect(decodePacket(encodePacket(packet))).toEqual({ type: 2, id: 7, data: Buffer.from([1, 2, 3]) });
    expect(decodePacket(encodePacket({ type: PacketType.STAT, stat }))).toEqual({ type: 0, id: 0, stat });
    expect(decodePacket(new Uint8Array())).toEqual({ type: 0, id: 0 });
    // Unknown fields (a newer receiver's) are skipped.
    expect(decodePacket(Buffer.from('0801' + '1805' + '2a0100', 'hex'))).toEqual({ type: 1, id: 5 });
  });

  it('rejects truncated input', () => {
    expect(() => decodePacket(Buffer.from('1206', 'hex'))).toThrow(/truncated/);
    expect(() => decodePacket(Buffer.from('08', 'hex'))).toThrow(/truncated/);
  });
});

describe('moby.filesync.v1 Auth messages', () => {
  it('reads the host and writes user name and secret', () => {
    expect(decodeCredentialsRequest(encodeCredentialsRequest({ host: '127.0.0.1:5001' }))).toEqual({
      host: '127.0.0.1:5001',
    });
    expect(hex(encodeCredentialsResponse({ username: 'u', secret: 'pw' }))).toBe('0a0175' + '12027077');
    // Anonymous: an empty message.
    expect(hex(encodeCredentialsResponse({}))).toBe('');
    expect(decodeCredentialsResponse(encodeCredentialsResponse({ username: '', secret: 'token' }))).toEqual({
      username: '',
      secret: 'token',
    });
  });
});

describe('grpc.health.v1 Health messages', () => {
  it("answers BuildKit's check (an empty request) with SERVING", () => {
    expect(decodeHealthCheckRequest(Buffer.alloc(0))).toEqual({ service: '' });
    expect(decodeHealthCheckRequest(encodeHealthCheckRequest({ service: 'x' }))).toEqual({ service: 'x' });
    expect(hex(encodeHealthCheckResponse({ status: HEALTH_SERVING }))).toBe('0801');
    expect(decodeHealthCheckResponse(Buffer.from('0801', 'hex'))).toEqual({ status: 1 });
  });
});
