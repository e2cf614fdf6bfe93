/**
 * Shopify's post-purchase sandbox, faked faithfully enough to run the built bundle: a `self.shopify`
 * whose `extend` records what the bundle registers, the `api` each extension point gets (input data,
 * storage, changesets, `done`), a `fetch` that answers for Plusone, and a real `@remote-ui/core` root
 * rendering into a receiver, read back as a tree of components, props and text.
 *
 * Every call the extension makes (to Plusone, to Shopify's api) lands in one ordered `log`.
 */
import {
  KIND_COMPONENT,
  KIND_TEXT,
  createRemoteReceiver,
  createRemoteRoot,
  type RemoteReceiver,
  type RemoteReceiverAttachableChild,
  type RemoteReceiverAttachableComponent,
} from '@remote-ui/core';
import * as library from '@shopify/post-purchase-ui-extensions';
import type { ExtensionPoints, PostPurchaseRenderApi, PostPurchaseShouldRenderApi } from '@shopify/post-purchase-ui-extensions';
import { API_BASE, CALCULATED, PROCESSED, inputData, type ApplyResult, type CalculateResult, type InputData } from './fixtures';

export type LogEntry = { call: string; body?: unknown; args?: unknown[] };

/** What Plusone answers for a route: a JSON body with a status, a network failure, or a pending answer. */
export type Answer =
  { status: number; body: unknown } | { status: number; text: string } | 'network' | Promise<{ status: number; body: unknown } | 'network'>;
type Route = (body: unknown) => Answer;

export interface Sandbox {
  log: LogEntry[];
  routes: Record<string, Route | undefined>;
  shouldRender: ExtensionPoints['Checkout::PostPurchase::ShouldRender'];
  render: ExtensionPoints['Checkout::PostPurchase::Render'];
  points: string[];
}

function respond(answer: Exclude<Answer, Promise<unknown>>): Response {
  if (answer === 'network') throw new TypeError('Failed to fetch');
  if ('text' in answer) return new Response(answer.text, { status: answer.status, headers: { 'Content-Type': 'application/json' } });
  return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'Content-Type': 'application/json' } });
}

/** A `fetch` for Plusone's routes under `base`, checking each request is the JSON POST the routes take. */
function fakeFetch(sandbox: Pick<Sandbox, 'log' | 'routes'>, base: string): typeof fetch {
  return async (input, init) => {
    const url = String(input);
    if (!url.startsWith(`${base}/v1/shopify/`)) throw new Error(`unexpected request to ${url}`);
    const path = url.slice(base.length);
    if (init?.method !== 'POST') throw new Error(`${path}: expected POST, got ${init?.method}`);
    const headers = new Headers(init.headers);
    if (headers.get('content-type') !== 'application/json' || headers.has('authorization')) throw new Error(`${path}: bad headers`);
    const body: unknown = JSON.parse(String(init.body));
    sandbox.log.push({ call: path, body });
    const route = sandbox.routes[path];
    if (!route) throw new Error(`no route for ${path}`);
    return respond(await route(body));
  };
}

/** Runs the bundle as Shopify's sandbox does: a classic script with `self.shopify` and `fetch` as globals. */
export function loadBundle(code: string, options: { base?: string } = {}): Sandbox {
  const registered = new Map<string, unknown>();
  const partial = { log: [] as LogEntry[], routes: {} as Sandbox['routes'] };
  const self = {
    shopify: {
      extend(point: string, callback: unknown) {
        registered.set(point, callback);
      },
      reload() {},
    },
  };
  // The sandbox is a worker, not Node: no `process` (the bundler must have written its values in).
  new Function('self', 'fetch', 'process', code)(self, fakeFetch(partial, options.base ?? API_BASE), undefined);
  return {
    ...partial,
    shouldRender: registered.get('Checkout::PostPurchase::ShouldRender') as Sandbox['shouldRender'],
    render: registered.get('Checkout::PostPurchase::Render') as Sandbox['render'],
    points: [...registered.keys()],
  };
}

/** The api ShouldRender gets; `storage.update` is logged. */
export function shouldRenderApi(sandbox: Sandbox, data: InputData = inputData({ extensionPoint: 'Checkout::PostPurchase::ShouldRender' })) {
  const api: PostPurchaseShouldRenderApi = {
    extensionPoint: 'Checkout::PostPurchase::ShouldRender',
    locale: data.locale,
    version: 'unstable',
    inputData: data,
    storage: {
      initialData: undefined,
      update: async (stored: unknown) => {
        sandbox.log.push({ call: 'storage.update', args: [stored] });
      },
    },
  };
  return api;
}

export interface ShopifyAnswers {
  calculate?: () => Promise<CalculateResult>;
  apply?: () => Promise<ApplyResult>;
}

/** The api Render gets, with `storage.initialData` = what ShouldRender stored; Shopify's calls are logged. */
export function renderApi(sandbox: Sandbox, initialData: unknown, answers: ShopifyAnswers = {}, data: InputData = inputData()) {
  const api: PostPurchaseRenderApi = {
    extensionPoint: 'Checkout::PostPurchase::Render',
    locale: data.locale,
    version: 'unstable',
    inputData: data,
    storage: { initialData, update: async () => {} },
    calculateChangeset: async (...args) => {
      sandbox.log.push({ call: 'calculateChangeset', args });
      return (answers.calculate ?? (async () => CALCULATED))();
    },
    applyChangeset: async (...args) => {
      sandbox.log.push({ call: 'applyChangeset', args });
      return (answers.apply ?? (async () => PROCESSED))();
    },
    done: async () => {
      sandbox.log.push({ call: 'done' });
    },
  };
  return api;
}

/** The component names Shopify's host knows: the library's, so an unknown one fails like it would there. */
const COMPONENTS = Object.entries(library)
  .filter(([, value]) => typeof value === 'string')
  .map(([name]) => name);

export interface Node {
  type: string;
  props: Record<string, unknown>;
  children: (Node | string)[];
}

function toNode(child: RemoteReceiverAttachableChild): Node | string {
  if (child.kind === KIND_TEXT) return child.text;
  if (child.kind !== KIND_COMPONENT) throw new Error('unexpected node');
  const component = child as RemoteReceiverAttachableComponent;
  return { type: component.type, props: component.props as Record<string, unknown>, children: component.children.map(toNode) };
}

export function textOf(node: Node | string): string {
  return typeof node === 'string' ? node : node.children.map(textOf).join('');
}

function walk(nodes: (Node | string)[], found: Node[] = []): Node[] {
  for (const node of nodes) {
    if (typeof node === 'string') continue;
    found.push(node);
    walk(node.children, found);
  }
  return found;
}

/** The rendered page, as the host receives it. */
export class Page {
  constructor(private readonly receiver: RemoteReceiver) {}

  get nodes(): Node[] {
    return walk(this.receiver.attached.root.children.map(toNode));
  }

  get text(): string {
    return this.nodes.length === 0 ? '' : this.receiver.attached.root.children.map(toNode).map(textOf).join(' ');
  }

  all(type: string): Node[] {
    return this.nodes.filter((node) => node.type === type);
  }

  /** The Button whose text starts with `name` (its accessible name), or undefined. */
  button(name: string): Node | undefined {
    return this.all('Button').find((node) => textOf(node).startsWith(name));
  }

  /** Presses the Button named `name`, as the host does on a click; fails when absent or disabled. */
  press(name: string): void {
    const button = this.button(name);
    if (!button) throw new Error(`no button "${name}" in: ${this.text}`);
    if (button.props.disabled === true) throw new Error(`button "${name}" is disabled`);
    (button.props.onPress as () => void)();
  }

  banner(): { status: unknown; title: unknown; text: string } | undefined {
    const banner = this.all('Banner')[0];
    return banner && { status: banner.props.status, title: banner.props.title, text: textOf(banner) };
  }
}

/** Calls Render with a real remote root and receiver, as Shopify's host does. */
export function renderPage(sandbox: Sandbox, api: PostPurchaseRenderApi): Page {
  const receiver = createRemoteReceiver();
  const root = createRemoteRoot(receiver.receive, { components: COMPONENTS });
  sandbox.render(root as Parameters<Sandbox['render']>[0], api);
  return new Page(receiver);
}

/** A promise the test resolves when it chooses: an answer still on its way. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/** Lets every pending promise and response body settle (the clock stays where it is). */
export async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
}
