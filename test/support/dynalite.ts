import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

/** dynalite ships no types; this is the part of its API the tests use. */
type DynaliteFactory = (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as DynaliteFactory;

/** A running in-process dynalite and a client pointed at it. */
export interface DynaliteHandle {
  /** `http://127.0.0.1:{port}`: give it as `endpoint` to any other DynamoDB client. */
  readonly endpoint: string;
  /** A client on {@link endpoint} (region us-east-1, dummy credentials); closed by {@link stop}. */
  readonly client: DynamoDBClient;
  /** Builds another client on the same server, e.g. with other retry settings; the caller destroys it. */
  createClient(config?: Partial<DynamoDBClientConfig>): DynamoDBClient;
  /** Destroys the client and closes the server (in-memory data is gone). */
  stop(): Promise<void>;
}

/**
 * Starts dynalite in memory on an ephemeral port, with tables ACTIVE as soon as they are created.
 * Typical use: `beforeAll(async () => { db = await startDynalite(); })`, `afterAll(() => db.stop())`.
 */
export async function startDynalite(): Promise<DynaliteHandle> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const createClient = (config: Partial<DynamoDBClientConfig> = {}) =>
    new DynamoDBClient({
      region: 'us-east-1',
      endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      ...config,
    });
  const client = createClient();
  return {
    endpoint,
    client,
    createClient,
    async stop() {
      client.destroy();
      // Keep-alive sockets of clients the caller forgot would otherwise hold close() open.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
