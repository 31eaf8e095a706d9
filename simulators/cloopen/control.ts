import type { IncomingMessage, ServerResponse } from 'node:http';
import { type FaultQueue, type FaultRule, isLatencySetting, type SimulatedLatency } from '../faults.ts';
import type { CloopenSimulatorState } from './state.ts';

/** Reads a request body whole, as UTF-8. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Answers with this status, content type and body. */
export function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Answers an HTTP-level refusal (not a platform `statusCode`) in plain text. */
export function refuse(res: ServerResponse, status: number, text: string): void {
  send(res, status, 'text/plain;charset=utf-8', text);
}

function isFaultRule(value: unknown): value is FaultRule {
  if (typeof value !== 'object' || value === null) return false;
  const { fault, operation, times } = value as { fault?: unknown; operation?: unknown; times?: unknown };
  if (operation !== undefined && typeof operation !== 'string') return false;
  if (times !== undefined && (typeof times !== 'number' || !Number.isInteger(times) || times < 1))
    return false;
  if (typeof fault !== 'object' || fault === null) return false;
  const f = fault as { kind?: unknown; status?: unknown; code?: unknown; message?: unknown };
  switch (f.kind) {
    case 'hang':
    case 'drop-after-commit':
    case 'rate-limit':
      return true;
    case 'http-error':
      return typeof f.status === 'number' && Number.isInteger(f.status) && f.status >= 100 && f.status <= 599;
    case 'vendor-error':
      return typeof f.code === 'string' && (f.message === undefined || typeof f.message === 'string');
    default:
      return false;
  }
}

/** What the control endpoints act on. */
export interface ControlTarget {
  readonly state: CloopenSimulatorState;
  readonly faults: FaultQueue;
  readonly latency: SimulatedLatency;
  /** Forgets accounts, requests and pending faults. */
  reset(): void;
}

/**
 * Answers a `/__sim/…` control request: `POST /__sim/faults` (a JSON {@link FaultRule}),
 * `POST /__sim/latency` (`{"ms": 100}`: each API call waits that long first), `POST /__sim/reset`,
 * `GET /__sim/state`; 404 for anything else.
 */
export async function answerControl(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  sim: ControlTarget,
): Promise<void> {
  if (req.method === 'POST' && path === '/__sim/faults') {
    let rule: unknown;
    try {
      rule = JSON.parse(await readBody(req));
    } catch {
      return refuse(res, 400, 'fault rule must be JSON');
    }
    if (!isFaultRule(rule)) return refuse(res, 400, 'not a fault rule');
    sim.faults.inject(rule);
    res.writeHead(204).end();
    return;
  }
  if (req.method === 'POST' && path === '/__sim/latency') {
    let setting: unknown;
    try {
      setting = JSON.parse(await readBody(req));
    } catch {
      return refuse(res, 400, 'latency setting must be JSON');
    }
    if (!isLatencySetting(setting)) return refuse(res, 400, 'latency must be {"ms": 0-600000}');
    sim.latency.set(setting.ms);
    res.writeHead(204).end();
    return;
  }
  if (req.method === 'POST' && path === '/__sim/reset') {
    sim.reset();
    res.writeHead(204).end();
    return;
  }
  if (req.method === 'GET' && path === '/__sim/state') {
    return send(
      res,
      200,
      'application/json;charset=utf-8',
      JSON.stringify({ ...sim.state, pendingFaults: sim.faults.pending }),
    );
  }
  refuse(res, 404, 'unknown control endpoint');
}
