import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

/** dynalite ships no types; this is the part of its API the stack uses. */
type DynaliteFactory = (options: {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;

/** A running dynalite server. */
export interface RunningDynalite {
  /** `http://127.0.0.1:{port}`, for a DynamoDB client's `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts dynalite on 127.0.0.1, in memory or, with `path`, in a LevelDB directory that survives restarts.
 * Tables are ACTIVE as soon as they are created.
 */
export async function startDynalite(
  options: { port?: number; path?: string } = {},
): Promise<RunningDynalite> {
  if (options.path) await mkdir(options.path, { recursive: true });
  const server = dynalite({
    ...(options.path ? { path: options.path } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    async close() {
      const closed = new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
      // Keep-alive sockets of clients in other processes (the CLI) would otherwise hold close() open.
      server.closeAllConnections();
      await closed;
    },
  };
}
