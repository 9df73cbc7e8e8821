import { buildBundle } from "../support/runtime.ts";

/** Builds the bundle once with `wrangler deploy --dry-run`: the e2e suite runs what would deploy. */
export default function setup(): void {
  buildBundle();
}
