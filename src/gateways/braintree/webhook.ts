/**
 * Braintree webhooks, read synchronously: `GatewayAdapter.parseWebhook` is synchronous, while the SDK's
 * `webhookNotification.parse` returns a Promise (it parses with xml2js). So this file does the two things
 * that method does, the same way: it checks `bt_signature` — pairs `publicKey|hex` joined by `&`, the hex
 * being HMAC-SHA1 keyed with SHA1(privateKey) over `bt_payload` (with or without its trailing newline) —
 * and only then reads the Base64 XML in `bt_payload`. The contract test proves the SDK's own
 * `webhookTesting.sampleNotification` output verifies here, and the fake's notifications verify in the SDK.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookVerificationError, type GatewayNotification } from '../adapter';
import type { BraintreeCredentials } from './credentials';

interface XmlElement {
  readonly name: string;
  readonly children: XmlElement[];
  text: string;
}

const TOKEN =
  /<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>|<\/([\w.:-]+)\s*>|<([\w.:-]+)(?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(\/?)>|([^<]+)/y;
const ENTITY = /&(?:#(\d+)|#x([0-9a-fA-F]+)|(amp|lt|gt|quot|apos));/g;
const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(ENTITY, (_, decimal?: string, hex?: string, name?: string) =>
    name ? (NAMED[name] ?? '') : String.fromCodePoint(decimal ? Number(decimal) : Number.parseInt(hex ?? '0', 16)),
  );
}

/** A small strict reader for the notification XML (elements and text; attributes are not needed). */
function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#root', children: [], text: '' };
  const open: XmlElement[] = [root];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < xml.length) {
    const match = TOKEN.exec(xml);
    if (!match) throw new WebhookVerificationError('bt_payload is not well-formed XML');
    const [, cdata, closing, opening, selfClosing, text] = match;
    const current = open.at(-1) ?? root;
    if (opening) {
      const element: XmlElement = { name: opening, children: [], text: '' };
      current.children.push(element);
      if (!selfClosing) open.push(element);
    } else if (closing) {
      if (current.name !== closing) throw new WebhookVerificationError('bt_payload is not well-formed XML');
      open.pop();
    } else if (cdata !== undefined) {
      current.text += cdata;
    } else if (text !== undefined) {
      current.text += decodeEntities(text);
    }
  }
  const [document] = root.children;
  if (open.length !== 1 || !document) throw new WebhookVerificationError('bt_payload is not well-formed XML');
  return document;
}

function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((candidate) => candidate.name === name);
}

function textOf(element: XmlElement | undefined, name: string): string | null {
  const found = child(element, name);
  const text = found?.text.trim();
  return text ? text : null;
}

function sha1Hmac(privateKey: string, payload: string): Buffer {
  const key = createHash('sha1').update(privateKey, 'binary').digest();
  return createHmac('sha1', key).update(payload, 'binary').digest();
}

function verifySignature(signature: string, payload: string, credentials: BraintreeCredentials): void {
  const ours = signature
    .split('&')
    .map((pair) => pair.split('|'))
    .find(([publicKey]) => publicKey === credentials.publicKey);
  const hex = ours?.[1];
  if (!hex || !/^[0-9a-f]{40}$/.test(hex)) throw new WebhookVerificationError('bt_signature has no signature for this public key');
  const given = Buffer.from(hex, 'hex');
  const matches = [payload, `${payload}\n`].some((signed) => timingSafeEqual(given, sha1Hmac(credentials.privateKey, signed)));
  if (!matches) throw new WebhookVerificationError('bt_signature does not match bt_payload');
}

/** What a Braintree notification kind means for an upsell; everything else is `ignored`. */
function kindOf(pspType: string): GatewayNotification['kind'] {
  switch (pspType) {
    case 'transaction_settled':
      return 'captured';
    case 'transaction_settlement_declined':
      return 'capture_failed';
    default:
      return 'ignored';
  }
}

/** Our upsell id from the transaction's `orderId`, which carries the engine's key (`ups_123:authorize`). */
function upsellIdOf(orderId: string | null): string | null {
  if (!orderId) return null;
  const [upsellId] = orderId.split(':');
  return upsellId && upsellId !== orderId ? upsellId : null;
}

/** Reads the `application/x-www-form-urlencoded` body Braintree posts; throws when it does not verify. */
export function parseBraintreeWebhook(rawBody: string, credentials: BraintreeCredentials): GatewayNotification[] {
  const form = new URLSearchParams(rawBody);
  const signature = form.get('bt_signature');
  const payload = form.get('bt_payload');
  if (!signature || !payload) throw new WebhookVerificationError('bt_signature and bt_payload are required');
  if (/[^A-Za-z0-9+=/\n]/.test(payload)) throw new WebhookVerificationError('bt_payload contains characters outside Base64');
  verifySignature(signature, payload, credentials);

  const notification = parseXml(Buffer.from(payload, 'base64').toString('utf8'));
  if (notification.name !== 'notification') throw new WebhookVerificationError('bt_payload is not a notification');
  const pspType = textOf(notification, 'kind') ?? 'unknown';
  const timestamp = textOf(notification, 'timestamp') ?? '';
  const transaction = child(child(notification, 'subject'), 'transaction');
  const ref = textOf(transaction, 'id');
  if (!ref) return [{ eventId: `${pspType}:${timestamp}`, ref: '', upsellId: null, kind: 'ignored', pspType }];
  return [{ eventId: `${pspType}:${ref}:${timestamp}`, ref, upsellId: upsellIdOf(textOf(transaction, 'order-id')), kind: kindOf(pspType), pspType }];
}
