import { performance } from 'node:perf_hooks';
import { requestContract } from '../shared/contract.ts';
import { createLocalCipher, generateLocalKey } from '../shared/crypto/index.ts';
import { processMessage } from '../shared/domain/process-message.ts';
import { createDynamoDbLedger, createLedgerTable } from '../shared/ledger/index.ts';
import { platformNames } from '../shared/platforms/registry.ts';
import type { PlatformDirectory } from '../shared/ports/platform-module.ts';
import { buildPlatforms } from '../shared/runtime/platforms.ts';
import { startBaijiayunSimulator } from '../simulators/baijiayun/server.ts';
import { startCloopenSimulator } from '../simulators/cloopen/server.ts';
import { LOCAL_SIMULATOR_CREDENTIALS as CREDS } from '../simulators/local.ts';
import { startDynalite } from '../test/support/dynalite.ts';

/**
 * `npm run bench`: what a request costs, measured in one run against dynalite and the simulators, and
 * reported as ratios (absolute times on a laptop say little about Lambda; ratios between variants do).
 *
 * - write units per request kind, from DynamoDB's own ReturnConsumedCapacity;
 * - vendor calls per create, normal and after a lost answer (adoption);
 * - time per create through the whole use case, Cloopen XML and Baijiayun relative to Cloopen JSON.
 */
const N = Number(process.argv[2] ?? 150);

const db = await startDynalite();
const cloopenSim = await startCloopenSimulator({
  accountSid: CREDS.cloopen.accountSid,
  authToken: CREDS.cloopen.authToken,
  appIds: [CREDS.cloopen.appId],
});
const baijiayunSim = await startBaijiayunSimulator({
  partnerId: CREDS.baijiayun.partnerId,
  partnerKey: CREDS.baijiayun.partnerKey,
  rateLimit: false,
});
const cloopenEnv = {
  CLOOPEN_BASE_URL: cloopenSim.baseUrl,
  CLOOPEN_ACCOUNT_SID: CREDS.cloopen.accountSid,
  CLOOPEN_AUTH_TOKEN: CREDS.cloopen.authToken,
  CLOOPEN_APP_ID: CREDS.cloopen.appId,
};
const platformsFor = (format: 'json' | 'xml'): PlatformDirectory =>
  buildPlatforms({
    ...cloopenEnv,
    CLOOPEN_FORMAT: format,
    BAIJIAYUN_BASE_URL: baijiayunSim.baseUrl,
    BAIJIAYUN_PARTNER_ID: CREDS.baijiayun.partnerId,
    BAIJIAYUN_PARTNER_KEY: CREDS.baijiayun.partnerKey,
    // The bench measures the pipeline, not the limiter that keeps us under the vendor's quota.
    BAIJIAYUN_RATE_LIMIT_REQUESTS: '1000000',
  });

const units = new Map<string, number>();
let tableNo = 0;
async function freshLedger() {
  const tableName = `bench-${++tableNo}`;
  await createLedgerTable(db.client, tableName);
  return createDynamoDbLedger({
    client: db.client,
    tableName,
    platforms: platformNames,
    onConsumedCapacity: (n, _operation, kind) => {
      if (kind === 'write') units.set('write', (units.get('write') ?? 0) + n);
    },
  });
}

const cipher = createLocalCipher({ keyId: 'bench', key: generateLocalKey() });
const settings = { defaultHorizonDays: 365, maxReceiveCount: 5 };

function body(platform: 'cloopen' | 'baijiayun', i: number, tag: string, action = 'create'): string {
  const tenantId = `${tag}_${i}`;
  const profile =
    action !== 'create'
      ? undefined
      : platform === 'cloopen'
        ? { friendlyName: `${tag}${i}@bench.example` }
        : {
            mobile: `13${String(i + tableNo * 100_000).padStart(9, '0')}`,
            email: `${tag}${i}@bench.example`,
          };
  return JSON.stringify({
    schemaVersion: 1,
    requestId: `${tag}-${action}-${i}`,
    action,
    platform,
    tenantId,
    profile,
  });
}

interface Run {
  readonly ms: number;
  readonly writeUnits: number;
  readonly vendorCalls: number;
}

async function run(
  platform: 'cloopen' | 'baijiayun',
  format: 'json' | 'xml',
  tag: string,
  action = 'create',
): Promise<Run> {
  const ledger = await freshLedger();
  const deps = { ledger, platforms: platformsFor(format), contract: requestContract, cipher, settings };
  if (action !== 'create') {
    for (let i = 0; i < N; i++)
      await processMessage({ messageId: `c${i}`, body: body(platform, i, tag), receiveCount: 1 }, deps);
  }
  const callsBefore = cloopenSim.state.requests.length + baijiayunSim.calls.length;
  units.set('write', 0);
  const start = performance.now();
  for (let i = 0; i < N; i++) {
    await processMessage({ messageId: `m${i}`, body: body(platform, i, tag, action), receiveCount: 1 }, deps);
  }
  const ms = (performance.now() - start) / N;
  const vendorCalls = (cloopenSim.state.requests.length + baijiayunSim.calls.length - callsBefore) / N;
  return { ms, writeUnits: (units.get('write') ?? 0) / N, vendorCalls };
}

// Warm up connections and JIT so the first variant is not penalised.
await run('cloopen', 'json', 'warm');
const results: Record<string, Run> = {
  'cloopen create (JSON)': await run('cloopen', 'json', 'cj'),
  'cloopen create (XML)': await run('cloopen', 'xml', 'cx'),
  'baijiayun create': await run('baijiayun', 'json', 'bj'),
  'baijiayun suspend': await run('baijiayun', 'json', 'bs', 'suspend'),
  'cloopen close': await run('cloopen', 'json', 'cc', 'close'),
  'baijiayun close': await run('baijiayun', 'json', 'bc', 'close'),
};

// Adoption after a lost answer: one create whose answer is dropped, then its redelivery.
async function adoption(platform: 'cloopen' | 'baijiayun'): Promise<number> {
  const ledger = await freshLedger();
  const deps = { ledger, platforms: platformsFor('json'), contract: requestContract, cipher, settings };
  const before = cloopenSim.state.requests.length + baijiayunSim.calls.length;
  if (platform === 'cloopen')
    cloopenSim.inject({ fault: { kind: 'drop-after-commit' }, operation: 'SubAccounts' });
  else baijiayunSim.inject({ fault: { kind: 'drop-after-commit' }, operation: 'addSubAccount' });
  const message = { messageId: 'lost', body: body(platform, 0, `lost${platform}`) };
  await processMessage({ ...message, receiveCount: 1 }, deps).catch(() => undefined);
  await processMessage({ ...message, receiveCount: 2 }, deps);
  return cloopenSim.state.requests.length + baijiayunSim.calls.length - before;
}
const adoptCloopen = await adoption('cloopen');
const adoptBaijiayun = await adoption('baijiayun');

const baseline = results['cloopen create (JSON)'];
console.log(
  `\nPer request, mean of ${N} sequential requests through processMessage (dynalite + simulators):\n`,
);
console.log('| request | time vs Cloopen JSON create | ledger write units | vendor calls |');
console.log('|---|---|---|---|');
for (const [name, r] of Object.entries(results)) {
  console.log(
    `| ${name} | ${(r.ms / (baseline?.ms ?? r.ms)).toFixed(2)}x | ${r.writeUnits.toFixed(2)} | ${r.vendorCalls.toFixed(2)} |`,
  );
}
console.log(
  `\nVendor calls for a create whose answer was lost, both deliveries: Cloopen ${adoptCloopen} (normal create: ${results['cloopen create (JSON)']?.vendorCalls}), Baijiayun ${adoptBaijiayun} (normal: ${results['baijiayun create']?.vendorCalls}).`,
);
console.log(
  'Write units are table writes as dynalite reports them; DynamoDB adds the sparse state index: +1 for a new record, +2 when a write moves it to another state.',
);

await Promise.all([cloopenSim.close(), baijiayunSim.close()]);
await db.stop();
