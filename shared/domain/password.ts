import { randomInt } from 'node:crypto';
import { Secret } from '../secret.ts';

const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/** A 16-character password (about 93 bits), inside the 6-18 characters platforms accept. */
export function generatePassword(): Secret {
  let value = '';
  for (let i = 0; i < 16; i++) value += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return new Secret(value);
}
