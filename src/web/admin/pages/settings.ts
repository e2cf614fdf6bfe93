/**
 * Settings, read-only in this version: what the API gives, with a plain word that changing them from
 * here comes later (the API can do it today).
 */
import { escapeHtml } from '../../../core/html';
import type { ShopView } from '../api';
import { time } from '../format';
import type { AdminPage } from '../layout';

const SETTING_LABELS: Readonly<Record<string, string>> = {
  undoWindowSeconds: 'Undo window (seconds)',
  captureMode: 'Capture mode',
  orderStrategy: 'Order strategy',
  sessionTtlSeconds: 'Buyer session lifetime (seconds)',
  allowedOrigins: 'Allowed origins',
  gateway: 'Payment gateway',
  gatewayCredentials: 'Gateway credentials',
  webhookUrl: 'Webhook URL',
  defaultLocale: 'Default locale',
  shopify: 'Shopify app',
};

/** A setting's value as text: lists joined, objects as `name: value` pairs (secrets arrive masked from the API). */
function valueText(value: unknown): string {
  if (value === null || value === undefined) return 'Not set';
  if (typeof value === 'string') return value === '' ? 'Not set' : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'None' : value.map(valueText).join(', ');
  if (typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length === 0 ? 'None' : entries.map(([name, inner]) => `${name}: ${valueText(inner)}`).join('; ');
  }
  return 'Not shown';
}

export function settingsPage(shop: ShopView): AdminPage {
  const entries: Array<[string, string]> = [
    ['Shop name', shop.name],
    ['Shop id', shop.id],
    ['Created', time(shop.createdAt)],
    ...Object.entries(shop.settings).map(([name, value]): [string, string] => [SETTING_LABELS[name] ?? name, valueText(value)]),
  ];
  return {
    title: 'Settings',
    nav: 'settings',
    body:
      `<h1>Settings</h1><p class="lead">Your shop's settings as the API reports them; secrets are shown masked, as the API masks them. ` +
      `This page is read-only for now; editing here comes later (the API does it today: <code>PATCH /v1/shop</code>).</p>` +
      `<div class="panel"><dl class="facts">${entries.map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl></div>`,
  };
}
