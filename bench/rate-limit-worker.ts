import { createInterface } from 'node:readline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsClientOptions } from '../shared/aws/local.ts';
import { loadBaseConfig, processEnvironment } from '../shared/config.ts';
import { buildPlatforms } from '../shared/runtime/platforms.ts';
import { buildRateBudget } from '../shared/runtime/rate-budget.ts';

/**
 * One process of `bench/rate-limit.ts`: a Baijiayun client drawing on the fleet-wide budget in the shared
 * table, built the way the deployed functions build theirs (`buildRateBudget`, `buildPlatforms`), calling the
 * platform (`get`, one `getAccountInfo` each) from `BENCH_CONCURRENCY` loops as fast as its budget lets it.
 *
 * Protocol on stdin/stdout: it prints `ready`, waits for `go {ms}`, runs that long, prints one JSON line
 * with what it counted, and exits.
 */
const env = processEnvironment();
const base = loadBaseConfig(env);
const subAccountId = env.BENCH_SUB_ACCOUNT_ID ?? '';
const concurrency = Number(env.BENCH_CONCURRENCY ?? 16);

const counts = { requests: 0, ok: 0, refused: 0, failedCalls: 0, writeUnits: 0, readUnits: 0 };
let deadline = Number.POSITIVE_INFINITY;

const dynamodb = new DynamoDBClient(awsClientOptions(base.region, base.dynamodbEndpoint));
const rateBudget = buildRateBudget(env, base, dynamodb, (units, _operation, kind) => {
  if (Date.now() > deadline) return;
  if (kind === 'write') counts.writeUnits += units;
  else counts.readUnits += units;
});

/** Counts each answer the platform gave before the deadline: accepted, or refused for load. */
const countingFetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
  const response = await fetch(input, init);
  const text = await response.clone().text();
  if (Date.now() <= deadline) {
    counts.requests += 1;
    let code: unknown;
    try {
      code = (JSON.parse(text) as { code?: unknown }).code;
    } catch {
      code = undefined;
    }
    if (code === 0) counts.ok += 1;
    else if (response.status === 429 || /频繁/.test(text)) counts.refused += 1;
  }
  return response;
};

const platform = buildPlatforms(env, { rateBudget, fetch: countingFetch }).get('baijiayun');
if (!platform) throw new Error('baijiayun is not registered');

async function drive(): Promise<void> {
  while (Date.now() < deadline) {
    try {
      await platform?.get(subAccountId);
    } catch {
      if (Date.now() <= deadline) counts.failedCalls += 1;
    }
  }
}

const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
for await (const line of lines) {
  const [command, ms] = line.trim().split(' ');
  if (command !== 'go') continue;
  deadline = Date.now() + Number(ms);
  for (let i = 0; i < concurrency; i++) void drive();
  await new Promise((resolve) => setTimeout(resolve, Number(ms) + 50));
  process.stdout.write(`${JSON.stringify(counts)}\n`);
  process.exit(0);
}
