/**
 * A real `kill -9` in the middle of an accept: the server process dies right after the PSP authorized
 * (PLUSONE_CRASH_AT), before the order changed. The next start on the same data folder must finish it:
 * the worker asks the sandbox PSP by idempotency key and adds the line — no charge without its line.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, killAll, newDataDir, startPlusone, until } from './support';

/** Short PSP timeout so the revived worker's reconciliation runs soon. */
const start = (dataDir: string, port: number, env: Record<string, string> = {}) =>
  startPlusone(dataDir, port, { PLUSONE_GATEWAY_TIMEOUT_MS: '300', ...env });

let dataDir: string;
beforeAll(async () => {
  dataDir = await newDataDir('crash');
});
afterAll(async () => {
  killAll();
  await rm(dataDir, { recursive: true, force: true });
});

it('finishes an accept whose process was killed with -9 right after the authorization', async () => {
  const port = await freePort();
  const doomed = start(dataDir, port, { PLUSONE_CRASH_AT: 'accept.after_authorize' });
  const base = `http://127.0.0.1:${port}`;
  const key = await until(async () => /secret key:\s+(sk_\S+)/.exec(doomed.output())?.[1] ?? null, 'the demo key');
  const merchant = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const registered = (await (
    await fetch(`${base}/v1/orders`, {
      method: 'POST',
      headers: merchant,
      body: JSON.stringify({
        externalId: 'crash-1',
        currency: 'USD',
        lines: [{ productId: 'house-blend', variantId: 'house-blend-500g', title: 'House Blend', quantity: 1, unitPrice: 1800 }],
        subtotal: 1800,
        shippingTotal: 0,
        taxTotal: 0,
        total: 1800,
        customer: { country: 'US' },
        payment: { gateway: 'sandbox', paymentMethodRef: 'pm_sandbox_visa', brand: 'visa', last4: '4242' },
      }),
    })
  ).json()) as { order: { id: string }; session: { token: string }; offer: { id: string } };

  const click = fetch(`${base}/v1/checkout/accept`, {
    method: 'POST',
    headers: { authorization: `Bearer ${registered.session.token}`, 'content-type': 'application/json', 'idempotency-key': 'click-1' },
    body: JSON.stringify({ offerId: registered.offer.id }),
  });
  await expect(click).rejects.toThrow();
  expect(await doomed.exited).toBeNull();

  const revivedPort = await freePort();
  const revived = start(dataDir, revivedPort);
  try {
    const revivedBase = `http://127.0.0.1:${revivedPort}`;
    const order = await until(async () => {
      const response = await fetch(`${revivedBase}/v1/orders/${registered.order.id}`, { headers: merchant });
      const body = (await response.json()) as { order: { lines: { source: string; upsellId?: string }[]; total: number } };
      return body.order.lines.some((line) => line.source === 'upsell') ? body.order : null;
    }, 'the reconciled upsell line');
    const upsellId = order.lines.find((line) => line.source === 'upsell')?.upsellId ?? '';
    const upsell = (await (await fetch(`${revivedBase}/v1/upsells/${upsellId}`, { headers: merchant })).json()) as {
      upsell: { state: string; events: { type: string; actor: string }[] };
    };
    expect(upsell.upsell.state).toBe('authorized');
    expect(upsell.upsell.events.map((event) => event.type)).toEqual(['pending', 'authorized']);
    expect(upsell.upsell.events[1]?.actor).toBe('worker');
    expect(order.lines.filter((line) => line.source === 'upsell')).toHaveLength(1);
  } finally {
    revived.child.kill('SIGTERM');
    await revived.exited;
  }
});
