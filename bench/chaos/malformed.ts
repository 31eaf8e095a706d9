import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBadEvents } from '../../test/support/bad-events.ts';
import { Rng } from './prng.ts';

/**
 * The malformed messages of a chaos run: drawn from the hostile corpus (`test/fixtures/bad-events/`, one
 * file per case) when it exists, else from a few built-in bodies.
 */

/** One malformed body and where it came from. */
export interface MalformedBody {
  readonly name: string;
  readonly body: string;
  /** The body for one use (corpus cases name their tenants and requestIds after a tag). */
  readonly render?: ((tag: string) => string) | undefined;
}

const CORPUS = fileURLToPath(new URL('../../test/fixtures/bad-events/', import.meta.url));

/** Built-in bodies, used while the corpus is absent. */
export const BUILT_IN: readonly MalformedBody[] = [
  { name: 'not-json', body: '{"schemaVersion":1,"requestId":' },
  { name: 'bom', body: '\uFEFF{"schemaVersion":1}' },
  {
    name: 'unknown-action',
    body: '{"schemaVersion":1,"requestId":"bad-1","tenantId":"x","platform":"cloopen","action":"explode"}',
  },
  {
    name: 'unknown-platform',
    body: '{"schemaVersion":1,"requestId":"bad-2","tenantId":"x","platform":"nowhere","action":"close"}',
  },
  { name: 'prototype-pollution', body: '{"__proto__":{"admin":true},"schemaVersion":1,"requestId":"bad-3"}' },
  {
    name: 'wrong-types',
    body: '{"schemaVersion":"1","requestId":7,"tenantId":[],"platform":"baijiayun","action":"create"}',
  },
  {
    name: 'unknown-field',
    body: '{"schemaVersion":1,"requestId":"bad-4","tenantId":"t","platform":"baijiayun","action":"close","extra":1}',
  },
  {
    name: 'xml-meta',
    body: '{"schemaVersion":1,"requestId":"bad-5","tenantId":"t","platform":"cloopen","action":"create","profile":{"friendlyName":"<a>&"}}',
  },
  { name: 'oversized', body: `{"schemaVersion":1,"requestId":"bad-6","pad":"${'x'.repeat(17_000)}"}` },
];

/** The body of one corpus file: a JSON case with a `body` string, or the file's text as it is. */
function corpusBody(text: string): string {
  try {
    const parsed = JSON.parse(text) as { body?: unknown };
    if (typeof parsed.body === 'string') return parsed.body;
  } catch {
    // Not a JSON case file: the text itself is the body.
  }
  return text;
}

/** The bodies to draw from, and whether they are the corpus's. */
export function loadMalformedBodies(dir: string = CORPUS): {
  source: 'corpus' | 'built-in';
  bodies: MalformedBody[];
} {
  if (!existsSync(dir)) return { source: 'built-in', bodies: [...BUILT_IN] };
  if (dir === CORPUS) {
    // The cases a queue accepts and that stand alone (a reused requestId needs its first use sent before).
    const cases = loadBadEvents().filter((c) => c.queue === 'accepts' && c.render('x').before === undefined);
    return {
      source: 'corpus',
      bodies: cases.map((c) => ({
        name: c.name,
        body: c.render('x').body,
        render: (tag) => c.render(tag).body,
      })),
    };
  }
  const bodies = readdirSync(dir)
    .filter((f) => !f.startsWith('.') && !f.endsWith('.md'))
    .sort()
    .map((f) => ({ name: f, body: corpusBody(readFileSync(join(dir, f), 'utf8')) }));
  return bodies.length > 0 ? { source: 'corpus', bodies } : { source: 'built-in', bodies: [...BUILT_IN] };
}

/** `count` bodies drawn from `bodies` with the seed. */
export function drawMalformed(
  bodies: readonly MalformedBody[],
  count: number,
  seed: number,
): MalformedBody[] {
  const rng = new Rng(seed).fork('malformed');
  return Array.from({ length: count }, (_, i) => {
    const picked = rng.pick(bodies);
    return picked.render ? { name: picked.name, body: picked.render(`chaos${seed}m${i}`) } : picked;
  });
}
