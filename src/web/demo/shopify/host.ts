/// <reference lib="dom" />
/**
 * The fake Shopify host of the post-purchase page, served bundled as `/demo/shopify/host.js`. It does what
 * Shopify's checkout does for a post-purchase extension, in the page itself instead of a sandboxed worker:
 * defines `self.shopify.extend`, loads the extension's script, runs `ShouldRender` with `{ inputData,
 * storage }`, and when it says so renders `Render` through remote-ui into the page (`RemoteReceiver` +
 * `RemoteRenderer`, components from `host-components.ts`). `calculateChangeset` / `applyChangeset` go to
 * the demo server, which asks the fake Shopify; `done()` goes on to the thank-you page.
 *
 * The page hands over its data as JSON in `<script type="application/json" id="shopify-host-data">`.
 */
import { createElement as h } from 'react';
import { render } from 'react-dom';
import { createRemoteReceiver, createRemoteRoot, type RemoteRoot } from '@remote-ui/core';
import { createController, RemoteRenderer } from '@remote-ui/react/host';
import * as ui from '@shopify/post-purchase-ui-extensions';
import type { ExtensionPoints, ShopifyGlobal } from '@shopify/post-purchase-ui-extensions';
import { HOST_COMPONENTS } from './host-components';
import type { ApplyChangesetResult, CalculateChangesetResult, HostData, RenderApi, ShouldRenderApi } from './types';

type RenderPoint = ExtensionPoints['Checkout::PostPurchase::Render'];
type ShouldRenderPoint = ExtensionPoints['Checkout::PostPurchase::ShouldRender'];
type AllowedComponents = Parameters<RenderPoint>[0] extends RemoteRoot<infer Components, true> ? Components : never;

/** Every component the library defines, each of which `HOST_COMPONENTS` renders. */
const COMPONENT_TYPES: AllowedComponents[] = [
  ui.Banner,
  ui.BlockStack,
  ui.Bookend,
  ui.Button,
  ui.ButtonGroup,
  ui.BuyerConsent,
  ui.CalloutBanner,
  ui.Checkbox,
  ui.Form,
  ui.FormLayout,
  ui.FormLayoutGroup,
  ui.Heading,
  ui.HeadingGroup,
  ui.HiddenForAccessibility,
  ui.Image,
  ui.InlineStack,
  ui.Layout,
  ui.Link,
  ui.Radio,
  ui.Select,
  ui.Separator,
  ui.Spinner,
  ui.Text,
  ui.TextBlock,
  ui.TextContainer,
  ui.TextField,
  ui.Tiles,
  ui.View,
  ui.VisuallyHidden,
];

const registered: Partial<ExtensionPoints> = {};

const shopifyGlobal: ShopifyGlobal = {
  extend(point, callback) {
    registered[point] = callback;
  },
  reload() {
    location.reload();
  },
};

function readHostData(): HostData {
  const element = document.getElementById('shopify-host-data');
  if (!element?.textContent) throw new Error('the page carries no host data');
  return JSON.parse(element.textContent) as HostData;
}

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.appendChild(script);
  });
}

/** The extension's storage, kept per purchase in sessionStorage: `initialData` as it was when the point started. */
function storageFor(referenceId: string): ShouldRenderApi['storage'] {
  const key = `plusone-demo-shopify-storage:${referenceId}`;
  const saved = sessionStorage.getItem(key);
  return {
    initialData: saved === null ? undefined : (JSON.parse(saved) as unknown),
    update: async (data: unknown) => sessionStorage.setItem(key, JSON.stringify(data)),
  };
}

/** A POST to the demo server, which answers what the fake Shopify answered; a failure rejects, as Shopify's host does. */
async function post<T>(url: string, csrf: string, body: object): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-plusone-demo-csrf': csrf },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`Shopify answered ${response.status}`);
  return (await response.json()) as T;
}

function leave(data: HostData): void {
  location.replace(data.thankYouUrl);
}

function renderApi(data: HostData): RenderApi {
  return {
    extensionPoint: 'Checkout::PostPurchase::Render',
    version: 'unstable',
    locale: data.inputData.locale,
    inputData: data.inputData,
    storage: storageFor(data.referenceId),
    calculateChangeset: (changeset) => post<CalculateChangesetResult>(data.calculateUrl, data.csrf, { changeset }),
    applyChangeset: (changeset) => post<ApplyChangesetResult>(data.applyUrl, data.csrf, { token: changeset }),
    done: async () => {
      sessionStorage.removeItem(`plusone-demo-shopify-storage:${data.referenceId}`);
      location.assign(data.thankYouUrl);
    },
  };
}

function mount(renderPoint: RenderPoint, data: HostData): void {
  const target = document.getElementById('shopify-extension');
  const loading = document.getElementById('shopify-extension-loading');
  if (!target) throw new Error('the page has no place for the extension');
  const receiver = createRemoteReceiver();
  receiver.on('mount', () => loading?.remove());
  const controller = createController(HOST_COMPONENTS);
  render(h(RemoteRenderer, { receiver, controller }), target);
  const root = createRemoteRoot<AllowedComponents>(receiver.receive, { components: COMPONENT_TYPES });
  renderPoint(root, renderApi(data));
}

async function run(): Promise<void> {
  const data = readHostData();
  Reflect.set(self, 'shopify', shopifyGlobal);
  await loadScript(data.extensionUrl);
  const shouldRender: ShouldRenderPoint | undefined = registered['Checkout::PostPurchase::ShouldRender'];
  const renderPoint: RenderPoint | undefined = registered['Checkout::PostPurchase::Render'];
  if (!shouldRender || !renderPoint) return leave(data);
  const api: ShouldRenderApi = {
    extensionPoint: 'Checkout::PostPurchase::ShouldRender',
    version: 'unstable',
    locale: data.inputData.locale,
    inputData: data.inputData,
    storage: storageFor(data.referenceId),
  };
  const { render: show } = await shouldRender(api);
  if (!show) return leave(data);
  mount(renderPoint, data);
}

run().catch((error: unknown) => {
  // Shopify skips a failing extension: the buyer goes on to the thank-you page.
  console.error('post-purchase extension failed', error);
  try {
    leave(readHostData());
  } catch {
    document.getElementById('shopify-extension-loading')?.replaceChildren('The offer could not be shown.');
  }
});
