/**
 * Settings: the shop's settings in one page of small forms, each saved on its own through
 * `PATCH /v1/shop` (how upsells behave, the webhook URL and its test event, the payment gateway and each
 * PSP's credentials, the Shopify app), plus the API keys and the audit log on their own pages (the
 * sub-navigation links them). Secrets are never shown back: only what the API shows, masked.
 */
import { escapeHtml } from '../../../core/html';
import type { ShopView } from '../api';
import { time } from '../format';
import { alertBox, csrfField, doneBox, type AdminPage } from '../layout';
import { CREDENTIAL_FIELDS, GATEWAY_NAMES, REAL_GATEWAYS, type CredentialField, type RealGateway, type SettingsSection } from '../settings-form';

/** A section's refused form: its problems beside the fields, the API's refusal above them, what was typed. */
export interface SectionProblem {
  readonly section: SettingsSection;
  /** For `credentials`: which PSP's form. */
  readonly gateway?: RealGateway;
  readonly fields: Readonly<Record<string, string>>;
  readonly problems: Readonly<Record<string, string>>;
  readonly message: string | null;
  /** The answer's status (the API's: 400, 409, 503…). */
  readonly status: number;
}

/** What the last test event's delivery came to. */
export interface TestDelivery {
  readonly url: string;
  readonly ok: boolean;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly durationMs: number;
}

export interface SettingsData {
  readonly shop: ShopView;
  readonly csrf: string;
  readonly notice: string | null;
  readonly problem?: SectionProblem;
  readonly testDelivery?: TestDelivery;
  /** Why the test event could not be sent at all (no URL). */
  readonly testProblem?: string;
}

type Settings = Record<string, unknown>;

const SUBNAV = [
  { key: 'settings', label: 'Shop settings', href: '/admin/settings' },
  { key: 'keys', label: 'API keys', href: '/admin/settings/keys' },
  { key: 'audit', label: 'Audit log', href: '/admin/settings/audit' },
] as const;

/** The links between the settings pages, the current one marked. */
export function settingsNav(current: (typeof SUBNAV)[number]['key']): string {
  const items = SUBNAV.map(
    (item) => `<li><a href="${item.href}"${item.key === current ? ' aria-current="page"' : ''}>${escapeHtml(item.label)}</a></li>`,
  ).join('');
  return `<nav class="subnav" aria-label="Settings pages"><ul>${items}</ul></nav>`;
}

const text = (value: unknown) => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '');

interface FieldOptions {
  readonly id: string;
  readonly name: string;
  readonly label: string;
  readonly value: string;
  readonly hint?: string;
  readonly problem?: string;
  readonly type?: 'text' | 'password' | 'url' | 'number';
  readonly extra?: string;
}

/** `aria-describedby` naming the field's hint and error (each only when there is one), and `aria-invalid` with an error. */
function described(options: { id: string; hint?: string | undefined; problem?: string | undefined }): string {
  const ids = [options.hint ? `${options.id}-hint` : null, options.problem ? `${options.id}-error` : null].filter(Boolean).join(' ');
  return `${ids ? ` aria-describedby="${ids}"` : ''}${options.problem ? ' aria-invalid="true"' : ''}`;
}

function fieldWrap(options: { id: string; label: string; hint?: string | undefined; problem?: string | undefined }, control: string): string {
  return (
    `<div class="field"><label for="${options.id}">${escapeHtml(options.label)}</label>` +
    (options.problem ? `<p class="error" id="${options.id}-error">${escapeHtml(options.problem)}</p>` : '') +
    control +
    (options.hint ? `<p class="hint" id="${options.id}-hint">${escapeHtml(options.hint)}</p>` : '') +
    `</div>`
  );
}

function input(options: FieldOptions): string {
  const control =
    `<input id="${options.id}" name="${escapeHtml(options.name)}" type="${options.type ?? 'text'}" value="${escapeHtml(options.value)}"` +
    `${described(options)}${options.extra ?? ''}>`;
  return fieldWrap(options, control);
}

function radios(name: string, legend: string, chosen: string, choices: ReadonlyArray<{ value: string; label: string }>, problem?: string): string {
  const id = `settings-${name}`;
  const items = choices
    .map(
      (choice) =>
        `<label class="choice"><input type="radio" name="${name}" value="${escapeHtml(choice.value)}"${choice.value === chosen ? ' checked' : ''}>` +
        `${escapeHtml(choice.label)}</label>`,
    )
    .join('');
  return (
    `<fieldset class="group"${problem ? ` aria-describedby="${id}-error"` : ''}><legend>${escapeHtml(legend)}</legend>` +
    (problem ? `<p class="error" id="${id}-error">${escapeHtml(problem)}</p>` : '') +
    `<div class="choices">${items}</div></fieldset>`
  );
}

/** The section's own problems when it is the one that was refused. */
function problemsOf(data: SettingsData, section: SettingsSection, gateway?: RealGateway): SectionProblem | null {
  const problem = data.problem;
  if (!problem || problem.section !== section) return null;
  if (section === 'credentials' && problem.gateway !== gateway) return null;
  return problem;
}

/** The value a field shows: what was typed when its form was refused, else the saved one. */
function shown(problem: SectionProblem | null, name: string, saved: string): string {
  return problem ? (problem.fields[name] ?? '') : saved;
}

function refusal(problem: SectionProblem | null): string {
  if (!problem) return '';
  const lines = problem.message ? [problem.message] : ['Check the fields marked below.'];
  return alertBox('Not saved', lines);
}

function section(id: string, heading: string, lead: string, body: string): string {
  return `<section class="panel" aria-labelledby="${id}"><h2 id="${id}">${escapeHtml(heading)}</h2><p class="note">${lead}</p>${body}</section>`;
}

function checkoutSection(data: SettingsData, settings: Settings): string {
  const problem = problemsOf(data, 'checkout');
  const value = (name: string) =>
    shown(problem, name, name === 'allowedOrigins' ? ((settings.allowedOrigins as string[] | undefined) ?? []).join('\n') : text(settings[name]));
  const origins = value('allowedOrigins');
  const originsId = 'settings-allowedOrigins';
  const form =
    `<form method="post" action="/admin/settings/checkout">${csrfField(data.csrf)}${refusal(problem)}<div class="columns">` +
    input({
      id: 'settings-undoWindowSeconds',
      name: 'undoWindowSeconds',
      label: 'Undo window (seconds)',
      value: value('undoWindowSeconds'),
      type: 'number',
      hint: 'How long the buyer can take the upsell back with one click: 5 to 3600.',
      extra: ' min="5" max="3600" inputmode="numeric"',
      ...(problem?.problems.undoWindowSeconds ? { problem: problem.problems.undoWindowSeconds } : {}),
    }) +
    input({
      id: 'settings-sessionTtlSeconds',
      name: 'sessionTtlSeconds',
      label: 'Offer lifetime (seconds)',
      value: value('sessionTtlSeconds'),
      type: 'number',
      hint: 'How long after the order the confirmation page may still show the offer.',
      extra: ' min="60" max="604800" inputmode="numeric"',
      ...(problem?.problems.sessionTtlSeconds ? { problem: problem.problems.sessionTtlSeconds } : {}),
    }) +
    input({
      id: 'settings-defaultLocale',
      name: 'defaultLocale',
      label: 'Default locale',
      value: value('defaultLocale'),
      hint: 'For orders that name no language: en-US, de-DE, fr-FR… (buyers read English, German or French).',
      extra: ' autocomplete="off"',
      ...(problem?.problems.defaultLocale ? { problem: problem.problems.defaultLocale } : {}),
    }) +
    `</div>` +
    radios(
      'captureMode',
      'Capture mode',
      value('captureMode'),
      [
        { value: 'after_window', label: 'After the undo window (an undo is a void: the buyer is never charged)' },
        { value: 'immediate', label: 'At once (an undo is a refund)' },
      ],
      problem?.problems.captureMode,
    ) +
    radios(
      'orderStrategy',
      'Order strategy',
      value('orderStrategy'),
      [
        { value: 'update_original', label: 'Add the item to the original order' },
        { value: 'linked_order', label: 'Create a linked order for it' },
      ],
      problem?.problems.orderStrategy,
    ) +
    fieldWrap(
      {
        id: originsId,
        label: 'Allowed origins',
        hint: 'One per line, such as https://shop.example.com: the sites whose pages may show the offer (CORS).',
        problem: problem?.problems.allowedOrigins,
      },
      `<textarea id="${originsId}" name="allowedOrigins" rows="3"${described({ id: originsId, hint: 'with a hint', problem: problem?.problems.allowedOrigins })}>${escapeHtml(origins)}</textarea>`,
    ) +
    `<div class="actions"><button type="submit" class="button">Save settings</button></div></form>`;
  return section(
    'settings-checkout',
    'How upsells behave',
    'Changes apply to orders registered from now on, on every Plusone node within a second.',
    form,
  );
}

function testResult(data: SettingsData): string {
  if (data.testProblem) return `<div class="alert" role="alert"><p>${escapeHtml(data.testProblem)}</p></div>`;
  const delivery = data.testDelivery;
  if (!delivery) return '';
  const answered = delivery.statusCode === null ? 'no answer' : `HTTP ${delivery.statusCode}`;
  const detail = `${answered} in ${delivery.durationMs} ms from ${delivery.url}`;
  return delivery.ok
    ? `<div class="done" role="status"><p><strong>Test event delivered:</strong> ${escapeHtml(detail)}.</p></div>`
    : `<div class="alert" role="alert"><p><strong>Test event not delivered:</strong> ${escapeHtml(detail)}${delivery.error ? ` — ${escapeHtml(delivery.error)}` : ''}.</p></div>`;
}

function webhookSection(data: SettingsData, settings: Settings): string {
  const problem = problemsOf(data, 'webhook');
  const save =
    `<form method="post" action="/admin/settings/webhook">${csrfField(data.csrf)}${refusal(problem)}` +
    input({
      id: 'settings-webhookUrl',
      name: 'webhookUrl',
      label: 'Webhook URL',
      value: shown(problem, 'webhookUrl', text(settings.webhookUrl)),
      type: 'url',
      hint: 'Where Plusone posts signed events (upsell.accepted, upsell.captured, …). Empty sends none.',
      extra: ' autocomplete="off" maxlength="2000"',
      ...(problem?.problems.webhookUrl ? { problem: problem.problems.webhookUrl } : {}),
    }) +
    `<div class="actions"><button type="submit" class="button">Save webhook URL</button></div></form>`;
  const test =
    `<form method="post" action="/admin/settings/webhook/test">${csrfField(data.csrf)}` +
    `<div class="actions"><button type="submit" class="button button--quiet">Send test event</button>` +
    `<span class="note">Posts a signed <code>webhook.test</code> event to the saved URL now and shows what it answered.</span></div></form>`;
  return section(
    'settings-webhooks',
    'Webhooks',
    'Each event is signed with your webhook secret (Plusone-Signature) and retried until your endpoint answers 2xx.',
    save + testResult(data) + test,
  );
}

function savedCredentials(view: Readonly<Record<string, string>> | undefined): string {
  if (!view) return 'Not set.';
  return `Saved: ${Object.entries(view)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ')}.`;
}

function credentialInput(
  gateway: RealGateway,
  field: CredentialField,
  saved: Readonly<Record<string, string>> | undefined,
  problem: SectionProblem | null,
): string {
  const id = `credentials-${gateway}-${field.name}`;
  const label = `${GATEWAY_NAMES[gateway]} ${field.label.charAt(0).toLowerCase()}${field.label.slice(1)}`;
  const fieldProblem = problem?.problems[field.name];
  const hint = [field.hint, field.required ? null : 'Optional.'].filter(Boolean).join(' ');
  if (field.choices) {
    const chosen = shown(problem, field.name, saved?.[field.name] ?? field.choices[0] ?? '');
    const options = field.choices.map((choice) => `<option value="${choice}"${choice === chosen ? ' selected' : ''}>${choice}</option>`).join('');
    return fieldWrap(
      { id, label, hint, problem: fieldProblem },
      `<select id="${id}" name="${field.name}"${described({ id, hint, problem: fieldProblem })}>${options}</select>`,
    );
  }
  // A secret is never shown back, not even masked in the field: the form sends what is typed.
  const value = field.secret ? '' : shown(problem, field.name, saved?.[field.name] ?? '');
  return input({
    id,
    name: field.name,
    label,
    value,
    type: field.secret ? 'password' : 'text',
    hint,
    extra: ' autocomplete="off" spellcheck="false"',
    ...(fieldProblem ? { problem: fieldProblem } : {}),
  });
}

function credentialsForm(data: SettingsData, gateway: RealGateway, saved: Readonly<Record<string, string>> | undefined): string {
  const problem = problemsOf(data, 'credentials', gateway);
  const name = GATEWAY_NAMES[gateway];
  const fields = CREDENTIAL_FIELDS[gateway].map((field) => credentialInput(gateway, field, saved, problem)).join('');
  const remove = saved
    ? `<form method="post" action="/admin/settings/credentials/${gateway}/remove">${csrfField(data.csrf)}` +
      `<button type="submit" class="button button--quiet button--small">Remove ${name} credentials</button></form>`
    : '';
  return (
    `<details class="credentials"${problem ? ' open' : ''}><summary>${escapeHtml(name)} credentials — ${escapeHtml(saved ? 'saved' : 'not set')}</summary>` +
    `<p class="note">${escapeHtml(savedCredentials(saved))} Saving replaces them all, so type every secret again; ${escapeHtml(name)} is asked whether they work before they are saved.</p>` +
    `<form method="post" action="/admin/settings/credentials/${gateway}">${csrfField(data.csrf)}${refusal(problem)}${fields}` +
    `<div class="actions"><button type="submit" class="button">Save and check ${escapeHtml(name)} credentials</button></div></form>${remove}</details>`
  );
}

function gatewaySection(data: SettingsData, settings: Settings): string {
  const problem = problemsOf(data, 'gateway');
  const credentials = (settings.gatewayCredentials ?? {}) as Record<string, Record<string, string> | undefined>;
  const chosen = shown(problem, 'gateway', text(settings.gateway));
  const options = Object.entries(GATEWAY_NAMES)
    .map(([value, label]) => `<option value="${value}"${value === chosen ? ' selected' : ''}>${escapeHtml(label)}</option>`)
    .join('');
  const id = 'settings-gateway';
  const fieldProblem = problem?.problems.gateway;
  const choose =
    `<form method="post" action="/admin/settings/gateway">${csrfField(data.csrf)}${refusal(problem)}` +
    fieldWrap(
      {
        id,
        label: 'Payment gateway',
        hint: 'Upsells are charged through it, with the buyer’s saved payment method. A real PSP needs its credentials below first.',
        problem: fieldProblem,
      },
      `<select id="${id}" name="gateway"${described({ id, hint: 'with a hint', problem: fieldProblem })}>${options}</select>`,
    ) +
    `<div class="actions"><button type="submit" class="button">Save gateway</button></div></form>`;
  const forms = REAL_GATEWAYS.map((gateway) => credentialsForm(data, gateway, credentials[gateway])).join('');
  return section('settings-gateway-heading', 'Payment gateway', 'Credentials are sealed at rest and never shown again in clear.', choose + forms);
}

function shopifySection(data: SettingsData, settings: Settings): string {
  const problem = problemsOf(data, 'shopify');
  const app = settings.shopify as
    { shopDomain: string; apiKey: string; apiSecret: string; adminAccessToken: string | null; installed: boolean } | null | undefined;
  const status = app
    ? `Connected to ${app.shopDomain}${app.installed ? '' : ' (uninstalled on Shopify: set it again after reinstalling)'}; client secret ${app.apiSecret}` +
      `${app.adminAccessToken ? `, Admin API token ${app.adminAccessToken}` : ', no Admin API token (buyers cannot undo)'}.`
    : 'Not connected. Fill this in if your shop runs on Shopify with Plusone’s post-purchase extension (docs/shopify.md).';
  const p = (name: string) => problem?.problems[name];
  const opt = (name: string) => (p(name) ? { problem: p(name) as string } : {});
  const form =
    `<form method="post" action="/admin/settings/shopify">${csrfField(data.csrf)}${refusal(problem)}<div class="columns">` +
    input({
      id: 'shopify-shopDomain',
      name: 'shopDomain',
      label: 'Shopify store domain',
      value: shown(problem, 'shopDomain', app?.shopDomain ?? ''),
      hint: 'Such as acme.myshopify.com',
      extra: ' autocomplete="off" spellcheck="false"',
      ...opt('shopDomain'),
    }) +
    input({
      id: 'shopify-apiKey',
      name: 'apiKey',
      label: 'Shopify app client ID',
      value: shown(problem, 'apiKey', app?.apiKey ?? ''),
      extra: ' autocomplete="off" spellcheck="false"',
      ...opt('apiKey'),
    }) +
    input({
      id: 'shopify-apiSecret',
      name: 'apiSecret',
      label: 'Shopify app client secret',
      value: '',
      type: 'password',
      hint: app ? 'Leave empty to keep the saved one.' : 'Signs the extension’s requests.',
      extra: ' autocomplete="off"',
      ...opt('apiSecret'),
    }) +
    input({
      id: 'shopify-adminAccessToken',
      name: 'adminAccessToken',
      label: 'Shopify Admin API access token',
      value: '',
      type: 'password',
      hint: app?.adminAccessToken ? 'Leave empty to keep the saved one.' : 'Optional; without it buyers cannot undo on Shopify.',
      extra: ' autocomplete="off"',
      ...opt('adminAccessToken'),
    }) +
    `</div>` +
    (app?.adminAccessToken
      ? `<div class="field field--check"><input id="shopify-removeToken" name="removeAdminAccessToken" type="checkbox"><label for="shopify-removeToken">Remove the Admin API access token</label></div>`
      : '') +
    `<div class="actions"><button type="submit" class="button">Save Shopify app</button></div></form>`;
  const remove = app
    ? `<form method="post" action="/admin/settings/shopify/remove">${csrfField(data.csrf)}<button type="submit" class="button button--quiet button--small">Disconnect Shopify</button></form>`
    : '';
  return section('settings-shopify', 'Shopify app', escapeHtml(status), form + remove);
}

export function settingsPage(data: SettingsData): AdminPage {
  const { shop } = data;
  const settings = shop.settings as Settings;
  const facts: Array<[string, string]> = [
    ['Shop name', shop.name],
    ['Shop id', shop.id],
    ['Created', time(shop.createdAt)],
  ];
  return {
    title: 'Settings',
    nav: 'settings',
    status: data.problem?.status ?? 200,
    body:
      `<h1>Settings</h1>${settingsNav('settings')}${doneBox(data.notice)}` +
      `<div class="panel"><dl class="facts">${facts.map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl></div>` +
      checkoutSection(data, settings) +
      webhookSection(data, settings) +
      gatewaySection(data, settings) +
      shopifySection(data, settings) +
      `<p class="note">Every change here is made through the API with your key and kept in the <a href="/admin/settings/audit">audit log</a>.</p>`,
  };
}
