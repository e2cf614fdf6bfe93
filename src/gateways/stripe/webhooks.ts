/**
 * Stripe webhooks: verified with the endpoint's signing secret (`Stripe-Signature`, HMAC-SHA256 over
 * `${t}.${rawBody}`, 300 s tolerance), then read into the contract's notification kinds.
 */
import Stripe from 'stripe';
import { WebhookVerificationError, type GatewayNotification } from '../adapter';
import type { StripeCredentials } from './credentials';

function headerValue(headers: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  return entry?.[1];
}

function verifiedEvent(rawBody: string, signature: string, secret: string): Stripe.Event {
  try {
    return Stripe.webhooks.constructEvent(rawBody, signature, secret);
  } catch (error) {
    // Stripe's messages say what failed (no matching signature, stale timestamp) and carry no secret.
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) throw new WebhookVerificationError(error.message);
    throw new WebhookVerificationError('The Stripe webhook body is not a JSON event');
  }
}

function intentNotification(event: Stripe.Event, intent: Stripe.PaymentIntent, kind: GatewayNotification['kind']): GatewayNotification {
  return { eventId: event.id, ref: intent.id, upsellId: intent.metadata?.upsell_id ?? null, kind, pspType: event.type };
}

function paymentIntentId(value: string | Stripe.PaymentIntent | null): string | null {
  return value === null ? null : typeof value === 'string' ? value : value.id;
}

function toNotification(event: Stripe.Event): GatewayNotification {
  switch (event.type) {
    case 'payment_intent.amount_capturable_updated':
      return intentNotification(event, event.data.object, 'authorized');
    case 'payment_intent.succeeded':
      return intentNotification(event, event.data.object, 'captured');
    case 'payment_intent.payment_failed':
      return intentNotification(event, event.data.object, 'authorization_failed');
    case 'payment_intent.canceled':
      return intentNotification(event, event.data.object, 'voided');
    case 'charge.refunded': {
      const charge = event.data.object;
      const ref = paymentIntentId(charge.payment_intent) ?? charge.id;
      return { eventId: event.id, ref, upsellId: charge.metadata?.upsell_id ?? null, kind: 'refunded', pspType: event.type };
    }
    // Live refunds are asynchronous: a refund can fail after the API said `pending`.
    case 'refund.failed': {
      const refund = event.data.object;
      const ref = (typeof refund.payment_intent === 'string' ? refund.payment_intent : refund.payment_intent?.id) ?? refund.id;
      return { eventId: event.id, ref, upsellId: null, kind: 'refund_failed', pspType: event.type };
    }
    default: {
      const object: unknown = event.data.object;
      const ref = typeof object === 'object' && object !== null && 'id' in object && typeof object.id === 'string' ? object.id : '';
      return { eventId: event.id, ref, upsellId: null, kind: 'ignored', pspType: event.type };
    }
  }
}

export function parseStripeWebhook(
  rawBody: string,
  headers: Readonly<Record<string, string | undefined>>,
  credentials: StripeCredentials,
): GatewayNotification[] {
  if (credentials.webhookSecret === null) {
    throw new WebhookVerificationError('No Stripe webhook signing secret (whsec_…) is set for this shop');
  }
  const signature = headerValue(headers, 'stripe-signature');
  if (!signature) throw new WebhookVerificationError('The Stripe-Signature header is missing');
  return [toNotification(verifiedEvent(rawBody, signature, credentials.webhookSecret))];
}
