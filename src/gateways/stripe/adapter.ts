/** The Stripe adapter module: credentials, the gateway built from them, and webhooks. See docs/gateways/stripe.md. */
import type { GatewayAdapter } from '../adapter';
import { stripeCredentials, type StripeCredentials } from './credentials';
import { StripeGateway, stripeClient } from './stripe';
import { parseStripeWebhook } from './webhooks';

export type { StripeCredentials } from './credentials';

export const stripeAdapter: GatewayAdapter<StripeCredentials> = {
  ...stripeCredentials,
  create(credentials, options) {
    // A fake of Stripe (tests, demos) serves its own Stripe.js next to its API; real Stripe.js otherwise.
    const stripeJsUrl = options.apiBaseUrl ? new URL('/v3/stripe.js', options.apiBaseUrl).href : null;
    return new StripeGateway(stripeClient(credentials.secretKey, options), credentials.publishableKey, stripeJsUrl);
  },
  parseWebhook: parseStripeWebhook,
};
