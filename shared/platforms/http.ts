import { setTimeout as sleep } from 'node:timers/promises';
import { PlatformError } from '../ports/errors.ts';
import type { PlatformName } from '../ports/platform.ts';

/** The `fetch` a client uses; injectable so tests can observe or break the transport. */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** One HTTP exchange as a vendor client describes it. */
export interface HttpCall {
  readonly platform: PlatformName;
  /** The vendor's name for the call (`SubAccounts`, `addSubAccount`), for errors and logs. */
  readonly operation: string;
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  /** Whether the call changes state: a lost answer then means the outcome is unknown. */
  readonly mutates: boolean;
}

/** Transport settings shared by both clients. */
export interface HttpOptions {
  readonly fetch?: FetchLike | undefined;
  /** Milliseconds before a call is aborted. */
  readonly timeoutMs: number;
  /**
   * Extra attempts for calls that do not change state (reads), on timeouts, network errors, 5xx and
   * rate limits. State-changing calls are never retried here: the pipeline decides, with adoption.
   */
  readonly readRetries?: number | undefined;
  /** First backoff delay in ms for read retries; doubles with full jitter. */
  readonly retryBaseMs?: number | undefined;
  /**
   * Paces calls after a rate-limited answer: every attempt first takes its slot, a refusal for load engages
   * it, and such a refusal is retried through it (instead of the jittered backoff) up to `readRetries` times,
   * state-changing calls included, since a call refused for load committed nothing.
   */
  readonly pacer?: RetryPacer | undefined;
}

/** What paces a platform's calls once it refused one for load (see `BackoffPacer` in `./pacer.ts`). */
export interface RetryPacer {
  /** A call was refused for load: pace the following ones. */
  rateLimited(): void;
  /** A call succeeded: the platform accepts calls again. */
  succeeded(): void;
  /** Resolves when the next call may be sent (at once while nothing is paced). */
  acquire(): Promise<void>;
}

/** A response whose body is for the vendor client to interpret. */
export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

function retryAfter(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/** One exchange's answer, and the error a 429 or 5xx status alone would mean. */
interface Exchange {
  readonly answer: HttpAnswer;
  readonly statusFailure?: PlatformError | undefined;
}

async function once(call: HttpCall, options: HttpOptions): Promise<Exchange> {
  const doFetch = options.fetch ?? fetch;
  const signal = AbortSignal.timeout(options.timeoutMs);
  const where = `${call.platform} ${call.operation}`;
  try {
    const response = await doFetch(call.url, {
      method: call.method,
      headers: call.headers,
      body: call.body,
      signal,
    });
    const text = await response.text();
    const answer = { status: response.status, contentType: response.headers.get('content-type') ?? '', text };
    if (response.status === 429) {
      const statusFailure = new PlatformError(`${where}: rate limited (HTTP 429)`, {
        platform: call.platform,
        category: 'rate-limited',
        code: 'HTTP 429',
        operation: call.operation,
        retryAfterSeconds: retryAfter(response),
      });
      return { answer, statusFailure };
    }
    if (response.status >= 500) {
      const statusFailure = new PlatformError(`${where}: server error (HTTP ${response.status})`, {
        platform: call.platform,
        category: 'server',
        code: `HTTP ${response.status}`,
        operation: call.operation,
        outcomeUnknown: call.mutates,
      });
      return { answer, statusFailure };
    }
    return { answer };
  } catch (error) {
    const timedOut = signal.aborted;
    throw new PlatformError(
      timedOut ? `${where}: no answer within ${options.timeoutMs} ms` : `${where}: network failure`,
      {
        platform: call.platform,
        category: timedOut ? 'timeout' : 'network',
        operation: call.operation,
        outcomeUnknown: call.mutates,
        cause: error,
      },
    );
  }
}

/**
 * Reads a 429 or 5xx answer. Neither vendor documents the HTTP status of its errors, and both put the
 * real verdict in the body (Cloopen `statusCode`, Baijiayun `code`): a 500 carrying "signature rejected"
 * is an authentication failure, permanent, not a server error worth retrying. So `interpret` reads the
 * body first; only when it cannot (a `protocol` error: a proxy's page, an empty body) or finds no error
 * in it does the status alone decide.
 */
function statusVerdict<T>(
  answer: HttpAnswer,
  statusFailure: PlatformError,
  interpret: (answer: HttpAnswer) => T,
): PlatformError {
  try {
    interpret(answer);
  } catch (error) {
    if (error instanceof PlatformError && error.category !== 'protocol') {
      // The vendor's code is the better record; the transport's Retry-After is still the best wait hint.
      if (error.retryAfterSeconds === undefined && statusFailure.retryAfterSeconds !== undefined) {
        Object.assign(error, { retryAfterSeconds: statusFailure.retryAfterSeconds });
      }
      return error;
    }
  }
  return statusFailure;
}

const TRANSIENT = new Set(['timeout', 'network', 'server', 'rate-limited']);

/**
 * Sends one call with a timeout (`AbortSignal.timeout`) over Node's pooled keep-alive `fetch`, and hands
 * the answer to `interpret`, the vendor's reading of its body (which throws {@link PlatformError}s for
 * the vendor's error codes). Transport failures become {@link PlatformError}s here; so do 429 and 5xx,
 * unless their body carries a vendor code `interpret` recognises, whose error then wins (see
 * {@link statusVerdict}). Reads are retried with jittered backoff when the failure, from either step, is transient.
 */
export async function request<T>(
  call: HttpCall,
  options: HttpOptions,
  interpret: (answer: HttpAnswer) => T,
): Promise<T> {
  const retries = options.readRetries ?? 2;
  const attempts = call.mutates ? 1 : 1 + retries;
  const base = options.retryBaseMs ?? 200;
  const pacer = options.pacer;
  for (let attempt = 1; ; attempt++) {
    try {
      // Before `once` starts its timeout, so a paced wait never reads as a timeout.
      await pacer?.acquire();
      const { answer, statusFailure } = await once(call, options);
      if (statusFailure !== undefined) throw statusVerdict(answer, statusFailure, interpret);
      const result = interpret(answer);
      pacer?.succeeded();
      return result;
    } catch (error) {
      const transient = error instanceof PlatformError && TRANSIENT.has(error.category);
      const refusedForLoad =
        pacer !== undefined &&
        error instanceof PlatformError &&
        error.category === 'rate-limited' &&
        !error.outcomeUnknown;
      if (refusedForLoad) pacer.rateLimited();
      if (!transient || attempt >= (refusedForLoad ? 1 + retries : attempts)) throw error;
      const hinted = error.retryAfterSeconds === undefined ? 0 : error.retryAfterSeconds * 1000;
      // After a refusal for load the pacer spaces the retry (its slot is taken at the top of the loop): a
      // jittered backoff may retry at once, into the same overload. Retry-After, when given, still wins.
      if (refusedForLoad) await sleep(hinted);
      else await sleep(Math.max(hinted, Math.random() * base * 2 ** (attempt - 1)));
    }
  }
}
