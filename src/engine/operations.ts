/** What an operator watches (`/metrics`), read from the store. */
import { oldestDueCapture } from '../store/upsells';
import { webhookBacklog } from '../store/webhooks';
import type { EngineContext } from './context';

/** How long past its undo window the oldest authorization still waits for its capture, in seconds. */
export async function finalizerLagSeconds(ctx: EngineContext): Promise<number> {
  const now = ctx.clock.now();
  const oldest = await oldestDueCapture(ctx.db, now);
  return oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : 0;
}

/** Webhook deliveries not yet accepted by their receiver. */
export function outboxBacklog(ctx: EngineContext): Promise<number> {
  return webhookBacklog(ctx.db);
}
