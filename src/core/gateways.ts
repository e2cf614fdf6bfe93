/**
 * The one list of payment gateways. Everything that names gateways derives from it: the settings schema,
 * the stored column's type, the `PLUSONE_<PSP>_API_BASE` settings, the webhook routes and the adapter
 * registry (whose `Record<RealGatewayName, …>` types make the compiler ask for every entry).
 */

/** The built-in sandbox first, then the real PSPs, each with an adapter under `gateways/<name>/`. */
export const GATEWAYS = ['sandbox', 'stripe', 'braintree', 'adyen'] as const;

export type GatewayName = (typeof GATEWAYS)[number];

/** A PSP outside Plusone: per-shop credentials, an official SDK, signed webhooks. */
export type RealGatewayName = Exclude<GatewayName, 'sandbox'>;

export const REAL_GATEWAYS = GATEWAYS.filter((name): name is RealGatewayName => name !== 'sandbox');

export function isRealGateway(name: string): name is RealGatewayName {
  return (REAL_GATEWAYS as readonly string[]).includes(name);
}

/**
 * Who moves an upsell's money: a gateway above, which Plusone calls to authorize, capture and release, or
 * Shopify, which charged the buyer itself when the post-purchase extension applied the changeset (Plusone
 * only refunds through Shopify's Admin API on an undo).
 */
export type UpsellGateway = GatewayName | 'shopify';

/** Every value of `UpsellGateway`, for filters and schemas. */
export const UPSELL_GATEWAYS: readonly UpsellGateway[] = [...GATEWAYS, 'shopify'];
