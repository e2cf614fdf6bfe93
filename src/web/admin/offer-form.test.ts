import { describe, expect, it } from 'vitest';
import { ApiFailure, type OfferView } from './api';
import {
  commaList,
  copyRowsOf,
  emptyOfferForm,
  formFromOffer,
  localTimeText,
  offerBody,
  offerProblems,
  utcTimeOf,
  type OfferForm,
} from './offer-form';

const filled: OfferForm = {
  ...emptyOfferForm('USD'),
  name: 'Mugs',
  variantId: 'mug',
  quantity: '2',
  discountType: 'fixed',
  fixedAmounts: { USD: '4.5', EUR: '' },
  fixedOther: '300',
  priority: '-3',
  active: false,
  startsAt: '2026-11-27T09:00',
  endsAt: '2026-12-01T00:00:30',
  anyProductIds: ['beans', 'dripper'],
  excludeProductIds: ['mug'],
  minSubtotal: '20',
  maxSubtotal: '150.05',
  countries: 'us, ca,US',
  customerTags: 'vip, wholesale',
  currencies: 'usd',
  firstOrderOnly: true,
  buttonCopy: [{ id: 'short', text: 'Add for {price}' }],
  shipping: { USD: '1.99', EUR: '' },
};

describe('the offer form', () => {
  it('reads every field into the API body, money exactly in minor units', () => {
    expect(offerBody(filled)).toEqual({
      body: {
        name: 'Mugs',
        variantId: 'mug',
        quantity: 2,
        discount: { type: 'fixed', value: 300, amounts: [{ currency: 'USD', amount: 450 }] },
        priority: -3,
        active: false,
        rules: {
          anyProductIds: ['beans', 'dripper'],
          excludeProductIds: ['mug'],
          minSubtotal: 2000,
          maxSubtotal: 15005,
          countries: ['US', 'CA'],
          customerTags: ['vip', 'wholesale'],
          firstOrderOnly: true,
          currencies: ['USD'],
        },
        buttonCopy: [{ id: 'short', text: 'Add for {price}' }],
        shipping: [{ currency: 'USD', amount: 199 }],
        startsAt: '2026-11-27T09:00:00.000Z',
        endsAt: '2026-12-01T00:00:30.000Z',
      },
    });
  });

  it('sends empty rules, no copy and no discount for an empty form', () => {
    expect(offerBody({ ...emptyOfferForm('USD'), name: 'Plain', variantId: 'mug' })).toEqual({
      body: expect.objectContaining({
        discount: null,
        rules: {},
        buttonCopy: [],
        shipping: [],
        startsAt: null,
        endsAt: null,
        quantity: 1,
        active: true,
      }),
    });
    expect(offerBody({ ...emptyOfferForm('USD'), name: 'P', variantId: 'm', discount: '12.5' })).toMatchObject({
      body: { discount: { type: 'percentage', value: 12.5 } },
    });
  });

  it('comes back as it was saved: offer → form → body', () => {
    const parsed = offerBody(filled);
    if (!('body' in parsed)) throw new Error('not parsed');
    const offer: OfferView = { id: 'off_1', ...parsed.body, buttonCopy: [...parsed.body.buttonCopy], shipping: [...parsed.body.shipping] };
    expect(offerBody(formFromOffer(offer, 'USD'))).toEqual(parsed);
  });
});

describe('the offer form › problems', () => {
  it('names each field it cannot read', () => {
    const result = offerBody({
      ...filled,
      name: '',
      quantity: '0',
      fixedAmounts: { USD: '4.555', JPY: '10.5' },
      startsAt: '2026-02-30T09:00',
      minSubtotal: '-1',
      countries: 'USA',
      currencies: 'XYZ',
      buttonCopy: [
        { id: 'a', text: 'One' },
        { id: 'a', text: 'Two' },
      ],
    });
    expect(result).toMatchObject({
      problems: {
        fields: {
          name: expect.any(String),
          quantity: expect.any(String),
          'fixed.USD': expect.stringContaining('at most 2 decimals'),
          'fixed.JPY': expect.any(String),
          startsAt: expect.any(String),
          minSubtotal: expect.any(String),
          countries: expect.stringContaining('USA'),
          currencies: expect.stringContaining('XYZ'),
          'copy.1.id': expect.any(String),
        },
      },
    });
    expect(offerBody({ ...filled, minSubtotal: '200', maxSubtotal: '100' })).toMatchObject({
      problems: { fields: { maxSubtotal: expect.any(String) } },
    });
    expect(offerBody({ ...filled, endsAt: '2026-11-27T08:00' })).toMatchObject({ problems: { fields: { endsAt: expect.any(String) } } });
  });
});

describe('the offer form › times, lists, copy rows and refusals', () => {
  it('reads UTC times exactly and shows seconds only when there are some', () => {
    expect(utcTimeOf('2026-11-27T09:05')).toBe('2026-11-27T09:05:00.000Z');
    expect(utcTimeOf('2026-11-27T09:05:07.5')).toBe('2026-11-27T09:05:07.500Z');
    expect(utcTimeOf('2026-13-01T00:00')).toBeNull();
    expect(localTimeText('2026-11-27T09:05:00.000Z')).toBe('2026-11-27T09:05');
    expect(localTimeText('2026-11-27T09:05:07.000Z')).toBe('2026-11-27T09:05:07');
    expect(localTimeText(null)).toBe('');
  });

  it('reads comma lists and copy rows, giving new rows a free id', () => {
    expect(commaList(' a, ,b,a ')).toEqual(['a', 'b']);
    expect(
      copyRowsOf({ 'copy.0.id': 'copy-1', 'copy.0.text': 'One', 'copy.1.id': '', 'copy.1.text': 'Two', 'copy.2.id': '', 'copy.2.text': ' ' }),
    ).toEqual({
      rows: [
        { id: 'copy-1', text: 'One' },
        { id: 'copy-2', text: 'Two' },
      ],
      blanks: 1,
    });
  });

  it('puts an API refusal beside the field its message names, or above the form', () => {
    expect(offerProblems(new ApiFailure(400, 'invalid_request', 'body.name: must not have more than 200 characters'))).toEqual({
      fields: { name: 'Must not have more than 200 characters.' },
      general: [],
    });
    const parsed = offerBody(filled);
    const body = 'body' in parsed ? parsed.body : null;
    expect(offerProblems(new ApiFailure(400, 'invalid_request', 'discount.amounts[0].amount: the discount leaves nothing'), body).fields).toEqual({
      'fixed.USD': 'The discount leaves nothing.',
    });
    expect(offerProblems(new ApiFailure(400, 'invalid_request', 'body.rules.countries.0: must match pattern'), body).fields).toHaveProperty(
      'countries',
    );
    expect(offerProblems(new ApiFailure(400, 'invalid_request', 'startsAt must be before endsAt')).fields).toEqual({
      startsAt: 'startsAt must be before endsAt.',
    });
    expect(offerProblems(new ApiFailure(400, 'variant_not_found', "Variant x is not in this shop's catalog")).fields).toEqual({
      variantId: "Variant x is not in this shop's catalog.",
    });
    expect(offerProblems(new ApiFailure(409, 'conflict', 'Something else'))).toEqual({ fields: {}, general: ['Something else'] });
  });
});
