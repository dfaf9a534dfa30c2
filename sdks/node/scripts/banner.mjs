// Prepends a "generated, do not edit" banner to the file openapi-typescript wrote, so a reader
// knows to run `npm run generate` instead of editing it (test/openapi.test.mjs checks it is current).
import { readFileSync, writeFileSync } from 'node:fs';

const path = process.argv[2];
const banner = '// Generated from docs/openapi.json by `npm run generate` (openapi-typescript). Do not edit.\n';
const text = readFileSync(path, 'utf8');
writeFileSync(path, text.startsWith(banner) ? text : banner + text);
