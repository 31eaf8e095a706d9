import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';
import { createTables, makeHandler, startSimulators } from '../../local/wiring.ts';
import { createDynamoDbLedger } from '../../shared/ledger/index.ts';
import { platformNames } from '../../shared/platforms/registry.ts';
import { sendProvisioningRequests } from '../../shared/producer/index.ts';

let dir: string;
let stack: LocalStack;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wiring-'));
  stack = await startLocalStack({
    stateFile: join(dir, 'stack.json'),
    createTables,
    startSimulators,
    makeHandler,
    poller: { waitTimeSeconds: 0 },
  });
});

afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('local/wiring', () => {
  it('runs the real handler against the simulators and ledger, as npm start does', async () => {
    // Prepare
    const ledger = createDynamoDbLedger({
      client: stack.dynamodb,
      tableName: stack.info.tableName,
      platforms: platformNames,
    });
    const request = {
      schemaVersion: 1,
      requestId: 'wiring-1',
      tenantId: 'wired',
      platform: 'cloopen',
      action: 'create',
      profile: { friendlyName: 'wired@example.com' },
    } as const;

    // Act
    const result = await sendProvisioningRequests([request], {
      sqs: stack.sqs,
      queueUrl: stack.info.queueUrl,
    });
    await stack.idle();

    // Assess
    expect(result.failed).toEqual([]);
    const account = await ledger.getAccount({ platform: 'cloopen', tenantId: 'wired' });
    expect(account).toMatchObject({
      state: 'active',
      naturalKey: 'wired@example.com',
      lastRequestId: 'wiring-1',
    });
    expect(account?.subAccountId).toMatch(/^[A-Za-z0-9]{32}$/);
  });
});
