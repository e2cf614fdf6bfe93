import { describe, expect, it } from 'vitest';
import { ApiFailure } from './api';
import { offerForm, offerInput, offerProblems } from './forms';

describe('the new-offer form', () => {
  it('reads the fields into the API body', () => {
    expect(offerInput(offerForm({ name: ' Mugs ', variantId: 'mug', discount: '12.5 %', priority: '-3' }))).toEqual({
      input: { name: 'Mugs', variantId: 'mug', discount: { type: 'percentage', value: 12.5 }, priority: -3 },
    });
    expect(offerInput(offerForm({ name: 'Mugs', variantId: 'mug', discount: '', priority: '' }))).toEqual({
      input: { name: 'Mugs', variantId: 'mug', discount: null, priority: 0 },
    });
  });

  it('names each field it cannot read', () => {
    const result = offerInput(offerForm({ name: '', variantId: '', discount: '100', priority: 'high' }));
    expect(result).toMatchObject({
      problems: { fields: { name: expect.any(String), variantId: expect.any(String), discount: expect.any(String), priority: expect.any(String) } },
    });
  });

  it('puts an API refusal beside the field its message names, or above the form', () => {
    expect(offerProblems(new ApiFailure(400, 'invalid_request', 'body.name: must not have more than 200 characters'))).toEqual({
      fields: { name: 'Must not have more than 200 characters.' },
      general: [],
    });
    expect(
      offerProblems(new ApiFailure(400, 'invalid_request', 'discount.value: a percentage discount is above 0 and below 100')).fields,
    ).toHaveProperty('discount');
    expect(offerProblems(new ApiFailure(400, 'variant_not_found', "Variant x is not in this shop's catalog")).fields).toEqual({
      variantId: "Variant x is not in this shop's catalog.",
    });
    expect(offerProblems(new ApiFailure(409, 'conflict', 'Something else'))).toEqual({ fields: {}, general: ['Something else'] });
  });
});
