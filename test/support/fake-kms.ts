import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call the fake KMS received: the operation and the JSON body the SDK sent. */
export interface FakeKmsCall {
  readonly operation: string;
  readonly body: Record<string, unknown>;
}

/** A running fake KMS: give {@link endpoint} to a real `KMSClient`. */
export interface FakeKmsServer {
  readonly endpoint: string;
  readonly keyArn: string;
  readonly calls: FakeKmsCall[];
  /** Answers every later call of `operation` with this AWS error (`__type`), as KMS does, until cleared. */
  refuse(operation: string, type: string | undefined): void;
  close(): Promise<void>;
}

/**
 * KMS's JSON 1.1 protocol over HTTP, just enough for the real SDK client: `Encrypt` hands out an opaque random
 * blob, `Decrypt` opens it only with the same key and the same encryption context, as KMS does. Errors go
 * out as KMS sends them (status 400, `__type`), so the SDK builds its own exception classes from them.
 */
export async function startFakeKms(keyArn: string): Promise<FakeKmsServer> {
  const blobs = new Map<string, { context: string; plaintext: string }>();
  const refusals = new Map<string, string>();
  const calls: FakeKmsCall[] = [];

  const answer = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(body));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^TrentService\./, '');
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    calls.push({ operation, body });
    const refusal = refusals.get(operation);
    if (refusal !== undefined) {
      return answer(res, 400, {
        __type: refusal,
        message: `User is not authorized to perform kms:${operation}`,
      });
    }
    const context = canonical(body.EncryptionContext);
    if (operation === 'Encrypt') {
      const blob = randomBytes(48).toString('base64');
      blobs.set(blob, { context, plaintext: String(body.Plaintext) });
      return answer(res, 200, {
        CiphertextBlob: blob,
        KeyId: keyArn,
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      });
    }
    if (operation === 'Decrypt') {
      const stored = blobs.get(String(body.CiphertextBlob));
      if (stored === undefined || stored.context !== context) {
        return answer(res, 400, { __type: 'InvalidCiphertextException', message: 'no' });
      }
      if (body.KeyId !== undefined && body.KeyId !== keyArn) {
        return answer(res, 400, { __type: 'IncorrectKeyException', message: 'other key' });
      }
      return answer(res, 200, { Plaintext: stored.plaintext, KeyId: keyArn });
    }
    return answer(res, 400, { __type: 'UnsupportedOperationException', message: operation });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => answer(res, 500, { __type: 'KMSInternalException', message: 'fake' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    keyArn,
    calls,
    refuse: (operation, type) => {
      if (type === undefined) refusals.delete(operation);
      else refusals.set(operation, type);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * An AWS JSON endpoint that refuses every call with `AccessDeniedException`, as DynamoDB does to a caller
 * without the permission (status 400, the namespaced `__type`).
 */
export async function startRefusingAwsEndpoint(
  type: string,
): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(
        JSON.stringify({ __type: type, message: 'User: arn:aws:iam::123456789012:role/x is not authorized' }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function canonical(value: unknown): string {
  const entries = Object.entries((value ?? {}) as Record<string, unknown>);
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : 1)));
}
