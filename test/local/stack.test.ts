import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, type DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalStackAlreadyRunningError, LocalStackStartError } from '../../local/errors.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';
import { readStackState } from '../../local/state.ts';
import { sendProvisioningRequests } from '../../shared/producer/index.ts';
import { eventually, queueDepth } from '../support/fauxqs.ts';

let dir: string;
let stateFile: string;
const stacks: LocalStack[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'local-stack-'));
  stateFile = join(dir, 'state', 'stack.json');
});

afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
  await rm(dir, { recursive: true, force: true });
});

async function createDemoTable(dynamodb: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
  }
}

async function start(options: Parameters<typeof startLocalStack>[0] = {}): Promise<LocalStack> {
  const stack = await startLocalStack({ stateFile, poller: { waitTimeSeconds: 0 }, ...options });
  stacks.push(stack);
  return stack;
}

const request = {
  schemaVersion: 1,
  requestId: 'signup-1',
  tenantId: 'acme',
  platform: 'cloopen',
  action: 'create',
  profile: { friendlyName: 'acme@example.com' },
} as const;

describe('startLocalStack', () => {
  it('runs the handler on what is sent to its queue and publishes itself in the state file until stopped', async () => {
    // Prepare
    const events: SQSEvent[] = [];
    const simulatorsClosed: boolean[] = [];
    const handlerEnv: Readonly<Record<string, string>>[] = [];
    const stack = await start({
      tableName: 'ledger-under-test',
      createTables: createDemoTable,
      startSimulators: async () => ({
        env: { CLOOPEN_BASE_URL: 'http://127.0.0.1:1/2013-12-26' },
        close: async () => {
          simulatorsClosed.push(true);
        },
      }),
      makeHandler: (env) => {
        handlerEnv.push(env);
        return async (event) => {
          events.push(event);
        };
      },
    });

    // Act
    const sent = await sendProvisioningRequests([request], { sqs: stack.sqs, queueUrl: stack.info.queueUrl });
    await stack.idle();
    const published = await readStackState(stateFile);
    await stack.stop();

    // Assess
    expect(events.flatMap((e) => e.Records.map((r) => [r.messageId, JSON.parse(r.body)]))).toEqual([
      [sent.sent[0]?.messageId, request],
    ]);
    expect(published).toEqual(stack.info);
    expect(published).toMatchObject({
      pid: process.pid,
      region: 'us-east-1',
      tableName: 'ledger-under-test',
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:provisioning-requests.fifo',
      simulators: { CLOOPEN_BASE_URL: 'http://127.0.0.1:1/2013-12-26' },
    });
    expect(handlerEnv[0]).toMatchObject({
      AWS_REGION: 'us-east-1',
      LEDGER_TABLE_NAME: 'ledger-under-test',
      DYNAMODB_ENDPOINT: stack.info.dynamodbEndpoint,
      SQS_ENDPOINT: stack.info.sqsEndpoint,
      QUEUE_URL: stack.info.queueUrl,
      CLOOPEN_BASE_URL: 'http://127.0.0.1:1/2013-12-26',
    });
    expect(Buffer.from(handlerEnv[0]?.CREDENTIALS_LOCAL_KEY ?? '', 'base64')).toHaveLength(32);
    expect(existsSync(stateFile)).toBe(false);
    expect(simulatorsClosed).toEqual([true]);
    await expect(fetch(stack.info.sqsEndpoint)).rejects.toThrow();
    await expect(fetch(stack.info.dynamodbEndpoint)).rejects.toThrow();
  });

  it('creates the tables and a FIFO queue whose DLQ takes messages after maxReceiveCount deliveries', async () => {
    // Prepare
    const stack = await start({
      createTables: createDemoTable,
      queues: { maxReceiveCount: 1, visibilityTimeoutSeconds: 1 },
      makeHandler: () => async () => {
        throw new Error('always fails');
      },
    });

    // Act
    await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.info.queueUrl,
        MessageBody: '{}',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'd',
      }),
    );

    // Assess
    const tables = await stack.dynamodb.send(new ListTablesCommand({}));
    expect(tables.TableNames).toEqual(['provisioner-ledger']);
    await eventually(
      async () => ((await queueDepth(stack.sqs, stack.info.dlqUrl)).visible === 1 ? true : undefined),
      { what: 'the message in the DLQ' },
    );
  });

  it('keeps queue contents, tables and the credentials key in its data directory across restarts', async () => {
    // Prepare
    const dataDir = join(dir, 'data');
    const first = await start({ dataDir, createTables: createDemoTable });
    await sendProvisioningRequests([request], { sqs: first.sqs, queueUrl: first.info.queueUrl });
    const key = first.env.CREDENTIALS_LOCAL_KEY;
    await first.stop();

    // Act
    const second = await start({ dataDir, createTables: createDemoTable });

    // Assess
    expect(await queueDepth(second.sqs, second.info.queueUrl)).toMatchObject({ visible: 1 });
    expect((await second.dynamodb.send(new ListTablesCommand({}))).TableNames).toEqual([
      'provisioner-ledger',
    ]);
    expect(second.env.CREDENTIALS_LOCAL_KEY).toBe(key);
    expect(second.info.dataDir).toBe(dataDir);
    expect((await stat(join(dataDir, 'credentials-local-key'))).mode & 0o077).toBe(0);
  });

  it('refuses to start while the state file names another live process', async () => {
    // Prepare
    // The test runner's parent process: certainly alive, certainly not this one.
    const other = { pid: process.ppid, region: 'us-east-1' };
    await mkdir(join(dir, 'state'), { recursive: true });
    await writeFile(stateFile, JSON.stringify(other));

    // Act
    const attempt = startLocalStack({ stateFile });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(LocalStackAlreadyRunningError);
    expect(JSON.parse(await readFile(stateFile, 'utf8'))).toEqual(other);
  });

  it('stops what it started and writes no state file when a step fails', async () => {
    // Prepare
    const closed: string[] = [];
    const failing = startLocalStack({
      stateFile,
      startSimulators: async () => ({
        env: {},
        close: async () => {
          closed.push('simulators');
        },
      }),
      makeHandler: () => {
        throw new Error('handler wiring broke');
      },
    });

    // Act
    const error = await failing.catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(LocalStackStartError);
    expect((error as Error).message).toBe('Local stack failed to build the handler: handler wiring broke');
    expect(closed).toEqual(['simulators']);
    expect(existsSync(stateFile)).toBe(false);
  });
});
