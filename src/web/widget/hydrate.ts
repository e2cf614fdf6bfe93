/// <reference lib="dom" />
/**
 * Turns one server-rendered offer fragment into a widget: reads what the fragment says (the offer, its
 * strings, the state the page was loaded in), renders that, and wires the offer's two buttons to the flow.
 */
import type { Api } from './api';
import { accept, accepted, decline, poll } from './flow';
import { isOutcome, type Offer, type View, type Widget } from './state';
import { injectStyles } from './styles';
import { emit, transition } from './view';

/** The fragment's elements, or null when it has no status line to speak through. */
function findView(section: HTMLElement): View | null {
  const status = section.querySelector<HTMLElement>('.plusone-offer__status');
  if (!status) return null;
  return {
    section,
    accept: section.querySelector<HTMLButtonElement>('.plusone-offer__accept'),
    decline: section.querySelector<HTMLButtonElement>('.plusone-offer__decline'),
    status,
  };
}

function widgetFor(view: View, api: Api): Widget {
  const { dataset } = view.section;
  return {
    api,
    view,
    offer: {
      id: dataset.plusoneOffer ?? '',
      locale: view.section.lang || undefined,
      messages: JSON.parse(dataset.plusoneMessages || '{}') as Offer['messages'],
      acceptLabel: view.accept?.textContent ?? '',
    },
    state: { phase: 'ready', upsellId: dataset.plusoneUpsell || undefined, retryKey: null, undo: null },
  };
}

export function hydrate(section: HTMLElement, api: Api): void {
  const view = findView(section);
  if (!view) return;
  injectStyles();
  const widget = widgetFor(view, api);
  view.status.tabIndex = -1;
  resume(widget);
}

/** Carries on from the state the page was (re)loaded in, which the fragment's `data-plusone-status` says. */
function resume(widget: Widget): void {
  const { section, accept: acceptButton, decline: declineButton } = widget.view;
  const initial = section.dataset.plusoneStatus;
  const secondsLeft = section.getAttribute('data-plusone-undo-seconds-left');
  if (isOutcome(initial)) {
    // Already settled before this load: the server wrote the status; nothing to click.
    transition(widget, initial);
    return;
  }
  transition(widget, 'ready');
  if (initial === 'accepted') {
    // The time left is the server's, so a wrong clock on this device cannot stretch or cut the window.
    accepted(widget, Date.now() + Number(secondsLeft ?? 0) * 1000, true);
    return;
  }
  if (initial === 'pending') void poll(widget);
  if (!acceptButton) return;
  acceptButton.addEventListener('click', () => accept(widget));
  declineButton?.addEventListener('click', () => decline(widget));
  emit(widget, 'viewed');
}
