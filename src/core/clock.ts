/**
 * Time and ids, injected everywhere: tests pass a fake clock instead of sleeping through windows, and
 * fixed ids where they compare output.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface IdGenerator {
  /** A prefixed random id: `ord_…`, `off_…`. */
  id(prefix: string): string;
  /** A high-entropy secret: `sk_…`, `ps_…`. Only its hash is stored. */
  secret(prefix: string): string;
}

const ID_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

function randomText(length: number): string {
  const bytes = randomBytes(length);
  let text = '';
  for (const byte of bytes) text += ID_ALPHABET[byte % ID_ALPHABET.length];
  return text;
}

export const randomIds: IdGenerator = {
  id: (prefix) => `${prefix}_${randomText(20)}`,
  secret: (prefix) => `${prefix}_${randomBytes(32).toString('base64url')}`,
};

/** SHA-256 of a high-entropy secret; keys and session tokens are stored and looked up only by this. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
