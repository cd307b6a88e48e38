import type { z } from 'zod';
import { checkBankSignature, receiveBankEvent } from '../app/bank-events';
import { httpHandler, type HttpRequest } from '../shared/http';
import type { BankWebhookBody } from '../shared/schemas';

async function receive(req: HttpRequest<z.infer<typeof BankWebhookBody>>) {
  return { status: 200, body: await receiveBankEvent(req.body) };
}

export const handler = httpHandler(
  'bankWebhook',
  { 'POST /v1/webhooks/bank': receive },
  { preflight: (headers, rawBody) => checkBankSignature(headers['x-bank-signature'], rawBody) },
);
