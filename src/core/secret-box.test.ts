import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box';

const box = new SecretBox('k'.repeat(32));

describe('SecretBox', () => {
  it('opens what it sealed, for the same owner', () => {
    const sealed = box.seal('{"secretKey":"sk_test_123"}', 'shop_1');
    expect(sealed).not.toContain('sk_test_123');
    expect(box.open(sealed, 'shop_1')).toBe('{"secretKey":"sk_test_123"}');
  });

  it('seals the same text differently each time', () => {
    expect(box.seal('x', 'shop_1')).not.toBe(box.seal('x', 'shop_1'));
  });

  it('refuses another owner, another key, and an altered value', () => {
    const sealed = box.seal('secret', 'shop_1');
    expect(() => box.open(sealed, 'shop_2')).toThrow();
    expect(() => new SecretBox('z'.repeat(32)).open(sealed, 'shop_1')).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('other').toString('base64url');
    expect(() => box.open(parts.join('.'), 'shop_1')).toThrow();
  });

  it('refuses a short key', () => {
    expect(() => new SecretBox('short')).toThrow(/32 characters/);
  });
});
