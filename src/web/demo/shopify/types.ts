/**
 * The post-purchase API's data types, exactly as `@shopify/post-purchase-ui-extensions` 0.13.5 declares
 * them. The package exports only the API interfaces, so each type is read off them rather than restated.
 */
import type { PostPurchaseRenderApi, PostPurchaseShouldRenderApi } from '@shopify/post-purchase-ui-extensions';

/** What both extension points get as `inputData` (its `token` is Shopify's signed input token). */
export type InputData = PostPurchaseRenderApi['inputData'];
export type Purchase = InputData['initialPurchase'];
export type LineItem = Purchase['lineItems'][number];
export type MoneyBag = Purchase['totalPriceSet'];

/** `{ changes }`, what `calculateChangeset` takes unsigned. */
export type Changeset = Exclude<Parameters<PostPurchaseRenderApi['calculateChangeset']>[0], string>;
export type Change = Changeset['changes'][number];

export type CalculateChangesetResult = Awaited<ReturnType<PostPurchaseRenderApi['calculateChangeset']>>;
export type CalculatedPurchase = NonNullable<CalculateChangesetResult['calculatedPurchase']>;
export type ApplyChangesetResult = Awaited<ReturnType<PostPurchaseRenderApi['applyChangeset']>>;
export type ChangesetError = ApplyChangesetResult['errors'][number];
export type ChangesetErrorCode = ChangesetError['code'];

export type ShouldRenderApi = PostPurchaseShouldRenderApi;
export type RenderApi = PostPurchaseRenderApi;

export const SHOULD_RENDER = 'Checkout::PostPurchase::ShouldRender';
export const RENDER = 'Checkout::PostPurchase::Render';

/** What the page embeds for the host (`pages.ts` writes it, `host.ts` reads it). */
export interface HostData {
  readonly referenceId: string;
  readonly inputData: InputData;
  /** This browser's demo form token, sent as `x-plusone-demo-csrf`. */
  readonly csrf: string;
  readonly extensionUrl: string;
  readonly calculateUrl: string;
  readonly applyUrl: string;
  readonly thankYouUrl: string;
}
