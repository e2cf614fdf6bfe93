/// <reference lib="dom" />
/**
 * The buyer-facing widget, served bundled as `/widget.js`. It finds every `[data-plusone-session]`
 * wrapper, fetches the offer fragment when the merchant's server did not render it, and turns the
 * fragment's buttons into the one-click flow: accept (3-D Secure in a dialog, polling while the PSP is
 * slow), undo within the shop's window, and "no thanks". No framework, and no strings of its own: the
 * fragment carries them in the offer's language (`data-plusone-messages`), money already formatted.
 *
 * The parts: `hydrate.ts` reads a fragment into one widget (`state.ts`: the offer, its elements and its
 * state), `flow.ts` holds the steps that change that state, `undo.ts` the undo and `authenticate.ts` the
 * bank's 3-D Secure step; `view.ts` renders, `api.ts` talks to the checkout API.
 */
import { createApi, readAnswer } from './api';
import { hydrate } from './hydrate';
import { scriptOrigin } from './page';

async function mount(wrapper: HTMLElement): Promise<void> {
  const token = wrapper.dataset.plusoneSession;
  // A second copy of the script on the page must not hydrate the same offer twice.
  if (!token || wrapper.dataset.plusoneMounted !== undefined) return;
  wrapper.dataset.plusoneMounted = '';
  const api = createApi(wrapper.dataset.plusoneApi ? new URL(wrapper.dataset.plusoneApi).origin : scriptOrigin, token);
  let section = wrapper.querySelector<HTMLElement>('.plusone-offer');
  if (!section) {
    const response = await api.request('GET', '/v1/checkout/offer.html').catch(() => null);
    if (response?.status === 204) return;
    if (!response?.ok) {
      const answer = response ? await readAnswer(response) : {};
      wrapper.dispatchEvent(new CustomEvent('plusone:error', { bubbles: true, detail: { code: answer.error?.code ?? 'network_error' } }));
      return;
    }
    // Plusone's own server-rendered fragment, every text in it escaped there.
    wrapper.innerHTML = await response.text();
    section = wrapper.querySelector<HTMLElement>('.plusone-offer');
  }
  if (section) hydrate(section, api);
}

function start(): void {
  document.querySelectorAll<HTMLElement>('[data-plusone-session]').forEach((wrapper) => void mount(wrapper));
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
