import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { MiddlewareObj } from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { CallWindow, type QuarantineSettings } from '../domain/quarantine.ts';
import type { Ledger, QuarantineState } from '../ports/ledger.ts';
import type { PlatformCallObserver } from '../runtime/platforms.ts';
import { markParked } from './batch-report.ts';
import { PlatformQuarantinedError } from './errors.ts';
import type { RecordGuard } from './record-budget.ts';

/** The longest SQS lets a message stay hidden: a parked message comes back by then even if nobody releases it. */
const PARKED_SECONDS = 43_200;

/** The calls to each platform this execution environment made, by window. */
export class PlatformHealth {
  readonly #settings: QuarantineSettings;
  readonly #windows = new Map<string, CallWindow>();

  constructor(settings: QuarantineSettings) {
    this.#settings = settings;
  }

  get settings(): QuarantineSettings {
    return this.#settings;
  }

  /** Feeds the window from the platform calls (5xx, timeouts, network errors and 429 count as failures). */
  readonly observe: PlatformCallObserver = (call) => {
    let window = this.#windows.get(call.platform);
    if (!window) {
      window = new CallWindow(this.#settings);
      this.#windows.set(call.platform, window);
    }
    window.record(Date.now(), call.ok);
  };

  /** The platforms whose window trips now; their windows start over. */
  tripped(at: number): string[] {
    const out: string[] = [];
    for (const [platform, window] of this.#windows) {
      if (window.trips(at)) {
        out.push(platform);
        window.reset();
      }
    }
    return out;
  }
}

/** What the quarantine needs of a function's dependencies; absent, there is no quarantine. */
export interface QuarantineTarget {
  readonly ledger: Ledger;
  readonly health: PlatformHealth;
  /** The platforms the function calls. */
  readonly platforms: readonly string[];
  readonly sqs: SQSClient;
  readonly queueUrl: string;
}

const states = new WeakMap<SQSEvent, ReadonlyMap<string, QuarantineState>>();

/** The record's platform: its FIFO message group is `{platform}:{tenantId}` (see the producer). */
function platformOf(record: SQSRecord): string | undefined {
  return record.attributes.MessageGroupId?.split(':')[0];
}

/**
 * Before a batch, reads which of the platforms its records name are quarantined (one GetItem each, side by
 * side); after it, starts a quarantine
 * for every platform whose calls in this environment tripped the window, logging and counting it
 * (`platform_quarantined`, by platform).
 */
export function quarantine<C extends Context>(
  target: (context: C) => QuarantineTarget | undefined,
  logger: Logger,
  metrics: Metrics,
): MiddlewareObj<SQSEvent, SQSBatchResponse, Error, C> {
  return {
    before: async (request) => {
      const to = target(request.context);
      if (!to) return;
      const named = new Set(request.event.Records.map(platformOf));
      const found = await Promise.all(
        to.platforms.filter((p) => named.has(p)).map((p) => to.ledger.getQuarantine(p)),
      );
      states.set(request.event, new Map(found.flatMap((s) => (s ? [[s.platform, s] as const] : []))));
    },
    after: async (request) => {
      const to = target(request.context);
      if (!to) return;
      const now = Date.now();
      for (const platform of to.health.tripped(now)) {
        const coolDownMs = to.health.settings.initialCoolDownMs;
        const entered = await to.ledger.enterQuarantine({
          platform,
          since: new Date(now).toISOString(),
          until: new Date(now + coolDownMs).toISOString(),
          coolDownMs,
        });
        if (!entered) continue;
        logger.error('Platform quarantined: most of its calls fail; no calls until a probe succeeds', {
          platform,
          coolDownMs,
        });
        const single = metrics.singleMetric();
        single.addDimensions({ platform });
        single.addMetric('platform_quarantined', MetricUnit.Count, 1);
      }
    },
  };
}

/**
 * A record guard: a record of a quarantined platform is parked instead of tried. It is hidden for 12 hours
 * (so it costs one receive for the whole outage, however long the cool-downs) and noted in the ledger, so
 * the prober can make it visible again the moment the platform answers. Its FIFO group waits behind it.
 */
export function parkQuarantined<C extends Context>(target: (context: C) => QuarantineTarget | undefined) {
  return (context: C): RecordGuard =>
    async (record, _context, event) => {
      const to = target(context);
      const platform = platformOf(record);
      const state = event && platform ? states.get(event)?.get(platform) : undefined;
      if (!to || !state || !event) return;
      await to.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: to.queueUrl,
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: PARKED_SECONDS,
        }),
      );
      await to.ledger.parkMessage(state.platform, {
        messageId: record.messageId,
        queueUrl: to.queueUrl,
        receiptHandle: record.receiptHandle,
        parkedAt: new Date().toISOString(),
      });
      // The prober may have ended the quarantine (and released what it found parked) since this batch
      // began: then this one goes back at once, as a skipped record, instead of waiting 12 hours.
      if (!(await to.ledger.getQuarantine(state.platform))) {
        await to.ledger.unpark(state.platform, record.messageId);
        throw new PlatformQuarantinedError(state.platform, record.messageId, state.until);
      }
      markParked(event, record.messageId);
      throw new PlatformQuarantinedError(state.platform, record.messageId, state.until);
    };
}
