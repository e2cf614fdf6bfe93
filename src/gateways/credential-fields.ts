/**
 * Reading a merchant's PSP credentials, the same way for every adapter: an object with known fields
 * only, text fields trimmed (empty counts as absent), and errors that name the field but never echo a
 * value (`DomainError('invalid_credentials', 'Stripe credentials: secretKey is required')`).
 */
import { DomainError } from '../core/errors';

export class CredentialFields {
  readonly record: Readonly<Record<string, unknown>>;

  /** Throws unless `input` is an object whose fields are all in `allowed`. */
  constructor(
    private readonly psp: string,
    input: unknown,
    allowed: readonly string[],
  ) {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw this.invalid('expected an object');
    const unknownField = Object.keys(input).find((field) => !allowed.includes(field));
    if (unknownField !== undefined) throw this.invalid(`unknown field ${JSON.stringify(unknownField.slice(0, 40))}`);
    this.record = input as Record<string, unknown>;
  }

  invalid(message: string): DomainError {
    return new DomainError('invalid_credentials', `${this.psp} credentials: ${message}`);
  }

  /** A trimmed text field, or null when absent, null or empty. */
  text(field: string): string | null {
    const value = this.record[field];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') throw this.invalid(`${field} must be a string`);
    const trimmed = value.trim();
    return trimmed === '' ? null : trimmed;
  }

  required(field: string): string {
    const value = this.text(field);
    if (value === null) throw this.invalid(`${field} is required`);
    return value;
  }
}

/** `…a1b2`: how a secret is shown — its last four characters only. */
export function lastFour(secret: string): string {
  return `…${secret.slice(-4)}`;
}
