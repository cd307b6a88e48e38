import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { openApiDocument } from '../functions/shared/openapi';

/** Writes the served OpenAPI document to a file (default cdk.out/openapi.json) for linters and client generators. */
const out = process.argv[2] ?? 'cdk.out/openapi.json';
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(openApiDocument('http://127.0.0.1:3000'), null, 2) + '\n');
console.log(`wrote ${out}`);
