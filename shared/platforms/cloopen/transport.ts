import { type FetchLike, type HttpAnswer, type HttpOptions, type RetryPacer, request } from '../http.ts';
import { BackoffPacer } from '../pacer.ts';
import { CLOOPEN_SUCCESS, CloopenError, cloopenVendorError } from './errors.ts';
import type { CloopenConfig } from './settings.ts';
import { signCloopenRequest } from './signing.ts';
import {
  type CloopenEnvelope,
  type CloopenFormat,
  cloopenHeaders,
  decodeCloopenEnvelope,
  encodeCloopenBody,
  type WireContext,
} from './wire.ts';

/** The REST functions this client calls, by their Func names (also the simulator's fault operations). */
export type CloopenOperation =
  | 'SubAccounts'
  | 'GetSubAccounts'
  | 'QuerySubAccountByName'
  | 'CloseSubAccount'
  | 'AccountInfo';

/** Injectable dependencies of the Cloopen client (`createCloopenClient`) and its {@link CloopenTransport}. */
export interface CloopenClientDeps {
  readonly fetch?: FetchLike | undefined;
  /** The clock requests are signed with (tests pin it; the platform rejects timestamps 24 h off). */
  readonly now?: (() => Date) | undefined;
  /** Extra attempts for reads (`GetSubAccounts`, `QuerySubAccountByName`, `AccountInfo`); default 2. */
  readonly readRetries?: number | undefined;
  /** First backoff delay of read retries in ms; default 200. */
  readonly retryBaseMs?: number | undefined;
  /**
   * What paces calls after a 111111 (too many concurrent requests). Defaults to the process-wide pacer of
   * this account and host (see {@link cloopenBackoffPacer}).
   */
  readonly pacer?: RetryPacer | undefined;
}

const pacers = new Map<string, BackoffPacer>();

/**
 * The process-wide back-off pacer of one account (`accountSid@host`): every client of this process with that
 * account waits behind the same refusal. Per process, not fleet-wide: 111111 limits concurrent requests,
 * not a rate, and each execution environment sends its calls one at a time; what a refusal asks of a
 * process is to stop retrying into the overload at once, which the process can do alone. The first
 * caller's interval defines the pacer.
 */
export function cloopenBackoffPacer(key: string, intervalMs: number): BackoffPacer {
  let pacer = pacers.get(key);
  if (!pacer) {
    pacer = new BackoffPacer(intervalMs);
    pacers.set(key, pacer);
  }
  return pacer;
}

/** The format an answer is in: the one we asked for, unless the platform labelled it otherwise. */
function answerFormat(requested: CloopenFormat, contentType: string): CloopenFormat {
  const type = contentType.toLowerCase();
  if (type.includes('xml')) return 'xml';
  if (type.includes('json')) return 'json';
  return requested;
}

/**
 * Reads an answer: `statusCode` decides, whatever the HTTP status (errors' status is undocumented). A 4xx
 * other than 429 without one is a refusal in front of the API; any other unreadable answer is a
 * `protocol` error (for a 429 or 5xx, `request` then falls back to the status).
 */
function interpretAnswer<T>(
  answer: HttpAnswer,
  format: CloopenFormat,
  context: WireContext,
  read: (envelope: CloopenEnvelope) => T,
): T {
  let envelope: CloopenEnvelope;
  try {
    envelope = decodeCloopenEnvelope(answerFormat(format, answer.contentType), answer.text, context);
  } catch (error) {
    // 429 is load, not a refusal of the request: left to `request`, which reads it as rate-limited.
    const refusal = answer.status >= 400 && answer.status < 500 && answer.status !== 429;
    if (!refusal || !(error instanceof CloopenError)) throw error;
    // A 4xx without a readable statusCode: something in front of the API refused the request as sent.
    const authentication = answer.status === 401 || answer.status === 403;
    throw new CloopenError(
      `cloopen ${context.operation}: refused with HTTP ${answer.status} and no statusCode`,
      {
        category: authentication ? 'authentication' : 'invalid-request',
        code: `HTTP ${answer.status}`,
        operation: context.operation,
      },
    );
  }
  if (envelope.statusCode !== CLOOPEN_SUCCESS) {
    throw cloopenVendorError(context.operation, envelope.statusCode, envelope.statusMsg, context.mutates);
  }
  return read(envelope);
}

/**
 * The call-and-decode layer of the Cloopen client: signs each request with the main account, sends it as
 * JSON or XML by `config.format` within `config.timeoutMs`, retries reads with backoff, sends mutations
 * once, and turns every answer whose `statusCode` is not success into a {@link CloopenError}.
 *
 * A 111111 (too many concurrent requests) engages the back-off pacer: the call is retried through it (a
 * mutation too, since the refusal committed nothing) and this process's later calls take its slots, one
 * per `config.rateLimitedIntervalMs`, until a call succeeds.
 */
export class CloopenTransport {
  readonly #config: CloopenConfig;
  readonly #now: () => Date;
  readonly #format: CloopenFormat;
  readonly #baseUrl: string;
  readonly #http: HttpOptions;

  constructor(config: CloopenConfig, deps: CloopenClientDeps = {}) {
    this.#config = config;
    this.#now = deps.now ?? (() => new Date());
    this.#format = config.format;
    this.#baseUrl = config.baseUrl.replace(/\/+$/, '');
    this.#http = {
      fetch: deps.fetch,
      timeoutMs: config.timeoutMs,
      readRetries: deps.readRetries,
      retryBaseMs: deps.retryBaseMs,
      pacer:
        deps.pacer ??
        cloopenBackoffPacer(
          `${config.accountSid}@${new URL(this.#baseUrl).host}`,
          config.rateLimitedIntervalMs,
        ),
    };
  }

  /**
   * Calls one REST function: a POST of `fields` (a GET when there are none), decoded by `read` once the
   * answer's `statusCode` says success. `mutates` calls are never retried.
   */
  call<T>(
    operation: CloopenOperation,
    fields: Readonly<Record<string, string>> | undefined,
    mutates: boolean,
    read: (envelope: CloopenEnvelope, context: WireContext) => T,
  ): Promise<T> {
    const config = this.#config;
    const format = this.#format;
    // One timestamp per request; retries of a read reuse it (it stays valid for 24 hours).
    const signature = signCloopenRequest(config.accountSid, config.authToken, this.#now());
    const context: WireContext = { operation, mutates };
    return request(
      {
        platform: 'cloopen',
        operation,
        method: fields === undefined ? 'GET' : 'POST',
        url: `${this.#baseUrl}/Accounts/${encodeURIComponent(config.accountSid)}/${operation}?sig=${signature.sig}`,
        headers: { ...cloopenHeaders(format), Authorization: signature.authorization },
        body: fields === undefined ? undefined : encodeCloopenBody(format, fields),
        mutates,
      },
      this.#http,
      (answer) => interpretAnswer(answer, format, context, (envelope) => read(envelope, context)),
    );
  }
}
