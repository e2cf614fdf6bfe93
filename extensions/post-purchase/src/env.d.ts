/**
 * What the bundler defines: `build.ts` (and Shopify CLI on `shopify app deploy`, from its environment)
 * replaces these expressions with string literals. There is no `process` at run time.
 */
declare const process: {
  readonly env: {
    /** Plusone's base URL, e.g. `https://plusone.example.com`; empty for the page's own origin. */
    readonly PLUSONE_API_BASE?: string;
  };
};
