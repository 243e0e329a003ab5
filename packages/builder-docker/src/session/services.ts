/**
 * The gRPC services a build session serves, as grpc-js service definitions over the
 * hand-written codecs of filesync-proto.ts. Only the server side runs here (the engine's
 * BuildKit is the client), so the responses are never read back: their deserializers pass
 * the bytes through.
 */
import type * as Grpc from '@grpc/grpc-js';
import {
  decodeCredentialsRequest,
  decodeHealthCheckRequest,
  decodeHealthCheckResponse,
  decodePacket,
  decodeSecretRequest,
  encodeCredentialsRequest,
  encodeCredentialsResponse,
  encodeHealthCheckRequest,
  encodeHealthCheckResponse,
  encodePacket,
  encodeSecretRequest,
  encodeSecretResponse,
} from './filesync-proto.js';

export const DIFF_COPY_METHOD = '/moby.filesync.v1.FileSync/DiffCopy';
export const CREDENTIALS_METHOD = '/moby.filesync.v1.Auth/Credentials';
export const SECRETS_METHOD = '/moby.buildkit.secrets.v1.Secrets/GetSecret';
export const HEALTH_CHECK_METHOD = '/grpc.health.v1.Health/Check';

const passThrough = (value: Buffer) => value;

/** A service of one method at `path` (`/package.Service/Method`). */
function service<Request, Response>(
  path: string,
  codec: {
    readonly stream: boolean;
    encodeRequest(request: Request): Buffer;
    decodeRequest(buffer: Buffer): Request;
    encodeResponse(response: Response): Buffer;
    decodeResponse?(buffer: Buffer): Response;
  },
): Grpc.ServiceDefinition {
  const method = path.slice(path.lastIndexOf('/') + 1);
  return {
    [method]: {
      path,
      requestStream: codec.stream,
      responseStream: codec.stream,
      requestSerialize: codec.encodeRequest,
      requestDeserialize: codec.decodeRequest,
      responseSerialize: codec.encodeResponse,
      responseDeserialize: codec.decodeResponse ?? passThrough,
      originalName: method.charAt(0).toLowerCase() + method.slice(1),
    },
  } as Grpc.ServiceDefinition;
}

/** `DiffCopy`: a bidirectional stream of fsutil Packets. */
export const fileSyncService = (): Grpc.ServiceDefinition =>
  service(DIFF_COPY_METHOD, {
    stream: true,
    encodeRequest: encodePacket,
    decodeRequest: decodePacket,
    encodeResponse: encodePacket,
    decodeResponse: decodePacket,
  });

/** `Credentials`: a registry host in, user name and secret out. */
export const authService = (): Grpc.ServiceDefinition =>
  service(CREDENTIALS_METHOD, {
    stream: false,
    encodeRequest: encodeCredentialsRequest,
    decodeRequest: decodeCredentialsRequest,
    encodeResponse: encodeCredentialsResponse,
  });

/** `GetSecret`: a secret's id in, its value out. */
export const secretsService = (): Grpc.ServiceDefinition =>
  service(SECRETS_METHOD, {
    stream: false,
    encodeRequest: encodeSecretRequest,
    decodeRequest: decodeSecretRequest,
    encodeResponse: encodeSecretResponse,
  });

/**
 * `Check`: BuildKit asks it of every session (once a second in 0.8, dockerd 20.10) and
 * closes the session at the first failed answer, an unimplemented method included.
 */
export const healthService = (): Grpc.ServiceDefinition =>
  service(HEALTH_CHECK_METHOD, {
    stream: false,
    encodeRequest: encodeHealthCheckRequest,
    decodeRequest: decodeHealthCheckRequest,
    encodeResponse: encodeHealthCheckResponse,
    decodeResponse: decodeHealthCheckResponse,
  });
