import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * DynamoDB's item size, from the item in its wire form (`AttributeValue`s, as a plain client sends it),
 * following AWS's "Item sizes and formats" rules:
 *
 * - an item is the sum of its attribute name lengths (UTF-8 bytes) and value sizes;
 * - a string is its UTF-8 length; a binary its byte length;
 * - a number is 1 byte per two significant digits (leading and trailing zeros trimmed), plus 1;
 * - a boolean or a null is 1 byte;
 * - a list or a map is 3 bytes plus its elements, plus 1 byte per element (a map element's size includes
 *   its name);
 * - a set is the sum of its elements.
 *
 * Pure: the index-unit model and the tests use it without DynamoDB.
 *
 * @module
 */

/** An item in wire form. */
export type WireItem = Record<string, AttributeValue>;

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

/** Bytes of a DynamoDB number given as its decimal text: ceil(significant digits / 2) + 1. */
export function numberSize(text: string): number {
  const mantissa = text.trim().replace(/^[+-]/, '').split(/[eE]/)[0] ?? '';
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

/** Bytes of one attribute value (its name not included). */
export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8Bytes(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8Bytes(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.length, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, element) => sum + valueSize(element) + 1, 0);
  if (value.M !== undefined) {
    return (
      3 +
      Object.entries(value.M).reduce(
        (sum, [name, element]) => sum + utf8Bytes(name) + valueSize(element) + 1,
        0,
      )
    );
  }
  return 0;
}

/** Bytes of an item: every attribute's name and value. `undefined` (no item) is 0. */
export function itemSize(item: WireItem | undefined): number {
  if (item === undefined) return 0;
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += utf8Bytes(name) + valueSize(value);
  return size;
}
