/** The Stripe adapter module: credentials, the gateway built from them, and webhooks. See docs/gateways/stripe.md. */
import type { GatewayAdapter } from '../adapter';
import { stripeCredentials, type StripeCredentials } from './credentials';
import { StripeGateway, stripeClient, verifyStripeKey } from './stripe';
import { parseStripeWebhook } from './webhooks';

export type { StripeCredentials } from './credentials';

export const stripeAdapter: GatewayAdapter<StripeCredentials> = {
  ...stripeCredentials,
  create(credentials, options) {
    // Null: the widget loads Stripe's own Stripe.js.
    return new StripeGateway(stripeClient(credentials.secretKey, options), credentials.publishableKey, options.stripeJsUrl ?? null);
  },
  verifyCredentials: (credentials, options) => verifyStripeKey(stripeClient(credentials.secretKey, options)),
  parseWebhook: parseStripeWebhook,
};
