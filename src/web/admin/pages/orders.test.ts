import { describe, expect, it } from 'vitest';
import { withNames } from './orders';

describe('an order’s decision reasons', () => {
  const names = new Map([
    ['off_1', 'Mug'],
    ['off_12', 'Socks'],
  ]);

  it('names offers by their names, each id matched whole', () => {
    expect(withNames('Offer off_12 has a higher priority', names)).toBe('“Socks” has a higher priority');
    expect(withNames('Offer off_1 ties on priority and revenue with off_12', names)).toBe('“Mug” ties on priority and revenue with “Socks”');
  });

  it('leaves ids it does not know and other text as they are', () => {
    expect(withNames('Offer off_9 has a higher priority', names)).toBe('Offer off_9 has a higher priority');
    expect(withNames('The order total is below 20.00', names)).toBe('The order total is below 20.00');
  });
});
