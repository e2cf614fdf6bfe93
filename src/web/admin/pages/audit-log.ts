/**
 * The audit log: every change made to the shop through the API or this admin, newest first — when, who
 * (the key, and whether through the admin), what, on what, and what was sent (secrets arrive masked from
 * the API) — a page at a time by the API's cursor, optionally for one target.
 */
import { escapeHtml } from '../../../core/html';
import type { AuditEntryView } from '../api';
import { time } from '../format';
import { tableRegion, type AdminPage } from '../layout';
import { settingsNav } from './settings';

const ACTIONS: Readonly<Record<string, string>> = {
  'shop.created': 'Shop created',
  'shop.updated': 'Settings changed',
  'api_key.created': 'API key created',
  'api_key.revoked': 'API key revoked',
  'product.saved': 'Product saved',
  'product.deleted': 'Product deleted',
  'offer.created': 'Offer created',
  'offer.updated': 'Offer changed',
  'offer.deleted': 'Offer deleted',
  'experiment.created': 'Experiment started',
  'experiment.stopped': 'Experiment stopped',
  'experiment.promoted': 'Arm promoted',
  'upsell.refunded': 'Upsell refunded',
};

/** An action in words: the known ones named, any other as its code ("webhook_event.resent" → "webhook event resent"). */
export function actionText(action: string): string {
  return ACTIONS[action] ?? action.replaceAll('_', ' ').replace('.', ' ');
}

function who(entry: AuditEntryView): string {
  const actor = entry.actor.type === 'api_key' ? `Key …${entry.actor.last4}` : 'The operator';
  return entry.via === 'admin' ? `${actor}, in the admin` : `${actor}, through the API`;
}

/** `settings.undoWindowSeconds: 45; settings.allowedOrigins: https://a.example` — the change as flat text, cut at 400 characters. */
export function changeText(changes: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  const walk = (prefix: string, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
      for (const [name, inner] of Object.entries(value)) walk(prefix ? `${prefix}.${name}` : name, inner);
      return;
    }
    const shown = value === null ? 'removed' : typeof value === 'string' ? value : JSON.stringify(value);
    parts.push(`${prefix}: ${shown}`);
  };
  walk('', changes);
  const joined = parts.join('; ');
  return joined.length > 400 ? `${joined.slice(0, 399)}…` : joined || '—';
}

function targetCell(entry: AuditEntryView): string {
  const id = escapeHtml(entry.target.id);
  const href =
    entry.target.type === 'offer' && entry.action !== 'offer.deleted'
      ? `/admin/offers/${encodeURIComponent(entry.target.id)}`
      : entry.target.type === 'experiment'
        ? `/admin/experiments/${encodeURIComponent(entry.target.id)}`
        : null;
  const label = `${escapeHtml(entry.target.type.replaceAll('_', ' '))} <code>${id}</code>`;
  return href ? `<a href="${href}">${label}</a>` : label;
}

export interface AuditData {
  readonly entries: readonly AuditEntryView[];
  readonly nextCursor: string | null;
  readonly targetId: string | null;
  /** True on a page after the first (a link back to the newest). */
  readonly paged: boolean;
}

export function auditLogPage(data: AuditData): AdminPage {
  const rows = data.entries
    .map(
      (entry) =>
        `<tr><td>${escapeHtml(time(entry.at))}</td><td>${escapeHtml(who(entry))}</td><th scope="row">${escapeHtml(actionText(entry.action))}</th>` +
        `<td>${targetCell(entry)}</td><td>${escapeHtml(changeText(entry.changes))}</td></tr>`,
    )
    .join('');
  const table =
    data.entries.length === 0
      ? '<p>No changes recorded yet.</p>'
      : tableRegion(
          'Audit log',
          `<table><caption>Changes, newest first</caption><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th>` +
            `<th scope="col">On</th><th scope="col">Change</th></tr></thead><tbody>${rows}</tbody></table>`,
        );
  const target = data.targetId ? `&targetId=${encodeURIComponent(data.targetId)}` : '';
  const pager =
    `<p class="pager">${data.paged ? `<a href="/admin/settings/audit${data.targetId ? `?targetId=${encodeURIComponent(data.targetId)}` : ''}">Newest changes</a>` : ''}` +
    `${data.nextCursor ? `<a href="/admin/settings/audit?cursor=${encodeURIComponent(data.nextCursor)}${target}">Older changes</a>` : ''}</p>`;
  const filter = data.targetId
    ? `<p>Only changes to <code>${escapeHtml(data.targetId)}</code>. <a href="/admin/settings/audit">Show every change</a></p>`
    : '';
  return {
    title: 'Audit log',
    nav: 'settings',
    body:
      `<h1>Audit log</h1>${settingsNav('audit')}` +
      `<p class="lead">Every change made to this shop — in this admin or straight through the API — with the key that made it. ` +
      `Secrets are never recorded (shown as •••). Orders and what buyers do are on each order’s page instead.</p>` +
      filter +
      table +
      pager,
  };
}
