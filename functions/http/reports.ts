import { notMeDetails, reportNotMe } from '../app/reports';
import { httpHandler } from '../shared/http';

export const handler = httpHandler('reports', {
  // One token, one report: a repeat replays the first answer.
  'POST /v1/reports/not-me': async (req) => {
    const { response, replayed } = await reportNotMe(req.body.token);
    return replayed ? { status: 200, body: response, headers: { 'idempotent-replayed': 'true' } } : { status: 200, body: response };
  },
  // What a not-me token is about, for the holder to recognise it before reporting.
  'GET /v1/reports/not-me': async (req) => ({ status: 200, body: await notMeDetails(req.query.token) }),
});
