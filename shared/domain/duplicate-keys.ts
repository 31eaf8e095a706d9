/**
 * Duplicate object keys in a JSON text. `JSON.parse` keeps the last of them silently, while another
 * reader (a producer's log, an operator's tool) may show the first: a body that says `"tenantId"` twice
 * means two things at once, so the contract refuses it.
 */

/** One key that occurs more than once in one object. */
export interface DuplicateKey {
  /** Where the object is, as zod paths are (`[]` for the body itself). */
  readonly path: readonly string[];
  readonly key: string;
}

interface Frame {
  /** The keys seen so far, for an object; `undefined` for an array. */
  readonly keys: Set<string> | undefined;
  readonly path: readonly string[];
  /** The member or element being read. */
  current: string;
  index: number;
  expectKey: boolean;
}

/**
 * The keys that occur more than once in the same object of `json`, each reported once, in order of their
 * second occurrence. `json` must be valid JSON (parse it first); keys are compared after unescaping, so
 * `"a"` and `"\u0061"` are the same key.
 */
export function duplicateKeys(json: string): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const reported = new Set<string>();
  const stack: Frame[] = [];
  let i = 0;
  while (i < json.length) {
    const c = json[i];
    if (c === '"') {
      let end = i + 1;
      while (end < json.length && json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      const top = stack.at(-1);
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(json.slice(i, end + 1)) as string;
        const id = JSON.stringify([...top.path, key]);
        if (top.keys.has(key) && !reported.has(id)) {
          reported.add(id);
          found.push({ path: top.path, key });
        }
        top.keys.add(key);
        top.current = key;
        top.expectKey = false;
      }
      i = end + 1;
      continue;
    }
    if (c === '{' || c === '[') {
      const parent = stack.at(-1);
      const path = parent ? [...parent.path, parent.keys ? parent.current : String(parent.index)] : [];
      stack.push({
        keys: c === '{' ? new Set() : undefined,
        path,
        current: '',
        index: 0,
        expectKey: c === '{',
      });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack.at(-1);
      if (top?.keys) top.expectKey = true;
      else if (top) top.index += 1;
    }
    i += 1;
  }
  return found;
}
