import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { startSqsPoller } from '../local/poller.ts';
import { LOCAL_FUNCTION_TIMEOUT_MS } from '../local/stack.ts';
import type { LocalStackState } from '../local/state.ts';
import { makeHandler } from '../local/wiring.ts';
import { awsClientOptions } from '../shared/aws/local.ts';
import { DEFAULT_RECORD_CONCURRENCY } from '../shared/lambda/fifo-batch.ts';
import { createCloopenClient } from '../shared/platforms/cloopen/index.ts';
import { loadCloopenConfig } from '../shared/platforms/cloopen/settings.ts';
import { sendProvisioningRequests } from '../shared/producer/index.ts';
import { startMinimalConsumer } from './minimal-pipeline.ts';
import { type Conclusion, steadyRate, throughputSeries } from './stats.ts';

/**
 * Throughput of Cloopen creates through the real pipeline and through the minimal one
 * (`./minimal-pipeline.ts`), each on fresh emulators (`local/stack.ts`: dynalite, fauxqs, the simulators)
 * in a process of their own (`./emulators.ts`), as DynamoDB, SQS and the vendor never share the consumer's
 * CPU in AWS; the consumer runs in this process.
 *
 * How: the `n` requests are queued first (by the project's producer, one message group per tenant); then
 * the consumer starts — the real handler (`local/wiring.ts`'s `makeHandler`, as `npm start` builds it)
 * behind the local Lambda-like poller (`local/poller.ts`), or the minimal loop — with the same
 * concurrency and batch size. A batch's records count as concluded when the handler returns (minus its
 * `batchItemFailures`) or, for the minimal loop, when its last result is written; both before the batch
 * is deleted. `creates_per_s` is the steady rate: records concluded after the first 10 % (the warm-up:
 * first receives, JIT, connection set-up) over the time from then to the last conclusion.
 *
 * The handler logs and emits metrics to stdout as it would in Lambda; the bench swallows that output
 * (counting its bytes) so the report stays readable, but the work of producing it is measured.
 *
 * @module
 */

/** Width of the throughput-over-time buckets. */
export const SERIES_BUCKET_MS = 500;

/** Which consumer. */
export type PipelineVariant = 'pipeline' | 'minimal';

/** Options of {@link runPipeline}. */
export interface PipelineOptions {
  readonly n: number;
  readonly concurrency: number;
  readonly batchSize: number;
  /** Simulated Cloopen latency per call (ms). */
  readonly latencyMs: number;
  /** Distinguishes the tenants of runs that share nothing but the names. */
  readonly tag: string;
  /** Gives up waiting for the last conclusion after this long (default 10 minutes). */
  readonly timeoutMs?: number | undefined;
}

/** What one run measured. */
export interface PipelineRun {
  readonly variant: PipelineVariant;
  readonly latency_ms: number;
  readonly n: number;
  readonly concluded: number;
  /** Steady-state records concluded per second (see the module). */
  readonly creates_per_s: number;
  /** From the consumer's start to the last conclusion. */
  readonly wall_s: number;
  /** `n / wall_s`: the plain average, warm-up included. */
  readonly wall_creates_per_s: number;
  /** Records concluded per second in each {@link SERIES_BUCKET_MS} since the consumer started. */
  readonly series: readonly { readonly second: number; readonly perSecond: number }[];
  /** Bytes the handler wrote to stdout (logs, metrics), per record. */
  readonly stdout_bytes_per_create: number;
}

/** Swallows stdout writes (counting bytes) until the returned function is called. */
function muteStdout(): () => number {
  const original = process.stdout.write;
  let bytes = 0;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  return () => {
    process.stdout.write = original;
    return bytes;
  };
}

/** Runs `n` Cloopen creates through one variant and measures them. */
export async function runPipeline(variant: PipelineVariant, options: PipelineOptions): Promise<PipelineRun> {
  const stack = await startEmulators(options.tag);
  try {
    await stack.setLatency(options.latencyMs);
    const requests = Array.from({ length: options.n }, (_, i) => ({
      schemaVersion: 1,
      requestId: `${options.tag}-create-${i}`,
      tenantId: `${options.tag}_${i}`,
      platform: 'cloopen',
      action: 'create',
      profile: { friendlyName: `${options.tag}${i}@bench.example` },
    }));
    const sent = await sendProvisioningRequests(requests, { sqs: stack.sqs, queueUrl: stack.info.queueUrl });
    if (sent.failed.length > 0) throw new Error(`bench: ${sent.failed.length} requests not queued`);

    const conclusions: Conclusion[] = [];
    let concluded = 0;
    const conclude = (count: number) => {
      conclusions.push({ at: performance.now(), count });
      concluded += count;
    };
    const handler = variant === 'pipeline' ? await makeHandler(stack.env) : undefined;
    const unmute = muteStdout();
    const origin = performance.now();
    const consumer = handler
      ? startSqsPoller({
          sqs: stack.sqs,
          queueUrl: stack.info.queueUrl,
          queueArn: stack.info.queueArn,
          handler: async (event, context) => {
            const answer = (await handler(event, context)) as SQSBatchResponse | undefined;
            conclude(event.Records.length - (answer?.batchItemFailures?.length ?? 0));
            return answer;
          },
          batchSize: options.batchSize,
          maxConcurrency: options.concurrency,
          waitTimeSeconds: 1,
          functionTimeoutMs: LOCAL_FUNCTION_TIMEOUT_MS,
        })
      : startMinimalConsumer({
          sqs: stack.sqs,
          queueUrl: stack.info.queueUrl,
          dynamodb: stack.dynamodb,
          tableName: stack.info.tableName,
          cloopen: createCloopenClient(loadCloopenConfig(stack.env)),
          concurrency: options.concurrency,
          batchSize: options.batchSize,
          recordConcurrency: DEFAULT_RECORD_CONCURRENCY,
          onConcluded: conclude,
        });
    const deadline = origin + (options.timeoutMs ?? 600_000);
    while (concluded < options.n && performance.now() < deadline) await sleep(20);
    const last = conclusions.at(-1)?.at ?? performance.now();
    await consumer.stop();
    const stdoutBytes = unmute();
    const wallS = (last - origin) / 1000;
    return {
      variant,
      latency_ms: options.latencyMs,
      n: options.n,
      concluded,
      creates_per_s: steadyRate(conclusions) ?? 0,
      wall_s: wallS,
      wall_creates_per_s: wallS > 0 ? concluded / wallS : 0,
      series: throughputSeries(conclusions, origin, SERIES_BUCKET_MS),
      stdout_bytes_per_create: concluded > 0 ? Math.round(stdoutBytes / concluded) : 0,
    };
  } finally {
    await stack.stop();
  }
}

/** The emulators of one run, in their own process (`./emulators.ts`), and clients on them. */
interface Emulators {
  readonly env: Readonly<Record<string, string>>;
  readonly info: LocalStackState;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  /** Makes each Cloopen call wait `ms` first (the simulator's control endpoint). */
  setLatency(ms: number): Promise<void>;
  stop(): Promise<void>;
}

async function startEmulators(tag: string): Promise<Emulators> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./emulators.ts', import.meta.url)), tag], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const [first] = (await once(lines, 'line')) as [string];
  lines.close();
  const { env, info } = JSON.parse(first) as { env: Record<string, string>; info: LocalStackState };
  const region = env.AWS_REGION ?? 'us-east-1';
  const sqs = new SQSClient(awsClientOptions(region, env.SQS_ENDPOINT ?? ''));
  const dynamodb = new DynamoDBClient(awsClientOptions(region, env.DYNAMODB_ENDPOINT ?? ''));
  return {
    env,
    info,
    sqs,
    dynamodb,
    async setLatency(ms) {
      const answer = await fetch(new URL('/__sim/latency', env.CLOOPEN_BASE_URL), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ms }),
      });
      if (!answer.ok) throw new Error(`bench: the Cloopen simulator refused latency ${ms}: ${answer.status}`);
    },
    async stop() {
      sqs.destroy();
      dynamodb.destroy();
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
