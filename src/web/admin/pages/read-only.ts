/**
 * Experiments and Settings, read-only in this version: what the API gives, with a plain word that
 * changing them from here comes later (the API can do it today).
 */
import { escapeHtml } from '../../../core/html';
import type { ExperimentView, OfferView, ShopView, StatisticsView } from '../api';
import { percent, time, words } from '../format';
import { tableRegion, type AdminPage } from '../layout';

export interface ExperimentRow {
  readonly experiment: ExperimentView;
  /** Null when the report could not be read (the row says so). */
  readonly statistics: StatisticsView | null;
}

function verdictText(experiment: ExperimentView, statistics: StatisticsView | null): string {
  if (!statistics) return 'Not available';
  const arm = (id: string | null) => experiment.arms.find((candidate) => candidate.id === id);
  const winner = statistics.winnerArmId ? ` — ${arm(statistics.winnerArmId)?.name ?? statistics.winnerArmId}` : '';
  return `${words(statistics.verdict)}${winner} (${words(statistics.reason)})`;
}

function holdoutText(experiment: ExperimentView, statistics: StatisticsView | null): string {
  if (experiment.holdoutPercent === 0) return 'No holdout';
  const lifts = (statistics?.holdout?.incremental ?? []).map((entry) => `${entry.currency} ${percent(entry.aovLift)}`);
  return lifts.length > 0 ? lifts.join(', ') : `Not measured yet (${experiment.holdoutPercent}% held out)`;
}

export function experimentsPage(rows: readonly ExperimentRow[], offers: readonly OfferView[]): AdminPage {
  const offerName = new Map(offers.map((offer) => [offer.id, offer.name]));
  const body = rows
    .map(
      ({ experiment, statistics }) =>
        `<tr><th scope="row">${escapeHtml(experiment.name ?? experiment.id)}</th>` +
        `<td>${escapeHtml(offerName.get(experiment.offerId) ?? experiment.offerId)}</td>` +
        `<td>${escapeHtml(words(experiment.status))}</td><td>${escapeHtml(verdictText(experiment, statistics))}</td>` +
        `<td>${escapeHtml(holdoutText(experiment, statistics))}</td></tr>`,
    )
    .join('');
  const table =
    rows.length === 0
      ? '<p>No experiments yet.</p>'
      : tableRegion(
          'Experiments',
          `<table><caption>Experiments</caption><thead><tr><th scope="col">Name</th><th scope="col">Offer</th><th scope="col">Status</th>` +
            `<th scope="col">Verdict</th><th scope="col">AOV lift against the holdout</th></tr></thead><tbody>${body}</tbody></table>`,
        );
  return {
    title: 'Experiments',
    nav: 'experiments',
    body:
      `<h1>Experiments</h1><p class="lead">A/B tests of an offer's button copy or of competing offers, with an always-valid verdict: ` +
      `looking early never produces a false winner. This page is read-only for now; starting, stopping and promoting experiments ` +
      `here comes later (the API does it today: <code>POST /v1/experiments</code>).</p>${table}`,
  };
}

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
