import { checkBankSignature, receiveBankEvent } from '../app/bank-events';
import { httpHandler } from '../shared/http';

export const handler = httpHandler(
  'bankWebhook',
  { 'POST /v1/webhooks/bank': async (req) => ({ status: 200, body: await receiveBankEvent(req.body) }) },
  { preflight: (headers, rawBody) => checkBankSignature(headers['x-bank-signature'], rawBody) },
);
