/** The gateways a Plusone process can charge through, by the shop's `gateway` setting. */
import { DomainError } from '../core/errors';
import type { Gateways } from '../engine/upsells';
import type { GatewayName } from '../engine/settings';
import type { PaymentGateway } from './contract';
import type { SandboxGateway } from './sandbox/sandbox';

/** Gateways with an adapter in this version; the others are refused when a shop selects them. */
export const AVAILABLE_GATEWAYS: readonly GatewayName[] = ['sandbox'];

export function createGateways(sandbox: SandboxGateway): Gateways {
  const adapters: Partial<Record<GatewayName, PaymentGateway>> = { sandbox };
  return {
    get(name) {
      const adapter = adapters[name];
      if (!adapter) throw new DomainError('gateway_unavailable', `No ${name} adapter is available in this version of Plusone`);
      return adapter;
    },
  };
}
