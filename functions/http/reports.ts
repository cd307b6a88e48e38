import type { z } from 'zod';
import { notMeDetails, reportNotMe } from '../app/reports';
import { httpHandler, type HttpRequest } from '../shared/http';
import type { NotMeBody, NotMeQuery } from '../shared/schemas';

/** What a not-me token is about, for the holder to recognise it before reporting. */
async function details(req: HttpRequest<unknown, z.infer<typeof NotMeQuery>>) {
  return { status: 200, body: await notMeDetails(req.query.token) };
}

/** One token, one report: a repeat replays the first answer. */
async function notMe(req: HttpRequest<z.infer<typeof NotMeBody>>) {
  const { response, replayed } = await reportNotMe(req.body.token);
  return replayed ? { status: 200, body: response, headers: { 'idempotent-replayed': 'true' } } : { status: 200, body: response };
}

export const handler = httpHandler('reports', { 'POST /v1/reports/not-me': notMe, 'GET /v1/reports/not-me': details });
