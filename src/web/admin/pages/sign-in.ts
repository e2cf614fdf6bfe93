/** The sign-in page and the pages that say something went wrong. */
import { escapeHtml } from '../../../core/html';
import { csrfField, type AdminPage } from '../layout';

export const INVALID_KEY = 'That key is not valid.';

export interface SignInState {
  readonly token: string;
  /** Said beside the field (a refused key) or above the form (a session that ended). */
  readonly problem?: string;
  readonly notice?: string;
  readonly status?: number;
}

export function signInPage({ token, problem, notice, status }: SignInState): AdminPage {
  const described = problem ? 'secret-key-hint secret-key-error' : 'secret-key-hint';
  return {
    title: 'Sign in',
    status: status ?? 200,
    body:
      `<div class="panel narrow"><h1>Sign in</h1>` +
      (notice ? `<p class="done" role="status">${escapeHtml(notice)}</p>` : '') +
      `<p class="lead">Sign in with your shop's secret key to set up offers and see what they earn.</p>` +
      `<form method="post" action="/admin/sign-in" novalidate>${csrfField(token)}` +
      `<div class="field"><label for="secret-key">Secret key</label>` +
      `<input id="secret-key" name="secretKey" type="password" autocomplete="off" spellcheck="false" autocapitalize="off" required ` +
      `aria-describedby="${described}"${problem ? ' aria-invalid="true"' : ''}>` +
      (problem ? `<p class="error" id="secret-key-error" role="alert">${escapeHtml(problem)}</p>` : '') +
      `<p class="hint" id="secret-key-hint">It starts with <code>sk_</code>. This server keeps it in its memory for your session only; ` +
      `your browser gets a session cookie, never the key.</p></div>` +
      `<button type="submit" class="button">Sign in</button></form></div>`,
  };
}

/** A page for a request that could not be done: what happened and where to go next. */
export function problemPage(status: number, heading: string, message: string, next: { href: string; label: string }): AdminPage {
  return {
    title: heading,
    status,
    body:
      `<h1>${escapeHtml(heading)}</h1><p class="lead">${escapeHtml(message)}</p>` +
      `<p><a href="${escapeHtml(next.href)}">${escapeHtml(next.label)}</a></p>`,
  };
}
