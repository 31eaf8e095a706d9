import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedgerTable } from '../../../shared/ledger/index.ts';
import { RATE_BUDGET_SORT_KEY, rateBudgetPartitionKey } from '../../../shared/ledger/rate-budget-store.ts';
import { LedgerTableClient } from '../../../shared/ledger/table-client.ts';
import { provisioningRuntime } from '../../../shared/runtime/index.ts';
import { reconcileRuntime } from '../../../shared/runtime/reconcile.ts';
import { type BaijiayunSimulator, startBaijiayunSimulator } from '../../../simulators/baijiayun/server.ts';
import { type DynaliteHandle, startDynalite } from '../../support/dynalite.ts';

const PARTNER_ID = '30000009';
const PARTNER_KEY = 'runtime-test-partner-key';

let db: DynaliteHandle;
let sim: BaijiayunSimulator;

beforeAll(async () => {
  db = await startDynalite();
  sim = await startBaijiayunSimulator({ partnerId: PARTNER_ID, partnerKey: PARTNER_KEY });
});

afterAll(async () => {
  await sim.close();
  await db.stop();
});

async function environment() {
  const tableName = `runtime-${randomUUID()}`;
  await createLedgerTable(db.client, tableName);
  return {
    AWS_REGION: 'us-east-1',
    LEDGER_TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: db.endpoint,
    CREDENTIALS_LOCAL_KEY: randomBytes(32).toString('base64'),
    BAIJIAYUN_BASE_URL: sim.baseUrl,
    BAIJIAYUN_PARTNER_ID: PARTNER_ID,
    BAIJIAYUN_PARTNER_KEY: PARTNER_KEY,
  };
}

async function bucketOf(tableName: string) {
  const table = new LedgerTableClient({ client: db.client, tableName });
  return table.get('test', {
    pk: rateBudgetPartitionKey(`baijiayun#${PARTNER_ID}`),
    sk: RATE_BUDGET_SORT_KEY,
  });
}

describe('the runtimes that call platforms', () => {
  it('give the handler a Baijiayun client that books its slots in the ledger table', async () => {
    // Prepare
    const env = await environment();
    const deps = await provisioningRuntime(env)();

    // Act
    await deps.provisioning.platforms.get('baijiayun')?.masterAccountInfo();

    // Assess
    expect((await bucketOf(env.LEDGER_TABLE_NAME))?.tat).toEqual(expect.any(Number));
  });

  it('let the reconciliation book the same bucket as the handler', async () => {
    // Prepare
    const env = await environment();
    const handler = await provisioningRuntime(env)();
    const reconcile = await reconcileRuntime(env)();
    await handler.provisioning.platforms.get('baijiayun')?.masterAccountInfo();
    const before = Number((await bucketOf(env.LEDGER_TABLE_NAME))?.tat);

    // Act
    await reconcile.platforms.find((p) => p.name === 'baijiayun')?.masterAccountInfo();

    // Assess
    expect(Number((await bucketOf(env.LEDGER_TABLE_NAME))?.tat)).toBeGreaterThan(before);
  });
});
