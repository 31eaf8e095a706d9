import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Fault, FaultRule } from '../../simulators/faults.ts';
import type { DynamoFault, FaultPlan } from './fault-plan.ts';
import type { ChaosPlatform } from './workload.ts';

/**
 * The HTTP proxies a chaos run puts between the handler and what it calls: one per platform simulator
 * (each call may be given a simulator fault, injected into the simulator just before the call is forwarded,
 * so the vendor's own answer shapes are used), and one in front of dynalite (throttling and 500s, before or
 * after the call took effect).
 */

/** A running proxy. */
export interface RunningProxy {
  readonly url: string;
  close(): Promise<void>;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

interface Upstream {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

/** Forwards one request; rejects when the upstream drops the connection. Aborted if the client goes away. */
function forward(target: URL, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      },
      (answer) => {
        readAll(answer).then(
          (data) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: data }),
          reject,
        );
      },
    );
    upstream.on('error', reject);
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.end(body);
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
}

function relay(res: ServerResponse, answer: Upstream): void {
  const { 'transfer-encoding': _te, connection: _c, 'keep-alive': _k, ...headers } = answer.headers;
  res.writeHead(answer.status, { ...headers, 'content-length': answer.body.length });
  res.end(answer.body);
}

/** Options of {@link startPlatformProxy}. */
export interface PlatformProxyOptions {
  readonly platform: ChaosPlatform;
  readonly target: string;
  readonly plan: FaultPlan;
  /** Puts a one-shot rule into the simulator (its in-process `inject`). */
  readonly inject: (rule: FaultRule) => void;
  /** Told of every fault injected, before the call is forwarded. */
  readonly onFault: (fault: Fault, operation: string) => void;
}

/** A proxy in front of one simulator that injects the plan's faults call by call. */
export async function startPlatformProxy(options: PlatformProxyOptions): Promise<RunningProxy> {
  const target = new URL(options.target);
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const path = new URL(req.url ?? '/', 'http://proxy').pathname;
      const operation = path.split('/').filter(Boolean).at(-1) ?? '';
      if (!path.startsWith('/__sim/')) {
        const fault = options.plan.platformFault(options.platform, operation);
        if (fault) {
          options.inject({ fault, operation, times: 1 });
          options.onFault(fault, operation);
        }
      }
      try {
        relay(res, await forward(target, req, body, res));
      } catch {
        res.destroy(); // the simulator dropped the connection: so does the proxy
      }
    })().catch(() => res.destroy());
  });
  return { url: await listen(server), close: closer(server) };
}

const DYNAMO_TYPES: Readonly<Record<DynamoFault['type'], { status: number; type: string }>> = {
  ProvisionedThroughputExceededException: {
    status: 400,
    type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
  },
  ThrottlingException: { status: 400, type: 'com.amazon.coral.availability#ThrottlingException' },
  InternalServerError: { status: 500, type: 'com.amazonaws.dynamodb.v20120810#InternalServerError' },
};

function answerDynamoFault(res: ServerResponse, fault: DynamoFault): void {
  const { status, type } = DYNAMO_TYPES[fault.type];
  const body = JSON.stringify({ __type: type, message: `chaos: injected ${fault.type}` });
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': `chaos-${Date.now()}`,
  });
  res.end(body);
}

/** A proxy in front of dynalite answering the plan's throttles and 500s. */
export async function startDynamoProxy(options: {
  readonly target: string;
  readonly plan: FaultPlan;
  readonly onFault: (fault: DynamoFault, operation: string) => void;
}): Promise<RunningProxy> {
  const target = new URL(options.target);
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const fault = options.plan.dynamodbFault(operation);
      if (fault) options.onFault(fault, operation);
      if (fault?.when === 'before') return answerDynamoFault(res, fault);
      const answer = await forward(target, req, body, res);
      if (fault?.when === 'after') return answerDynamoFault(res, fault);
      relay(res, answer);
    })().catch(() => res.destroy());
  });
  return { url: await listen(server), close: closer(server) };
}
