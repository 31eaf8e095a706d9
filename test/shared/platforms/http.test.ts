import { describe, expect, it } from 'vitest';
import { type FetchLike, type HttpAnswer, type HttpCall, request } from '../../../shared/platforms/http.ts';
import { PlatformError, type PlatformErrorCategory } from '../../../shared/ports/errors.ts';

const READ: HttpCall = {
  platform: 'baijiayun',
  operation: 'getAccountInfo',
  method: 'POST',
  url: 'http://127.0.0.1:1/openapi/new_sub/getAccountInfo',
  headers: {},
  body: 'x=1',
  mutates: false,
};
const WRITE: HttpCall = { ...READ, operation: 'setAccountStatus', mutates: true };

/** A fetch that answers every call with this status, body and headers, counting the calls. */
function answering(status: number, body: string, headers: Record<string, string> = {}) {
  const calls: string[] = [];
  const fetch: FetchLike = async (input) => {
    calls.push(String(input));
    return new Response(body, { status, headers });
  };
  return { fetch, calls };
}

/** A vendor's reading of a body: `{"err": category}` throws that category, `{}` is a success. */
function interpret(answer: HttpAnswer): string {
  let body: { err?: PlatformErrorCategory };
  try {
    body = JSON.parse(answer.text) as { err?: PlatformErrorCategory };
  } catch {
    throw new PlatformError('unreadable', { platform: 'baijiayun', category: 'protocol' });
  }
  if (body.err !== undefined) {
    throw new PlatformError(`vendor said ${body.err}`, {
      platform: 'baijiayun',
      category: body.err,
      code: 'V1',
    });
  }
  return 'ok';
}

async function failure(run: Promise<unknown>): Promise<PlatformError> {
  try {
    await run;
  } catch (error) {
    if (error instanceof PlatformError) return error;
    throw error;
  }
  throw new Error('expected a PlatformError');
}

describe('request on a 5xx or 429 answer', () => {
  it('throws the vendor error the body carries instead of a server error, and does not retry a permanent one', async () => {
    // Prepare
    const server = answering(500, '{"err":"authentication"}');

    // Act
    const error = await failure(
      request(READ, { fetch: server.fetch, timeoutMs: 1_000, readRetries: 2, retryBaseMs: 1 }, interpret),
    );

    // Assess
    expect(error).toMatchObject({
      category: 'authentication',
      code: 'V1',
      message: 'vendor said authentication',
    });
    expect(server.calls).toHaveLength(1);
  });

  it('keeps the server error, outcome unknown, for a mutation whose 5xx body cannot be read', async () => {
    // Prepare
    const server = answering(502, '<html>Bad Gateway</html>');

    // Act
    const error = await failure(request(WRITE, { fetch: server.fetch, timeoutMs: 1_000 }, interpret));

    // Assess
    expect(error).toMatchObject({ category: 'server', code: 'HTTP 502', outcomeUnknown: true });
    expect(server.calls).toHaveLength(1);
  });

  it('keeps the server error when the 5xx body reads as a success', async () => {
    // Prepare
    const server = answering(503, '{}');

    // Act
    const error = await failure(
      request(READ, { fetch: server.fetch, timeoutMs: 1_000, readRetries: 1, retryBaseMs: 1 }, interpret),
    );

    // Assess
    expect(error).toMatchObject({ category: 'server', code: 'HTTP 503', outcomeUnknown: false });
    expect(server.calls).toHaveLength(2);
  });

  it('retries a read whose 5xx body carries a transient vendor error', async () => {
    // Prepare
    const server = answering(500, '{"err":"rate-limited"}');

    // Act
    const error = await failure(
      request(READ, { fetch: server.fetch, timeoutMs: 1_000, readRetries: 2, retryBaseMs: 1 }, interpret),
    );

    // Assess
    expect(error).toMatchObject({ category: 'rate-limited', code: 'V1' });
    expect(server.calls).toHaveLength(3);
  });

  it('keeps the Retry-After of a 429 on the vendor error its body carries', async () => {
    // Prepare
    const server = answering(429, '{"err":"rate-limited"}', { 'retry-after': '0' });

    // Act
    const error = await failure(
      request(READ, { fetch: server.fetch, timeoutMs: 1_000, readRetries: 0 }, interpret),
    );

    // Assess
    expect(error).toMatchObject({ category: 'rate-limited', code: 'V1', retryAfterSeconds: 0 });
  });

  it('keeps a bare 429 rate-limited', async () => {
    // Prepare
    const server = answering(429, 'slow down');

    // Act
    const error = await failure(
      request(READ, { fetch: server.fetch, timeoutMs: 1_000, readRetries: 0 }, interpret),
    );

    // Assess
    expect(error).toMatchObject({ category: 'rate-limited', code: 'HTTP 429' });
  });
});
