/**
 * Shopify's post-purchase API types, named: the library exports the two extension points' APIs, and every
 * other type (input data, changeset results, error codes) is read off them here, so there is one source.
 */
import type { PostPurchaseRenderApi, PostPurchaseShouldRenderApi } from '@shopify/post-purchase-ui-extensions-react';

export type RenderApi = PostPurchaseRenderApi;
export type ShouldRenderApi = PostPurchaseShouldRenderApi;
export type InputData = RenderApi['inputData'];

export type CalculateResult = Awaited<ReturnType<RenderApi['calculateChangeset']>>;
export type CalculatedPurchase = NonNullable<CalculateResult['calculatedPurchase']>;
export type ApplyResult = Awaited<ReturnType<RenderApi['applyChangeset']>>;
export type ChangesetError = ApplyResult['errors'][number];
export type ChangesetErrorCode = ChangesetError['code'];
export type MoneyBag = CalculatedPurchase['totalOutstandingSet'];

/** A changeset as `calculateChangeset` takes it (the raw form; a signed token is the other). */
export type Changeset = Exclude<Parameters<RenderApi['calculateChangeset']>[0], string>;
export type Change = Changeset['changes'][number];
