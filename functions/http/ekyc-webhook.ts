import type { z } from 'zod';
import { checkEkycSignature, receiveEkycResult } from '../app/ekyc';
import { httpHandler, type HttpRequest } from '../shared/http';
import type { EkycWebhookBody } from '../shared/schemas';

export const handler = httpHandler(
  'ekycWebhook',
  { 'POST /v1/webhooks/ekyc': async (req: HttpRequest<z.infer<typeof EkycWebhookBody>>) => ({ status: 200, body: await receiveEkycResult(req.body) }) },
  // Authenticity before shape: an unsigned call learns nothing about the schema.
  { preflight: (headers, rawBody) => checkEkycSignature(headers['x-ekyc-signature'], rawBody) },
);
