import { config } from '../shared/config';
import { httpHandler } from '../shared/http';
import { openApiDocument } from '../shared/openapi';

let document: unknown;

export const handler = httpHandler('meta', {
  'GET /health': async () => ({ status: 200, body: { status: 'ok', stage: config().stage, time: new Date().toISOString() } }),
  'GET /openapi.json': async () => {
    document ??= openApiDocument(config().publicBaseUrl);
    return { status: 200, body: document, headers: { 'cache-control': 'public, max-age=300' } };
  },
});
