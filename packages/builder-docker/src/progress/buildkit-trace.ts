import { fieldString, readProtoFields } from '../session/protobuf-reader.js';

/** The parts of a BuildKit `Vertex` we use (moby.buildkit.v1.Vertex). */
export interface TraceVertex {
  readonly digest: string;
  readonly name: string;
  readonly cached: boolean;
  readonly started: boolean;
  readonly completed: boolean;
  readonly error?: string;
}

/** The parts of a `VertexLog`: stream 1 is stdout, 2 stderr. */
export interface TraceLog {
  readonly vertex: string;
  readonly stream: number;
  readonly msg: Uint8Array;
}

export interface TraceStatus {
  readonly vertexes: readonly TraceVertex[];
  readonly logs: readonly TraceLog[];
}

/**
 * Decodes the `aux` of a `moby.buildkit.trace` message: a base64 protobuf StatusResponse
 * (vertexes = 1, statuses = 2, logs = 3, warnings = 4). Statuses and warnings are skipped.
 */
export function decodeBuildkitTrace(base64: string): TraceStatus {
  const vertexes: TraceVertex[] = [];
  const logs: TraceLog[] = [];
  for (const field of readProtoFields(Buffer.from(base64, 'base64'))) {
    if (field.number === 1 && field.bytes) vertexes.push(decodeVertex(field.bytes));
    if (field.number === 3 && field.bytes) logs.push(decodeLog(field.bytes));
  }
  return { vertexes, logs };
}

function decodeVertex(bytes: Uint8Array): TraceVertex {
  let digest = '';
  let name = '';
  let cached = false;
  let started = false;
  let completed = false;
  let error: string | undefined;
  for (const field of readProtoFields(bytes)) {
    if (field.number === 1) digest = fieldString(field);
    else if (field.number === 3) name = fieldString(field);
    else if (field.number === 4) cached = field.varint === 1n;
    else if (field.number === 5) started = true;
    else if (field.number === 6) completed = true;
    else if (field.number === 7) error = fieldString(field) || undefined;
  }
  return { digest, name, cached, started, completed, ...(error !== undefined && { error }) };
}

function decodeLog(bytes: Uint8Array): TraceLog {
  let vertex = '';
  let stream = 1;
  let msg: Uint8Array = new Uint8Array();
  for (const field of readProtoFields(bytes)) {
    if (field.number === 1) vertex = fieldString(field);
    else if (field.number === 3) stream = Number(field.varint ?? 1n);
    else if (field.number === 4) msg = field.bytes ?? msg;
  }
  return { vertex, stream, msg };
}
