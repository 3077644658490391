/** The operator version; kept equal to deno.json's version by tests/unit/version_test.ts. */
export const VERSION = "0.1.0";
