/**
 * API keys: the shop's secret keys (last four characters, created, last used, revoked), a new key shown
 * once, and revoking one after a confirmation. The key the session signed in with is marked: revoking it
 * signs this session out at the next page.
 */
import { escapeHtml } from '../../../core/html';
import type { ApiKeyView } from '../api';
import { time } from '../format';
import { alertBox, csrfField, doneBox, tableRegion, type AdminPage } from '../layout';
import { settingsNav } from './settings';

export interface KeysData {
  readonly keys: readonly ApiKeyView[];
  readonly csrf: string;
  /** The key this session signed in with (by its last four), marked in the list. */
  readonly sessionLast4: string;
  readonly notice: string | null;
  readonly problem: string | null;
}

const status = (key: ApiKeyView) =>
  key.revokedAt
    ? `<span class="badge badge--off">Revoked ${escapeHtml(time(key.revokedAt))}</span>`
    : '<span class="badge badge--good">Active</span>';

export function apiKeysPage(data: KeysData): AdminPage {
  const active = data.keys.filter((key) => !key.revokedAt).length;
  const rows = data.keys
    .map((key) => {
      const mine = !key.revokedAt && key.last4 === data.sessionLast4 ? ' <span class="badge">This session</span>' : '';
      const revoke =
        key.revokedAt || active < 2
          ? ''
          : `<a class="button button--quiet button--small" href="/admin/settings/keys/${encodeURIComponent(key.id)}/revoke">Revoke <span class="visually-hidden">key ending ${escapeHtml(key.last4)}</span></a>`;
      return (
        `<tr><th scope="row"><code>sk_…${escapeHtml(key.last4)}</code>${mine}</th><td>${status(key)}</td><td>${escapeHtml(time(key.createdAt))}</td>` +
        `<td>${key.lastUsedAt ? escapeHtml(time(key.lastUsedAt)) : 'Never'}</td><td>${revoke}</td></tr>`
      );
    })
    .join('');
  const table = tableRegion(
    'API keys',
    `<table><caption>Secret keys</caption><thead><tr><th scope="col">Key</th><th scope="col">Status</th><th scope="col">Created</th>` +
      `<th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${rows}</tbody></table>`,
  );
  return {
    title: 'API keys',
    nav: 'settings',
    status: data.problem ? 400 : 200,
    body:
      `<h1>API keys</h1>${settingsNav('keys')}${doneBox(data.notice)}${data.problem ? alertBox('Not done', [data.problem]) : ''}` +
      `<p class="lead">Secret keys give full access to this shop through the API and this admin. Make a new one to rotate: ` +
      `put it in your backend, check its <strong>Last used</strong> time moves, then revoke the old one. “Last used” is exact to the minute.</p>` +
      table +
      `<form method="post" action="/admin/settings/keys">${csrfField(data.csrf)}<div class="actions"><button type="submit" class="button">Create key</button></div></form>`,
  };
}

/** The new key, in this page only: it is stored as a hash and cannot be shown again. */
export function createdKeyPage(secretKey: string, key: ApiKeyView): AdminPage {
  return {
    title: 'New API key',
    nav: 'settings',
    status: 201,
    body:
      `<h1>New API key</h1>${settingsNav('keys')}` +
      `<div class="done" role="status"><p>Key ending ${escapeHtml(key.last4)} created. Copy it now: it is shown only this once.</p></div>` +
      `<div class="field"><label for="new-key">Secret key</label><input id="new-key" type="text" readonly value="${escapeHtml(secretKey)}" ` +
      `aria-describedby="new-key-hint" spellcheck="false" autocomplete="off"><p class="hint" id="new-key-hint">Plusone keeps only its hash. ` +
      `Lost keys cannot be recovered: make another and revoke this one.</p></div>` +
      `<p><a href="/admin/settings/keys">Back to the API keys</a></p>`,
  };
}

export function revokeKeyPage(key: ApiKeyView, csrf: string, isSessionKey: boolean): AdminPage {
  const warning = isSessionKey ? ' You signed in with this key: you will be signed out and need another key to sign in again.' : '';
  return {
    title: `Revoke key ending ${key.last4}`,
    nav: 'settings',
    body:
      `<h1>Revoke key ending ${escapeHtml(key.last4)}?</h1>${settingsNav('keys')}` +
      `<p class="lead">Every request with it is refused from now on, on every Plusone node within a second. This cannot be undone.${escapeHtml(warning)}</p>` +
      `<form method="post" action="/admin/settings/keys/${encodeURIComponent(key.id)}/revoke">${csrfField(csrf)}` +
      `<div class="actions"><button type="submit" class="button button--danger">Revoke key ending ${escapeHtml(key.last4)}</button>` +
      `<a href="/admin/settings/keys">Keep it</a></div></form>`,
  };
}
