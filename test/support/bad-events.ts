import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The hostile corpus (`test/fixtures/bad-events/`, format in its README): malformed and hostile message
 * bodies, each with the rejection it must get. The pipeline test sends them all; the chaos run draws its
 * malformed messages from here.
 */

/** The folder of the corpus. */
export const BAD_EVENTS_DIR = fileURLToPath(new URL('../fixtures/bad-events/', import.meta.url));

/** What the queue does with a body: SQS's character set and size limit, and fauxqs's stricter check. */
export type QueueAdmission = 'accepts' | 'fauxqs-refuses' | 'sqs-refuses';

/** The rejection a case must get. */
export interface ExpectedRejection {
  /** The recorded `error.reason`: `invalid-request`, `request-id-reused`. */
  readonly reason: string;
  /** Matches one of the recorded issue lines (`path: message`). */
  readonly issue: RegExp;
}

/** A case's message bodies, with its tag in place of `@ID@`. */
export interface BadEventBodies {
  /** The hostile body, exactly as it goes onto the queue. */
  readonly body: string;
  /** A valid body to deliver first, in the same message group (a reused requestId needs its first use). */
  readonly before?: string | undefined;
}

/** One case of the corpus. */
export interface BadEvent {
  /** The file name without `.json`, e.g. `14-duplicate-platform`. */
  readonly name: string;
  /** e.g. `invalid-json`, `prototype-pollution` (see the README). */
  readonly category: string;
  /** Why it is hostile. */
  readonly note: string;
  readonly queue: QueueAdmission;
  /** The error name SendMessage answers when the queue refuses the body. */
  readonly sqsError?: string | undefined;
  readonly expect: ExpectedRejection;
  /**
   * The bodies with `@ID@` replaced by `tag` (letters, digits, `_` and `-`, so it stays valid in ids and
   * names): a distinct tag per use keeps repeated draws of one case apart (tenants, requestIds).
   */
  render(tag: string): BadEventBodies;
}

interface CaseFile {
  category: string;
  note: string;
  queue?: QueueAdmission;
  sqsError?: string;
  body: string;
  before?: string;
  pad?: { marker: string; unit: string; times?: number; toBytes?: number };
  expect: { reason: string; issue: string };
}

const TAG = /^[A-Za-z0-9_-]{1,40}$/;
const QUEUE_ADMISSIONS: readonly QueueAdmission[] = ['accepts', 'fauxqs-refuses', 'sqs-refuses'];

function padded(body: string, pad: CaseFile['pad']): string {
  if (!pad) return body;
  const at = body.indexOf(pad.marker);
  if (at < 0) throw new Error(`pad marker ${pad.marker} is not in the body`);
  const rest = body.slice(0, at) + body.slice(at + pad.marker.length);
  let times = pad.times ?? 0;
  if (pad.toBytes !== undefined) {
    const unitBytes = Buffer.byteLength(pad.unit, 'utf8');
    const missing = pad.toBytes - Buffer.byteLength(rest, 'utf8');
    if (missing < 0 || missing % unitBytes !== 0)
      throw new Error(`cannot pad to exactly ${pad.toBytes} bytes`);
    times = missing / unitBytes;
  }
  return body.slice(0, at) + pad.unit.repeat(times) + body.slice(at + pad.marker.length);
}

function readCase(file: string): BadEvent {
  const name = file.replace(/\.json$/, '');
  const raw = JSON.parse(readFileSync(`${BAD_EVENTS_DIR}${file}`, 'utf8')) as CaseFile;
  const queue = raw.queue ?? 'accepts';
  if (!QUEUE_ADMISSIONS.includes(queue)) throw new Error(`${file}: unknown queue admission ${queue}`);
  if (typeof raw.body !== 'string' || !raw.expect?.reason || !raw.expect.issue)
    throw new Error(`${file}: needs a body string and expect.reason and expect.issue`);
  return {
    name,
    category: raw.category,
    note: raw.note,
    queue,
    sqsError: raw.sqsError,
    expect: { reason: raw.expect.reason, issue: new RegExp(raw.expect.issue) },
    render(tag) {
      if (!TAG.test(tag)) throw new Error(`tag ${JSON.stringify(tag)} must be 1-40 of A-Z a-z 0-9 _ -`);
      const fill = (text: string) => text.replaceAll('@ID@', tag);
      return {
        body: padded(fill(raw.body), raw.pad),
        before: raw.before === undefined ? undefined : fill(raw.before),
      };
    },
  };
}

/** Every case of the corpus, in file-name order. */
export function loadBadEvents(): BadEvent[] {
  return readdirSync(BAD_EVENTS_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map(readCase);
}
