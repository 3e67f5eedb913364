/** A browser bundle: brotli size (KiB) and inputs of what loads up front, and of the chunks behind dynamic imports. */
export interface BrowserBundle {
  kib: number;
  inputs: string[];
  lazyKib: number;
  lazyInputs: string[];
}
/** Bundles `contents` for the browser (packages resolved from `resolveDir`, default this checkout). */
export function browserBundle(contents: string, external: string[], resolveDir?: string): Promise<BrowserBundle>;
/** The gated sizes (KiB, min + brotli, loaded up front) of a built package (default: this checkout). */
export interface BundleSizes {
  app: number;
  /** The app bundle with the rxjs it uses bundled too. */
  appRxjs: number;
  api: number;
  angular: number;
  openfeature: number;
  stores: number;
  testing: number;
}
/** Sizes of the app bundle, the whole public API and each sub-path entry of the package in `dir`. */
export function measureSizes(dir?: string): Promise<BundleSizes>;
