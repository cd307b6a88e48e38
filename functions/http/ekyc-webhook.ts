import { checkEkycSignature, receiveEkycResult } from '../app/ekyc';
import { httpHandler } from '../shared/http';

export const handler = httpHandler(
  'ekycWebhook',
  { 'POST /v1/webhooks/ekyc': async (req) => ({ status: 200, body: await receiveEkycResult(req.body) }) },
  // Authenticity before shape: an unsigned call learns nothing about the schema.
  { preflight: (headers, rawBody) => checkEkycSignature(headers['x-ekyc-signature'], rawBody) },
);
