/**
 * One experiment (`GET /v1/experiments/{id}`): the always-valid verdict in words, every arm's views,
 * take rate, undo rate and revenue per view with their intervals, each challenger's difference with the
 * control and its always-valid p-value, the holdout's measured lift; and the confirmations of stopping
 * the experiment and of promoting an arm, which change what buyers see.
 */
import { escapeHtml } from '../../../core/html';
import type { ArmStatisticsView, ExperimentReport, ExperimentView, IntervalView, OfferView, StatisticsView } from '../api';
import { count, money, percent, time, words } from '../format';
import { csrfField, doneBox, tableRegion, type AdminPage } from '../layout';
import { armShows, trafficShares } from './experiments';

/** A share with its always-valid interval: "12.0% (8.1% – 16.3%)". */
export function intervalPercent(interval: IntervalView): string {
  const one = (value: number) => percent(Math.max(0, Math.min(1, value)));
  return `${one(interval.estimate)} (${one(interval.lower ?? 0)} – ${one(interval.upper ?? 1)})`;
}

const pointsFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1, signDisplay: 'exceptZero' });

/** A difference of shares in percentage points with its interval: "+2.1 points (−0.5 to +4.7)". */
export function intervalPoints(interval: IntervalView): string {
  const points = (value: number) => pointsFormat.format(value * 100);
  if (interval.lower === null || interval.upper === null) return `${points(interval.estimate)} points (no interval yet)`;
  return `${points(interval.estimate)} points (${points(interval.lower)} to ${points(interval.upper)})`;
}

/** Revenue per view is an average of minor units; shown rounded to the minor unit, with its interval. */
function intervalMoney(interval: IntervalView, currency: string): string {
  const one = (value: number) => money(Math.round(value), currency);
  if (interval.lower === null || interval.upper === null) return `${one(interval.estimate)} (no interval yet)`;
  return `${one(interval.estimate)} (${one(interval.lower)} – ${one(interval.upper)})`;
}

const REASONS: Readonly<Record<string, string>> = {
  minimum_sample: 'Not enough views yet: every arm needs its minimum number of views before any verdict, however the numbers look.',
  significant: 'This arm’s take rate is higher than the control’s, and the interval of the difference lies entirely above zero.',
  control_best: 'The control’s take rate is higher than every challenger’s: every interval of the difference lies below zero.',
  undo_guardrail: 'An arm looks better but is undone clearly more often, so no winner is declared.',
  equivalent: 'Every difference lies within the equivalence margin: too small to matter.',
  max_sample: 'Every arm reached the maximum number of views without a winner.',
  inconclusive: 'No clear difference yet: keep it running.',
};

function verdictBox(experiment: ExperimentView, statistics: StatisticsView): string {
  const winner = experiment.arms.find((arm) => arm.id === statistics.winnerArmId);
  const headline =
    statistics.verdict === 'winner'
      ? `Winner: ${winner?.name ?? statistics.winnerArmId ?? ''}`
      : statistics.verdict === 'no_difference'
        ? 'No difference'
        : 'Keep running';
  const confidence =
    statistics.alpha === undefined ? '' : ` Intervals are always-valid at ${percent(1 - statistics.alpha)}: looking again never inflates the error.`;
  return (
    `<div class="panel verdict"><p class="verdict__headline"><strong>${escapeHtml(headline)}</strong></p>` +
    `<p>${escapeHtml(REASONS[statistics.reason] ?? words(statistics.reason))}${escapeHtml(confidence)}</p></div>`
  );
}

function armRow(
  experiment: ExperimentView,
  statistics: StatisticsView,
  arm: ArmStatisticsView,
  context: { share: number; offers: ReadonlyMap<string, string> },
) {
  const definition = experiment.arms.find((candidate) => candidate.id === arm.armId);
  const control = arm.armId === (statistics.controlArmId ?? experiment.arms[0]?.id);
  const comparison = statistics.comparisons?.find((candidate) => candidate.armId === arm.armId);
  const difference = control
    ? 'Control'
    : comparison
      ? `${intervalPoints(comparison.difference)}; p = ${comparison.alwaysValidPValue.toPrecision(2)}`
      : '—';
  const revenue = arm.revenue.map((entry) => escapeHtml(intervalMoney(entry.revenuePerView, entry.currency))).join('<br>') || '—';
  const flags = [
    statistics.winnerArmId === arm.armId ? ' <span class="badge badge--good">winner</span>' : '',
    experiment.winnerArmId === arm.armId ? ' <span class="badge badge--good">promoted</span>' : '',
    arm.guardrailBreached ? ' <span class="badge badge--bad">undo guardrail</span>' : '',
  ].join('');
  return (
    `<tr><th scope="row">${escapeHtml(arm.name)}${flags}<br><span class="note">${escapeHtml(arm.armId)}</span></th>` +
    `<td class="shows">${escapeHtml(definition ? armShows(definition, context.offers) : '—')}</td><td class="num">${escapeHtml(percent(context.share))}</td>` +
    `<td class="num">${count(arm.views)}</td><td class="num">${count(arm.accepts - arm.undos)}</td>` +
    `<td>${escapeHtml(intervalPercent(arm.takeRate))}</td><td>${escapeHtml(difference)}</td>` +
    `<td>${escapeHtml(intervalPercent(arm.undoRate))}</td><td>${revenue}</td></tr>`
  );
}

function armsTable(experiment: ExperimentView, statistics: StatisticsView, offers: ReadonlyMap<string, string>): string {
  const shares = trafficShares(
    experiment.arms.map((arm) => arm.weight ?? 1),
    experiment.holdoutPercent,
  );
  const rows = (statistics.arms ?? [])
    .map((arm) => armRow(experiment, statistics, arm, { share: shares[experiment.arms.findIndex((a) => a.id === arm.armId)] ?? 0, offers }))
    .join('');
  return tableRegion(
    'Arms',
    `<table><caption>Arms, with always-valid intervals</caption><thead><tr><th scope="col">Arm</th><th scope="col">Shows</th>` +
      `<th scope="col" class="num">Traffic</th><th scope="col" class="num">Views</th><th scope="col" class="num">Kept accepts</th>` +
      `<th scope="col">Take rate (interval)</th><th scope="col">Difference with the control</th><th scope="col">Undo rate (interval)</th>` +
      `<th scope="col">Revenue per view (interval)</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

function holdoutSection(experiment: ExperimentView, statistics: StatisticsView): string {
  if (experiment.holdoutPercent === 0 || !statistics.holdout) return '';
  const rows = statistics.holdout.incremental
    .map(
      (entry) =>
        `<tr><th scope="row">${escapeHtml(entry.currency)}</th><td class="num">${count(entry.treatmentOrders ?? 0)}</td>` +
        `<td class="num">${count(entry.holdoutOrders ?? 0)}</td>` +
        `<td>${entry.incrementalRevenuePerOrder ? escapeHtml(intervalMoney(entry.incrementalRevenuePerOrder, entry.currency)) : '—'}</td>` +
        `<td class="num">${escapeHtml(percent(entry.aovLift))}</td></tr>`,
    )
    .join('');
  const table = rows
    ? tableRegion(
        'Holdout',
        `<table><caption>Against the holdout, per currency</caption><thead><tr><th scope="col">Currency</th><th scope="col" class="num">Orders in arms</th>` +
          `<th scope="col" class="num">Orders held out</th><th scope="col">Upsell revenue per order (interval)</th><th scope="col" class="num">AOV lift</th>` +
          `</tr></thead><tbody>${rows}</tbody></table>`,
      )
    : '<p>No orders yet.</p>';
  return `<h2>Holdout</h2><p>${escapeHtml(percent(experiment.holdoutPercent / 100))} of the orders see no offer: ${count(statistics.holdout.orders)} so far.</p>${table}`;
}

function actions(experiment: ExperimentView, statistics: StatisticsView): string {
  const id = encodeURIComponent(experiment.id);
  const promote =
    experiment.status === 'running'
      ? experiment.arms
          .map((arm) => {
            const winner = statistics.winnerArmId === arm.id;
            return (
              `<form method="get" action="/admin/experiments/${id}/promote"><input type="hidden" name="armId" value="${escapeHtml(arm.id)}">` +
              `<button type="submit" class="button ${winner ? '' : 'button--quiet '}button--small">Promote ${escapeHtml(arm.name ?? arm.id)}</button></form>`
            );
          })
          .join('')
      : '';
  const stop =
    experiment.status === 'stopped'
      ? ''
      : `<form method="get" action="/admin/experiments/${id}/stop"><button type="submit" class="button button--danger button--small">Stop experiment</button></form>`;
  return promote || stop ? `<h2>Change it</h2><div class="actions">${promote}${stop}</div>` : '';
}

function facts(experiment: ExperimentView, offers: ReadonlyMap<string, string>): string {
  const entries: Array<[string, string]> = [
    ['Offer under test', offers.get(experiment.offerId) ?? experiment.offerId],
    ['Status', words(experiment.status)],
    ['Holdout', experiment.holdoutPercent > 0 ? `${experiment.holdoutPercent}% of orders` : 'None'],
    ...(experiment.createdAt ? [['Started', time(experiment.createdAt)] as [string, string]] : []),
    ...(experiment.endedAt ? [['Ended', time(experiment.endedAt)] as [string, string]] : []),
    ...(experiment.winnerArmId
      ? [['Promoted arm', experiment.arms.find((arm) => arm.id === experiment.winnerArmId)?.name ?? experiment.winnerArmId] as [string, string]]
      : []),
  ];
  return `<dl class="facts">${entries.map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>`;
}

export function experimentPage(report: ExperimentReport, offers: readonly OfferView[], done: string | null): AdminPage {
  const { experiment, statistics } = report;
  const names = new Map(offers.map((offer) => [offer.id, offer.name]));
  const name = experiment.name ?? experiment.id;
  return {
    title: name,
    nav: 'experiments',
    body:
      `<p><a href="/admin/experiments">All experiments</a></p><h1>${escapeHtml(name)}</h1>${doneBox(done)}` +
      `<div class="panel">${facts(experiment, names)}</div><h2>Verdict</h2>${verdictBox(experiment, statistics)}` +
      armsTable(experiment, statistics, names) +
      `<p class="note">Take rate: accepts kept (not undone) per view. The difference with the control is in percentage points; its p-value is ` +
      `always-valid, so it may be read at any time. Revenue per view is net of undos and refunds, per currency.</p>` +
      holdoutSection(experiment, statistics) +
      actions(experiment, statistics),
  };
}

/** Stopping: every order then sees the offer as without an experiment. */
export function stopExperimentPage(experiment: ExperimentView, offers: readonly OfferView[], csrf: string): AdminPage {
  const offer = offers.find((candidate) => candidate.id === experiment.offerId)?.name ?? experiment.offerId;
  const name = experiment.name ?? experiment.id;
  const id = encodeURIComponent(experiment.id);
  return {
    title: `Stop ${name}`,
    nav: 'experiments',
    body:
      `<p><a href="/admin/experiments/${id}">${escapeHtml(name)}</a></p><h1>Stop “${escapeHtml(name)}”?</h1>` +
      `<p class="lead">From now on every order that gets “${escapeHtml(offer)}” sees it as without an experiment: its own button copy, ` +
      `nobody held out${experiment.status === 'completed' ? ', and the promoted arm no longer applies' : ''}. The numbers so far stay on this page.</p>` +
      `<form method="post" action="/admin/experiments/${id}/stop" class="actions">${csrfField(csrf)}` +
      `<button type="submit" class="button button--danger">Stop experiment</button><a href="/admin/experiments/${id}">Keep it running</a></form>`,
  };
}

/** Promoting an arm: every later order gets it, and the experiment ends. */
export function promoteArmPage(report: ExperimentReport, armId: string, offers: readonly OfferView[], csrf: string): AdminPage {
  const { experiment, statistics } = report;
  const names = new Map(offers.map((offer) => [offer.id, offer.name]));
  const arm = experiment.arms.find((candidate) => candidate.id === armId);
  const armLabel = arm?.name ?? armId;
  const name = experiment.name ?? experiment.id;
  const id = encodeURIComponent(experiment.id);
  const warning =
    statistics.winnerArmId === armId
      ? `<p>The verdict names this arm the winner.</p>`
      : `<div class="alert" role="alert"><p>The verdict does not name this arm the winner (${escapeHtml(words(statistics.verdict))}): ` +
        `promoting it now is your decision, not the data’s.</p></div>`;
  return {
    title: `Promote ${armLabel}`,
    nav: 'experiments',
    body:
      `<p><a href="/admin/experiments/${id}">${escapeHtml(name)}</a></p><h1>Promote “${escapeHtml(armLabel)}”?</h1>${warning}` +
      `<p class="lead">From now on every order that gets “${escapeHtml(names.get(experiment.offerId) ?? experiment.offerId)}” sees ` +
      `${escapeHtml(arm ? armShows(arm, names) : armId)}, and nobody is held out. The experiment ends: its numbers stay as they are now.</p>` +
      `<form method="post" action="/admin/experiments/${id}/promote" class="actions">${csrfField(csrf)}` +
      `<input type="hidden" name="armId" value="${escapeHtml(armId)}">` +
      `<button type="submit" class="button">Promote ${escapeHtml(armLabel)}</button><a href="/admin/experiments/${id}">Not now</a></form>`,
  };
}
