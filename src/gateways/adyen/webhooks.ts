/**
 * Adyen standard webhooks (`{ live, notificationItems: [{ NotificationRequestItem }] }`): every item's
 * `additionalData.hmacSignature` is verified with the SDK's `hmacValidator` and the merchant's HMAC key
 * before anything is read. One item that does not verify rejects the whole delivery (Adyen retries it).
 * The route must answer `[accepted]` once the notifications are stored.
 */
import adyen from '@adyen/api-library';
import type { Types } from '@adyen/api-library';
import { WebhookVerificationError, type GatewayNotification } from '../adapter';
import type { AdyenCredentials } from './credentials';
import { upsellIdFromReference } from './mapping';

type NotificationRequestItem = Types.notification.NotificationRequestItem;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The fields the HMAC covers and the mapping reads; anything else Adyen adds is passed to the validator untouched. */
function isNotificationItem(value: unknown): value is NotificationRequestItem {
  if (!isRecord(value)) return false;
  const strings = ['pspReference', 'eventCode', 'merchantAccountCode', 'merchantReference', 'success'] as const;
  if (!strings.every((field) => typeof value[field] === 'string')) return false;
  if (value.originalReference !== undefined && typeof value.originalReference !== 'string') return false;
  if (value.additionalData !== undefined && !isRecord(value.additionalData)) return false;
  const amount = value.amount;
  return isRecord(amount) && typeof amount.value === 'number' && Number.isSafeInteger(amount.value) && typeof amount.currency === 'string';
}

function items(rawBody: string): NotificationRequestItem[] {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    throw new WebhookVerificationError('The Adyen notification is not JSON');
  }
  if (!isRecord(body) || !Array.isArray(body.notificationItems) || body.notificationItems.length === 0) {
    throw new WebhookVerificationError('The Adyen notification has no notificationItems');
  }
  return body.notificationItems.map((entry: unknown) => {
    const item = isRecord(entry) ? entry.NotificationRequestItem : undefined;
    if (!isNotificationItem(item)) throw new WebhookVerificationError('An Adyen notification item is malformed');
    return item;
  });
}

function verified(item: NotificationRequestItem, hmacKey: string): boolean {
  try {
    return new adyen.hmacValidator().validateHMAC(item, hmacKey);
  } catch {
    // The validator throws when `hmacSignature` is missing.
    return false;
  }
}

type Kind = GatewayNotification['kind'];

function kindOf(eventCode: string, success: boolean, additionalData: Readonly<Record<string, string | undefined>>): Kind {
  switch (eventCode) {
    // A reversal ("cancel or refund"): Adyen says which it was in `modification.action`.
    case 'CANCEL_OR_REFUND':
      if (additionalData['modification.action'] === 'cancel') return success ? 'voided' : 'void_failed';
      return success ? 'refunded' : 'refund_failed';
    case 'AUTHORISATION':
      return success ? 'authorized' : 'authorization_failed';
    case 'CAPTURE':
      return success ? 'captured' : 'capture_failed';
    case 'CAPTURE_FAILED':
      return 'capture_failed';
    case 'CANCELLATION':
      return success ? 'voided' : 'void_failed';
    case 'REFUND':
      return success ? 'refunded' : 'refund_failed';
    case 'REFUND_FAILED':
      return 'refund_failed';
    default:
      return 'ignored';
  }
}

function toNotification(item: NotificationRequestItem, merchantAccount: string): GatewayNotification {
  const additionalData = item.additionalData ?? {};
  const ownAccount = item.merchantAccountCode === merchantAccount;
  return {
    eventId: `${item.pspReference}:${item.eventCode}`,
    // Modifications carry their own pspReference; the payment's is `originalReference`.
    ref: item.originalReference || item.pspReference,
    upsellId: additionalData['metadata.upsell_id'] ?? upsellIdFromReference(item.merchantReference || null),
    // A company-level webhook also delivers other merchant accounts' events: not this shop's.
    kind: ownAccount ? kindOf(item.eventCode, String(item.success) === 'true', additionalData) : 'ignored',
    pspType: item.eventCode,
  };
}

export function parseAdyenWebhook(
  rawBody: string,
  _headers: Readonly<Record<string, string | undefined>>,
  credentials: AdyenCredentials,
): GatewayNotification[] {
  const hmacKey = credentials.hmacKey;
  if (hmacKey === null) throw new WebhookVerificationError('No Adyen HMAC key is configured for this shop');
  const received = items(rawBody);
  if (!received.every((item) => verified(item, hmacKey))) {
    throw new WebhookVerificationError('An Adyen notification item failed HMAC verification');
  }
  return received.map((item) => toNotification(item, credentials.merchantAccount));
}
