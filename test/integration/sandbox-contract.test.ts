/** The sandbox PSP passes the same `PaymentGateway` contract suite as the Stripe, Braintree and Adyen adapters. */
import { inject } from 'vitest';
import { SandboxGateway, sandboxStats } from '../../src/gateways/sandbox/sandbox';
import type { SandboxDatabase } from '../../src/gateways/sandbox/tables';
import { connectDatabase } from '../../src/store/database';
import { describeGatewayContract } from '../contract/gateway-contract';

const TIMEOUT_MS = 100;

describeGatewayContract('sandbox', async () => {
  const database = connectDatabase(inject('databaseUrl'), { maxConnections: 6 });
  const gateway = new SandboxGateway(database.db, { hangMs: TIMEOUT_MS * 3 });
  const visa = { brand: 'visa', last4: '4242' };
  const method = (paymentMethodRef: string) => ({ paymentMethodRef, customerRef: 'cus_sandbox_contract', card: visa });
  return {
    gateway,
    merchantRef: 'shop_sandbox_contract',
    methods: {
      success: method('pm_sandbox_visa'),
      declined: { ...method('pm_sandbox_declined'), code: 'card_declined' },
      insufficientFunds: { ...method('pm_sandbox_insufficient_funds'), code: 'insufficient_funds' },
      expired: { ...method('pm_sandbox_expired'), code: 'expired_card' },
      requiresAction: method('pm_sandbox_3ds_required'),
      timeout: method('pm_sandbox_timeout'),
    },
    async finishAction(ref, _action, outcome) {
      await gateway.completeChallenge(ref, outcome === 'succeeded' ? 'success' : 'failure');
      return undefined;
    },
    async paymentAtPsp(ref) {
      const payment = await database.db
        .withTables<SandboxDatabase>()
        .selectFrom('sandbox_payments')
        .select(['amount', 'currency'])
        .where('ref', '=', ref)
        .executeTakeFirstOrThrow();
      const stats = await sandboxStats(database.db, ref);
      if (!stats) throw new Error(`no sandbox payment ${ref}`);
      return {
        amount: payment.amount,
        currency: payment.currency,
        captured: stats.capturedAmount,
        refunded: stats.refundedAmount,
        status: stats.status,
      };
    },
    async paymentCount() {
      const row = await database.db
        .withTables<SandboxDatabase>()
        .selectFrom('sandbox_payments')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    requests: () => [],
    settle: async () => undefined,
    timeoutMs: TIMEOUT_MS,
    close: () => database.close(),
  };
});
