// Validates the OpenAPI document on stdin with @seriousme/openapi-schema-validator (the
// specification's own JSON Schemas); an ES module, so jest's CommonJS tests run it as a child.
import { Validator } from '@seriousme/openapi-schema-validator';

let text = '';
for await (const chunk of process.stdin) text += chunk;
const validator = new Validator();
const result = await validator.validate(JSON.parse(text));
process.stdout.write(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors ?? [] }));
