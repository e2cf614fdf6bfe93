/** The Adyen adapter module: credentials, the gateway, and its webhooks (see `../adapter.ts`). */
import type { GatewayAdapter } from '../adapter';
import { adyenCredentials, type AdyenCredentials } from './credentials';
import { AdyenGateway, verifyAdyenCredentials } from './gateway';
import { parseAdyenWebhook } from './webhooks';

export type { AdyenCredentials, AdyenEnvironment } from './credentials';
export { ADYEN_ERRORS, AdyenConfigurationError, AdyenGateway } from './gateway';

export const adyenAdapter: GatewayAdapter<AdyenCredentials> = {
  ...adyenCredentials,
  create: (credentials, options) => new AdyenGateway(credentials, options),
  verifyCredentials: verifyAdyenCredentials,
  parseWebhook: parseAdyenWebhook,
};
