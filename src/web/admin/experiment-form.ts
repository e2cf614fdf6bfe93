/**
 * The new-experiment form: a name, the offer under test, its arms (id, name, weight, and what each shows:
 * a button copy and/or a rival offer; the first is the control), the holdout share and whether the winner
 * is promoted on its own — read from the posted fields, kept as typed, and turned into the body of
 * `POST /v1/experiments` or the problems to show beside each field.
 */
import type { ApiFailure, ExperimentBody } from './api';

export const MAX_ARMS = 10;

export interface ArmRow {
  readonly id: string;
  readonly name: string;
  readonly weight: string;
  readonly copy: string;
  /** A rival offer shown instead; empty for the experiment's own offer. */
  readonly offerId: string;
}

export interface ExperimentForm {
  readonly name: string;
  readonly offerId: string;
  readonly holdoutPercent: string;
  readonly autoPromote: boolean;
  readonly arms: readonly ArmRow[];
}

export interface FormProblems {
  readonly fields: Readonly<Record<string, string>>;
  readonly general: readonly string[];
}

const BLANK_ARM: ArmRow = { id: '', name: '', weight: '', copy: '', offerId: '' };

export const NEW_EXPERIMENT: ExperimentForm = {
  name: '',
  offerId: '',
  holdoutPercent: '0',
  autoPromote: false,
  arms: [
    { id: 'control', name: 'Control', weight: '1', copy: '', offerId: '' },
    { id: 'b', name: 'B', weight: '1', copy: '', offerId: '' },
  ],
};

const isBlank = (arm: ArmRow) => !arm.id && !arm.name && !arm.weight && !arm.copy && !arm.offerId;

/** The arms to draw: those filled, then blank rows up to `minimum` and at least one (while there is room). */
export function armRows(form: ExperimentForm, minimum = 3): ArmRow[] {
  const filled = form.arms.filter((arm) => !isBlank(arm));
  const rows = Math.min(MAX_ARMS, Math.max(minimum, filled.length + 1));
  return [...filled, ...Array.from({ length: rows - filled.length }, () => BLANK_ARM)];
}

export function experimentFormOf(fields: Readonly<Record<string, string>>): ExperimentForm {
  const text = (name: string) => (fields[name] ?? '').trim();
  const arms: ArmRow[] = [];
  for (let index = 0; index < MAX_ARMS; index += 1) {
    const arm = (part: keyof ArmRow) => text(`arm.${index}.${part}`);
    const row = { id: arm('id'), name: arm('name'), weight: arm('weight'), copy: arm('copy'), offerId: arm('offerId') };
    if (!isBlank(row)) arms.push(row);
  }
  return {
    name: text('name'),
    offerId: text('offerId'),
    holdoutPercent: text('holdoutPercent').replace(/\s*%$/, ''),
    autoPromote: fields.autoPromote === 'on',
    arms,
  };
}

const ARM_ID = /^[A-Za-z0-9_-]{1,50}$/;
const HOLDOUT = /^\d{1,2}(\.\d{1,2})?$/;

function readArm(arm: ArmRow, index: number, seen: Set<string>, add: (field: string, message: string) => void): ExperimentBody['arms'][number] {
  const field = (part: keyof ArmRow) => `arm.${index}.${part}`;
  if (!ARM_ID.test(arm.id)) add(field('id'), 'Give the arm an id of 1 to 50 letters, digits, - or _, such as b or short-copy.');
  else if (arm.id === 'holdout') add(field('id'), '“holdout” is the name of the orders held out: choose another id.');
  else if (seen.has(arm.id)) add(field('id'), 'Another arm has this id: give each its own.');
  seen.add(arm.id);
  if (arm.name.length > 200) add(field('name'), 'A name has at most 200 characters.');
  if (arm.weight && (!/^\d{1,5}$/.test(arm.weight) || Number(arm.weight) < 1 || Number(arm.weight) > 10_000))
    add(field('weight'), 'Enter a whole number from 1 to 10000, or leave it empty for 1.');
  if (arm.copy.length > 120) add(field('copy'), 'A button text has at most 120 characters.');
  return {
    id: arm.id,
    ...(arm.name ? { name: arm.name } : {}),
    ...(arm.weight ? { weight: Number(arm.weight) } : {}),
    ...(arm.copy ? { copy: arm.copy } : {}),
    ...(arm.offerId ? { offerId: arm.offerId } : {}),
  };
}

/** The API body of a filled form, or the problems the form itself shows. */
export function experimentBody(form: ExperimentForm): { body: ExperimentBody } | { problems: FormProblems } {
  const fields: Record<string, string> = {};
  const add = (field: string, message: string) => {
    fields[field] ??= message;
  };
  if (!form.offerId) add('offerId', 'Choose the offer to test.');
  if (form.name.length > 200) add('name', 'A name has at most 200 characters.');
  const holdout = form.holdoutPercent === '' ? 0 : HOLDOUT.test(form.holdoutPercent) ? Number(form.holdoutPercent) : null;
  if (holdout === null || holdout > 50) add('holdoutPercent', 'Enter a share from 0 to 50, such as 10 or 12.5.');
  const seen = new Set<string>();
  const arms = form.arms.map((arm, index) => readArm(arm, index, seen, add));
  const general: string[] = [];
  if (arms.length === 0) general.push('Add the arms: the first is the control.');
  else if (arms.length < 2 && !holdout) general.push('An experiment needs two arms, or one arm and a holdout.');
  if (Object.keys(fields).length > 0 || general.length > 0) return { problems: { fields, general } };
  return {
    body: {
      ...(form.name ? { name: form.name } : {}),
      offerId: form.offerId,
      arms,
      holdoutPercent: holdout ?? 0,
      ...(form.autoPromote ? { settings: { autoPromote: true } } : {}),
    },
  };
}

/** The API's refusal beside the field it names (`body.arms.1.copy: …`, `holdoutPercent is …`), or above the form. */
export function experimentProblems(failure: ApiFailure): FormProblems {
  const match = /^(?:body\.)?(arms\.(\d+)\.(\w+)|name|offerId|holdoutPercent)\b/.exec(failure.message);
  if (failure.code === 'offer_not_available' || failure.code === 'experiment_conflict') return { fields: { offerId: failure.message }, general: [] };
  if (!match) return { fields: {}, general: [failure.message] };
  const field = match[2] !== undefined ? `arm.${match[2]}.${match[3] ?? 'id'}` : (match[1] ?? '');
  return { fields: { [field]: failure.message.replace(/^[\w.]+: /, '') }, general: [] };
}
