import { config } from '../shared/config';
import { httpHandler, languageOf } from '../shared/http';
import { TERMS } from '../shared/messages';
import { openApiDocument } from '../shared/openapi';

let document: ReturnType<typeof openApiDocument> | undefined;

export const handler = httpHandler('meta', {
  'GET /health': async () => ({ status: 200, body: { status: 'ok', stage: config().stage, time: new Date().toISOString() } }),
  'GET /v1/terms': async (req) => {
    const lang = languageOf(req.headers);
    return {
      status: 200,
      body: { version: config().termsVersion, url: config().termsUrl, compensationPolicy: TERMS.compensationPolicy[lang] },
      headers: { 'content-language': lang, vary: 'accept-language' },
    };
  },
  'GET /openapi.json': async () => {
    document ??= openApiDocument(config().publicBaseUrl);
    return { status: 200, body: document, headers: { 'cache-control': 'public, max-age=300' } };
  },
});
