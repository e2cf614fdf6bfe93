/**
 * Experiments: the list with each verdict, the new-experiment form and its confirmation (it changes what
 * buyers see), an experiment's page with the always-valid verdict and every arm's intervals, and the
 * confirmations of stopping it and of promoting an arm.
 */
import { escapeHtml } from '../../../core/html';
import type { ExperimentView, OfferView, StatisticsView } from '../api';
import { armRows, type ArmRow, type ExperimentForm, type FormProblems } from '../experiment-form';
import { percent, words } from '../format';
import { alertBox, csrfField, tableRegion, type AdminPage } from '../layout';

export interface ExperimentRow {
  readonly experiment: ExperimentView;
  /** Null when the report could not be read (the row says so). */
  readonly statistics: StatisticsView | null;
}

const armName = (experiment: ExperimentView, id: string | null) => {
  const arm = experiment.arms.find((candidate) => candidate.id === id);
  return arm?.name ?? id ?? '';
};

export function verdictText(experiment: ExperimentView, statistics: StatisticsView | null): string {
  if (!statistics) return 'Not available';
  const winner = statistics.winnerArmId ? ` — ${armName(experiment, statistics.winnerArmId)}` : '';
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
        `<tr><th scope="row"><a href="/admin/experiments/${encodeURIComponent(experiment.id)}">${escapeHtml(experiment.name ?? experiment.id)}</a></th>` +
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
      `looking early never produces a false winner. Open one by its name for every arm's numbers, to stop it or to promote an arm.</p>` +
      `<p class="actions"><a class="button" href="/admin/experiments/new">New experiment</a></p>${table}`,
  };
}

/** The form's pieces share the problems and the offers. */
interface FormContext {
  readonly form: ExperimentForm;
  readonly offers: readonly OfferView[];
  readonly problems: FormProblems;
}

const fieldId = (field: string) => `experiment-${field.replaceAll('.', '-')}`;

function field(context: FormContext, name: string, label: string, hint: string | null, input: (attributes: string) => string): string {
  const id = fieldId(name);
  const problem = context.problems.fields[name];
  const describedBy = [hint ? `${id}-hint` : null, problem ? `${id}-error` : null].filter(Boolean).join(' ');
  const attributes = `id="${id}" name="${escapeHtml(name)}"${describedBy ? ` aria-describedby="${describedBy}"` : ''}${problem ? ' aria-invalid="true"' : ''}`;
  return (
    `<div class="field"><label for="${id}">${label}</label>` +
    (problem ? `<p class="error" id="${id}-error">${escapeHtml(problem)}</p>` : '') +
    input(attributes) +
    (hint ? `<p class="hint" id="${id}-hint">${hint}</p>` : '') +
    `</div>`
  );
}

const text =
  (value: string, extra = '') =>
  (attributes: string) =>
    `<input ${attributes} type="text" value="${escapeHtml(value)}"${extra}>`;

function offerOptions(offers: readonly OfferView[], chosen: string, empty: string): string {
  return (
    `<option value="">${escapeHtml(empty)}</option>` +
    offers
      .map((offer) => `<option value="${escapeHtml(offer.id)}"${offer.id === chosen ? ' selected' : ''}>${escapeHtml(offer.name)}</option>`)
      .join('')
  );
}

function armFieldset(context: FormContext, arm: ArmRow, index: number): string {
  const name = (part: keyof ArmRow) => `arm.${index}.${part}`;
  const legend = index === 0 ? 'Arm 1 — the control' : `Arm ${index + 1}`;
  return (
    `<fieldset class="group arm"><legend>${legend}</legend><div class="columns">` +
    field(
      context,
      name('id'),
      `Arm ${index + 1} id`,
      index === 0 ? 'Such as control.' : 'Such as b. Leave the row empty for no arm.',
      text(arm.id, ' maxlength="50" autocomplete="off"'),
    ) +
    field(
      context,
      name('name'),
      `Arm ${index + 1} label`,
      'How reports call it (the id when empty).',
      text(arm.name, ' maxlength="200" autocomplete="off"'),
    ) +
    field(
      context,
      name('weight'),
      `Arm ${index + 1} weight`,
      'Its share of traffic against the others’ (1 when empty).',
      text(arm.weight, ' inputmode="numeric" autocomplete="off"'),
    ) +
    `</div>` +
    field(
      context,
      name('copy'),
      `Arm ${index + 1} button text`,
      'Replaces the offer’s button copy; <code>{price}</code> becomes the charge. Empty: the offer’s own copy.',
      text(arm.copy, ' maxlength="120" autocomplete="off"'),
    ) +
    field(
      context,
      name('offerId'),
      `Arm ${index + 1} offer`,
      'A rival offer shown instead, for this arm only.',
      (attributes) => `<select ${attributes}>${offerOptions(context.offers, arm.offerId, 'The offer under test')}</select>`,
    ) +
    `</fieldset>`
  );
}

export function newExperimentPage(form: ExperimentForm, offers: readonly OfferView[], csrf: string, problems: FormProblems): AdminPage {
  const context: FormContext = { form, offers, problems };
  const summary = [...Object.values(problems.fields), ...problems.general];
  return {
    title: 'New experiment',
    nav: 'experiments',
    status: summary.length > 0 ? 400 : 200,
    body:
      `<p><a href="/admin/experiments">All experiments</a></p><h1>New experiment</h1>` +
      alertBox('The experiment was not started', summary) +
      `<p class="lead">Orders that get the offer under test are split between the arms by their weights; the holdout sees no offer ` +
      `at all, which measures what the offer really adds. You confirm on the next page before anything starts.</p>` +
      `<form class="panel" method="post" action="/admin/experiments" novalidate>${csrfField(csrf)}<input type="hidden" name="step" value="review">` +
      field(context, 'name', 'Experiment name', 'For you (such as “Mug: shorter button”).', text(form.name, ' maxlength="200" autocomplete="off"')) +
      field(
        context,
        'offerId',
        'Offer under test',
        'The experiment runs on orders the decision gives this offer.',
        (attributes) => `<select ${attributes} required>${offerOptions(offers, form.offerId, 'Choose an offer')}</select>`,
      ) +
      field(
        context,
        'holdoutPercent',
        'Holdout (% of orders shown no offer)',
        'From 0 to 50, such as 10. 0: no holdout.',
        text(form.holdoutPercent, ' inputmode="decimal" autocomplete="off"'),
      ) +
      `<div class="field field--check"><input id="experiment-autoPromote" name="autoPromote" type="checkbox"${form.autoPromote ? ' checked' : ''} aria-describedby="experiment-autoPromote-hint">` +
      `<label for="experiment-autoPromote">Promote the winner on its own</label><p class="hint" id="experiment-autoPromote-hint">Once the verdict names a winner, every order gets it.</p></div>` +
      armRows(form)
        .map((arm, index) => armFieldset(context, arm, index))
        .join('') +
      `<p class="hint">Up to 10 arms: review with the empty row filled and the form comes back with another.</p>` +
      `<div class="actions"><button type="submit" class="button">Review the experiment</button><a href="/admin/experiments">Cancel</a></div></form>`,
  };
}

/** Every field of the form again, hidden, for the confirmation's two buttons. */
function hiddenForm(form: ExperimentForm): string {
  const hidden = (name: string, value: string) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
  return (
    hidden('name', form.name) +
    hidden('offerId', form.offerId) +
    hidden('holdoutPercent', form.holdoutPercent) +
    (form.autoPromote ? hidden('autoPromote', 'on') : '') +
    form.arms
      .map((arm, index) => (['id', 'name', 'weight', 'copy', 'offerId'] as const).map((part) => hidden(`arm.${index}.${part}`, arm[part])).join(''))
      .join('')
  );
}

/** What an arm shows: its copy, its rival offer, or the offer as it is. */
export function armShows(arm: { copy?: string; offerId?: string }, offers: ReadonlyMap<string, string>): string {
  const parts = [arm.offerId ? `the offer “${offers.get(arm.offerId) ?? arm.offerId}”` : null, arm.copy ? `the button “${arm.copy}”` : null].filter(
    Boolean,
  );
  return parts.length > 0 ? parts.join(' with ') : 'the offer as it is';
}

/** Each arm's share of all orders that get the offer, the holdout's taken out first. */
export function trafficShares(weights: readonly number[], holdoutPercent: number): number[] {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  return weights.map((weight) => (total === 0 ? 0 : ((100 - holdoutPercent) / 100) * (weight / total)));
}

export function confirmExperimentPage(form: ExperimentForm, offers: readonly OfferView[], csrf: string): AdminPage {
  const names = new Map(offers.map((offer) => [offer.id, offer.name]));
  const holdout = Number(form.holdoutPercent || '0');
  const shares = trafficShares(
    form.arms.map((arm) => Number(arm.weight || '1')),
    holdout,
  );
  const items = form.arms
    .map(
      (arm, index) =>
        `<li><strong>${escapeHtml(arm.name || arm.id)}</strong>${index === 0 ? ' (control)' : ''}: ${escapeHtml(percent(shares[index] ?? 0))} of the orders see ` +
        `${escapeHtml(armShows({ ...(arm.copy ? { copy: arm.copy } : {}), ...(arm.offerId ? { offerId: arm.offerId } : {}) }, names))}.</li>`,
    )
    .join('');
  const held = holdout > 0 ? `<li><strong>Holdout</strong>: ${escapeHtml(percent(holdout / 100))} of the orders see no offer.</li>` : '';
  return {
    title: 'Start the experiment?',
    nav: 'experiments',
    body:
      `<p><a href="/admin/experiments">All experiments</a></p><h1>Start the experiment?</h1>` +
      `<div class="panel"><p>From now on, orders that get <strong>${escapeHtml(names.get(form.offerId) ?? form.offerId)}</strong> are split:</p>` +
      `<ul>${items}${held}</ul>` +
      (form.autoPromote ? '<p>The winner is promoted on its own once the verdict names one.</p>' : '') +
      `<form method="post" action="/admin/experiments" class="actions">${csrfField(csrf)}${hiddenForm(form)}` +
      `<button type="submit" class="button" name="step" value="start">Start experiment</button>` +
      `<button type="submit" class="button button--quiet" name="step" value="edit">Change it</button></form></div>`,
  };
}
