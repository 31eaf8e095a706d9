import { describe, expect, it } from 'vitest';
import { itemSize, numberSize, valueSize } from '../../bench/item-size.ts';

describe('itemSize (DynamoDB item size rules)', () => {
  it('counts attribute names and string values in UTF-8 bytes', () => {
    expect(itemSize({ pk: { S: 'abc' } })).toBe(2 + 3);
    expect(itemSize({ name: { S: '云通讯' } })).toBe(4 + 9);
  });

  it('sizes numbers at one byte per two significant digits plus one', () => {
    expect(numberSize('7')).toBe(2);
    expect(numberSize('12')).toBe(2);
    expect(numberSize('123')).toBe(3);
    expect(numberSize('-0012300')).toBe(3);
    expect(numberSize('1.5e10')).toBe(2);
  });

  it('sizes booleans and nulls at one byte', () => {
    expect(valueSize({ BOOL: false })).toBe(1);
    expect(valueSize({ NULL: true })).toBe(1);
  });

  it('sizes lists and maps at 3 bytes plus elements plus one per element', () => {
    expect(valueSize({ L: [{ S: 'ab' }, { BOOL: true }] })).toBe(3 + 2 + 1 + 1 + 1);
    expect(valueSize({ M: { k: { S: 'vv' } } })).toBe(3 + 1 + 2 + 1);
    expect(valueSize({ M: {} })).toBe(3);
  });

  it('sizes binaries and sets by their elements', () => {
    expect(valueSize({ B: new Uint8Array(5) })).toBe(5);
    expect(valueSize({ SS: ['a', 'bc'] })).toBe(3);
  });

  it('is 0 for no item', () => {
    expect(itemSize(undefined)).toBe(0);
  });
});
