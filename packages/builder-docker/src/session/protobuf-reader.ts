/**
 * A minimal protobuf wire-format reader: the top-level fields of a message, for the session
 * messages decoded in filesync-proto.ts (fsutil Packet and Stat, the credentials and secret
 * requests) and the BuildKit trace of a build's progress (progress/buildkit-trace.ts).
 * dockerode decodes the trace too, but only inside a private module (with protobufjs and a
 * .proto file loaded at run time), so it is not ours to call.
 */
export interface ProtoField {
  readonly number: number;
  /** 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  readonly wireType: number;
  /** The varint value (wire type 0). */
  readonly varint?: bigint;
  /** The bytes (wire type 2): a string, bytes or an embedded message. */
  readonly bytes?: Uint8Array;
}

/** Reads every top-level field of a message, in order. Throws on truncated or malformed input. */
export function readProtoFields(buffer: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = [];
  let offset = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (offset >= buffer.length) throw new Error('truncated varint');
      const byte = buffer[offset++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('varint too long');
    }
  };
  while (offset < buffer.length) {
    const key = varint();
    const number = Number(key >> 3n);
    const wireType = Number(key & 7n);
    switch (wireType) {
      case 0:
        fields.push({ number, wireType, varint: varint() });
        break;
      case 1:
      case 5: {
        offset += wireType === 1 ? 8 : 4;
        if (offset > buffer.length) throw new Error('truncated fixed field');
        fields.push({ number, wireType });
        break;
      }
      case 2: {
        const length = Number(varint());
        if (offset + length > buffer.length) throw new Error('truncated length-delimited field');
        fields.push({ number, wireType, bytes: buffer.subarray(offset, offset + length) });
        offset += length;
        break;
      }
      default:
        throw new Error(`unsupported wire type ${wireType} (field ${number})`);
    }
  }
  return fields;
}

const utf8 = new TextDecoder();

export function fieldString(field: ProtoField): string {
  return field.bytes ? utf8.decode(field.bytes) : '';
}
