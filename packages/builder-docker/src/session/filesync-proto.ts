/**
 * The protobuf messages of BuildKit's session services that the docker builder serves,
 * encoded and decoded by hand (no .proto files or generated code at run time):
 * - fsutil.types.Packet and fsutil.types.Stat, the messages of
 *   `/moby.filesync.v1.FileSync/DiffCopy` (tonistiigi/fsutil types/wire.proto, stat.proto);
 * - moby.filesync.v1.CredentialsRequest / CredentialsResponse of `/moby.filesync.v1.Auth/Credentials`;
 * - grpc.health.v1.HealthCheckRequest / HealthCheckResponse of `/grpc.health.v1.Health/Check`.
 * proto3: fields holding their default value (0, '', empty) are left out, and absent
 * fields read as that default.
 */
import { fieldString, readProtoFields } from './protobuf-reader.js';

export const PacketType = { STAT: 0, REQ: 1, DATA: 2, FIN: 3, ERR: 4 } as const;
export type PacketTypeValue = (typeof PacketType)[keyof typeof PacketType];

/** Go's os.FileMode type bits, as fsutil puts them in Stat.mode. */
export const GoFileMode = { dir: 2 ** 31, symlink: 2 ** 27 } as const;

export interface Stat {
  readonly path: string;
  /** Go os.FileMode: type bits (GoFileMode) plus permission bits. */
  readonly mode: number;
  readonly uid?: number;
  readonly gid?: number;
  readonly size?: number;
  /** Nanoseconds since the epoch. */
  readonly modTime?: number;
  readonly linkname?: string;
}

export interface Packet {
  readonly type: number;
  /** Absent in the STAT packet that ends the listing. */
  readonly stat?: Stat;
  readonly id?: number;
  readonly data?: Uint8Array;
}

class ProtoWriter {
  readonly #chunks: Uint8Array[] = [];
  #length = 0;

  #push(bytes: Uint8Array): void {
    this.#chunks.push(bytes);
    this.#length += bytes.length;
  }

  varint(value: number | bigint): void {
    // Negative int64 values take ten bytes, as two's complement.
    let rest =
      typeof value === 'bigint' ? BigInt.asUintN(64, value) : value < 0 ? BigInt.asUintN(64, BigInt(value)) : value;
    const bytes: number[] = [];
    if (typeof rest === 'bigint') {
      while (rest > 0x7fn) {
        bytes.push(Number(rest & 0x7fn) | 0x80);
        rest >>= 7n;
      }
      bytes.push(Number(rest));
    } else {
      if (!Number.isSafeInteger(rest)) throw new RangeError(`not an integer: ${rest}`);
      while (rest > 0x7f) {
        bytes.push((rest % 0x80) | 0x80);
        rest = Math.floor(rest / 0x80);
      }
      bytes.push(rest);
    }
    this.#push(Uint8Array.from(bytes));
  }

  /** A varint field, left out when 0. */
  uint(field: number, value: number | undefined): void {
    if (!value) return;
    this.varint(field << 3);
    this.varint(value);
  }

  /** A length-delimited field, left out when empty. */
  bytes(field: number, value: Uint8Array | undefined): void {
    if (!value || value.length === 0) return;
    this.varint((field << 3) | 2);
    this.varint(value.length);
    this.#push(value);
  }

  string(field: number, value: string | undefined): void {
    if (value) this.bytes(field, Buffer.from(value, 'utf8'));
  }

  /** An embedded message, written even when it is empty. */
  message(field: number, value: Uint8Array): void {
    this.varint((field << 3) | 2);
    this.varint(value.length);
    this.#push(value);
  }

  finish(): Buffer {
    return Buffer.concat(this.#chunks, this.#length);
  }
}

export function encodeStat(stat: Stat): Buffer {
  const writer = new ProtoWriter();
  writer.string(1, stat.path);
  writer.uint(2, stat.mode);
  writer.uint(3, stat.uid);
  writer.uint(4, stat.gid);
  writer.uint(5, stat.size);
  writer.uint(6, stat.modTime);
  writer.string(7, stat.linkname);
  return writer.finish();
}

export function encodePacket(packet: Packet): Buffer {
  const writer = new ProtoWriter();
  writer.uint(1, packet.type);
  if (packet.stat) writer.message(2, encodeStat(packet.stat));
  writer.uint(3, packet.id);
  writer.bytes(4, packet.data);
  return writer.finish();
}

function varintNumber(value: bigint | undefined): number {
  return value === undefined ? 0 : Number(BigInt.asIntN(64, value));
}

export function decodeStat(buffer: Uint8Array): Stat {
  let path = '';
  let linkname = '';
  const numbers: Record<number, number> = {};
  for (const field of readProtoFields(buffer)) {
    if (field.number === 1) path = fieldString(field);
    else if (field.number === 7) linkname = fieldString(field);
    else if (field.wireType === 0) numbers[field.number] = varintNumber(field.varint);
  }
  return {
    path,
    mode: numbers[2] ?? 0,
    uid: numbers[3] ?? 0,
    gid: numbers[4] ?? 0,
    size: numbers[5] ?? 0,
    modTime: numbers[6] ?? 0,
    linkname,
  };
}

export function decodePacket(buffer: Uint8Array): Packet {
  let type = 0;
  let id = 0;
  let stat: Stat | undefined;
  let data: Uint8Array | undefined;
  for (const field of readProtoFields(buffer)) {
    if (field.number === 1 && field.wireType === 0) type = varintNumber(field.varint);
    else if (field.number === 2 && field.bytes) stat = decodeStat(field.bytes);
    else if (field.number === 3 && field.wireType === 0) id = Number(BigInt.asUintN(32, field.varint ?? 0n));
    else if (field.number === 4 && field.bytes) data = field.bytes;
  }
  return { type, id, ...(stat && { stat }), ...(data && { data }) };
}

/** moby.filesync.v1.CredentialsRequest {Host = 1}. */
export function decodeCredentialsRequest(buffer: Uint8Array): { host: string } {
  let host = '';
  for (const field of readProtoFields(buffer)) if (field.number === 1) host = fieldString(field);
  return { host };
}

export function encodeCredentialsRequest(request: { host: string }): Buffer {
  const writer = new ProtoWriter();
  writer.string(1, request.host);
  return writer.finish();
}

/** moby.filesync.v1.CredentialsResponse {Username = 1, Secret = 2}. */
export function encodeCredentialsResponse(response: { username?: string; secret?: string }): Buffer {
  const writer = new ProtoWriter();
  writer.string(1, response.username);
  writer.string(2, response.secret);
  return writer.finish();
}

export function decodeCredentialsResponse(buffer: Uint8Array): { username: string; secret: string } {
  let username = '';
  let secret = '';
  for (const field of readProtoFields(buffer)) {
    if (field.number === 1) username = fieldString(field);
    else if (field.number === 2) secret = fieldString(field);
  }
  return { username, secret };
}

/** moby.buildkit.secrets.v1.GetSecretRequest {ID = 1, annotations = 2 (ignored)}. */
export function decodeSecretRequest(buffer: Uint8Array): { id: string } {
  let id = '';
  for (const field of readProtoFields(buffer)) if (field.number === 1) id = fieldString(field);
  return { id };
}

export function encodeSecretRequest(request: { id: string }): Buffer {
  const writer = new ProtoWriter();
  writer.string(1, request.id);
  return writer.finish();
}

/** moby.buildkit.secrets.v1.GetSecretResponse {data = 1}. */
export function encodeSecretResponse(response: { data: Uint8Array }): Buffer {
  const writer = new ProtoWriter();
  writer.bytes(1, response.data);
  return writer.finish();
}

export function decodeSecretResponse(buffer: Uint8Array): { data: Buffer } {
  let data = Buffer.alloc(0);
  for (const field of readProtoFields(buffer)) if (field.number === 1) data = Buffer.from(field.bytes ?? []);
  return { data };
}

/** grpc.health.v1.HealthCheckRequest {service = 1}. */
export function decodeHealthCheckRequest(buffer: Uint8Array): { service: string } {
  let service = '';
  for (const field of readProtoFields(buffer)) if (field.number === 1) service = fieldString(field);
  return { service };
}

export function encodeHealthCheckRequest(request: { service: string }): Buffer {
  const writer = new ProtoWriter();
  writer.string(1, request.service);
  return writer.finish();
}

/** grpc.health.v1.HealthCheckResponse {status = 1}: 1 is SERVING. */
export const HEALTH_SERVING = 1;

export function encodeHealthCheckResponse(response: { status: number }): Buffer {
  const writer = new ProtoWriter();
  writer.uint(1, response.status);
  return writer.finish();
}

export function decodeHealthCheckResponse(buffer: Uint8Array): { status: number } {
  let status = 0;
  for (const field of readProtoFields(buffer)) if (field.number === 1) status = Number(field.varint ?? 0n);
  return { status };
}
