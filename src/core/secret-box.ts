/**
 * Encryption at rest for PSP credentials: AES-256-GCM with a key from `PLUSONE_SECRET_KEY`. Each value is
 * bound to its owner (the shop id, as associated data), so a ciphertext copied to another shop's row does
 * not decrypt. Format: `v1.<iv>.<tag>.<ciphertext>`, base64url parts.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export class SecretBox {
  readonly #key: Buffer;

  /** `secret` is any string of at least 32 characters (a hex or base64 key, or a long passphrase). */
  constructor(secret: string) {
    if (secret.length < 32) throw new Error('The secret key must be at least 32 characters');
    this.#key = createHash('sha256').update(secret, 'utf8').digest();
  }

  seal(plaintext: string, owner: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(owner, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  /** Throws when the value was sealed with another key or for another owner, or was altered. */
  open(sealed: string, owner: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('Not a sealed value');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(owner, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}
