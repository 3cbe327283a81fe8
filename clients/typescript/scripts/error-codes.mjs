#!/usr/bin/env node
// Writes the error codes each operation documents (the `code` of every example of every
// 4xx/5xx response in the OpenAPI document) as a typed constant, so a client can branch on
// `error.code` with the compiler checking the names.
//
//   node scripts/error-codes.mjs <openapi.json> <output.ts>
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write('usage: node scripts/error-codes.mjs <openapi.json> <output.ts>\n');
  process.exit(2);
}
const document = JSON.parse(readFileSync(input, 'utf8'));
const byOperation = {};
for (const item of Object.values(document.paths)) {
  for (const [method, operation] of Object.entries(item)) {
    if (!['get', 'post', 'patch', 'put', 'delete'].includes(method) || !operation.operationId) continue;
    const statuses = {};
    for (const [status, response] of Object.entries(operation.responses ?? {})) {
      if (!/^[45]\d\d$/.test(status)) continue;
      const codes = new Set();
      for (const example of Object.values(response.content?.['application/json']?.examples ?? {})) {
        const code = example.value?.error?.code;
        if (typeof code === 'string') codes.add(code);
      }
      if (codes.size > 0) statuses[status] = [...codes].sort();
    }
    byOperation[operation.operationId] = statuses;
  }
}
const operations = Object.keys(byOperation).sort();
const lines = [
  '// Generated from openapi.json by scripts/error-codes.mjs (`npm run generate`): do not edit.',
  '',
  '/** The error codes each operation documents, by HTTP status. */',
  'export const ERROR_CODES = {',
  ...operations.map((id) => {
    const statuses = Object.entries(byOperation[id])
      .map(([status, codes]) => `${status}: [${codes.map((c) => `'${c}'`).join(', ')}]`)
      .join(', ');
    return `  ${id}: { ${statuses} },`;
  }),
  '} as const;',
  '',
];
writeFileSync(output, `${lines.join('\n')}`);
