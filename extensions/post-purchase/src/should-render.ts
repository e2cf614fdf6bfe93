/**
 * `Checkout::PostPurchase::ShouldRender`: asks Plusone for this purchase's offer and shows the page only
 * when there is one, stored for Render. Any failure answers `{ render: false }`: the buyer is never held up.
 */
import { fetchOffer } from './backend';
import type { StoredOffer } from './offer';
import type { ShouldRenderApi } from './shopify';
import { within } from './time';

/** How long the offer may take before the buyer goes straight to the Thank you page. */
const OFFER_TIMEOUT_MS = 5_000;

export async function shouldRender({ inputData, storage }: ShouldRenderApi): Promise<{ render: boolean }> {
  try {
    const answer = await within(fetchOffer(inputData.token), OFFER_TIMEOUT_MS, { kind: 'none' } as const);
    if (answer.kind !== 'offer') return { render: false };
    const stored: StoredOffer = { referenceId: answer.referenceId, offer: answer.offer };
    await storage.update(stored);
    return { render: true };
  } catch {
    return { render: false };
  }
}
