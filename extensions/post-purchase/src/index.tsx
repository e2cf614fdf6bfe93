/**
 * Plusone's post-purchase offer on Shopify's page. Registered through `self.shopify.extend` (the library's
 * `extend` and `render` call it), as Shopify's sandbox expects: ShouldRender decides and stores the offer,
 * Render shows it and runs the one-click flow.
 */
import { extend, render } from '@shopify/post-purchase-ui-extensions-react';
import { OfferFlow } from './flow';
import { parseStoredOffer } from './offer';
import { shouldRender } from './should-render';
import { PostPurchase } from './view';

extend('Checkout::PostPurchase::ShouldRender', shouldRender);

render('Checkout::PostPurchase::Render', (api) => {
  const stored = parseStoredOffer(api.storage.initialData);
  if (!stored) {
    // ShouldRender stored no offer (it answers `render: false` then): nothing to show.
    void api.done();
    return <></>;
  }
  const flow = new OfferFlow(api, stored);
  void flow.calculate();
  return <PostPurchase flow={flow} />;
});
