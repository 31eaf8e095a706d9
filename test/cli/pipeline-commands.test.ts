import { describe, expect, it } from 'vitest';
import { parseRequestLines } from '../../cli/pipeline-commands.ts';

const good = (id: string) =>
  JSON.stringify({
    schemaVersion: 1,
    requestId: id,
    action: 'close',
    platform: 'cloopen',
    tenantId: 't1',
  });

describe('parseRequestLines', () => {
  it('reads every non-blank line as one request', () => {
    const parsed = parseRequestLines(`${good('a')}\n\n${good('b')}\r\n`);
    expect(parsed.ok && parsed.requests.map((r) => r.requestId)).toEqual(['a', 'b']);
  });

  it('reports every bad line by number, including repeated request ids', () => {
    // Act
    const parsed = parseRequestLines([good('a'), '{nope', good('a'), '{"schemaVersion":1}'].join('\n'));

    // Assess
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.bad.map((b) => b.line)).toEqual([2, 3, 4]);
    expect(parsed.bad[1]?.problems).toEqual(['requestId a repeats line 1']);
  });
});
