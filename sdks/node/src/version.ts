/** The SDK's version, which follows the server's (checked by test/openapi.test.mjs). */
export const VERSION = '0.1.0';
