import type { z } from 'zod';
import { assignReview, decideReview, listReviews } from '../app/reviews';
import { httpHandler, type HttpRequest } from '../shared/http';
import type { AssignmentBody, ReviewDecisionBody, ReviewsQuery } from '../shared/schemas';

async function list(req: HttpRequest<unknown, z.infer<typeof ReviewsQuery>>) {
  return { status: 200, body: await listReviews({ status: req.query.status }) };
}

async function assign(req: HttpRequest<z.infer<typeof AssignmentBody>, Record<string, string>, { caseId: string }>) {
  return { status: 200, body: await assignReview({ caller: req.caller, caseId: req.params.caseId, takeOver: req.body.takeOver }) };
}

/** 202 while a large APPROVE waits for its second approver; 200 once the charge is decided. */
async function decide(req: HttpRequest<z.infer<typeof ReviewDecisionBody>, Record<string, string>, { caseId: string }>) {
  const result = await decideReview({ caller: req.caller, caseId: req.params.caseId, ...req.body });
  return { status: 'status' in result ? 202 : 200, body: result };
}

export const handler = httpHandler('reviews', {
  'GET /v1/ops/reviews': list,
  'POST /v1/ops/reviews/{caseId}/assignment': assign,
  'POST /v1/ops/reviews/{caseId}/decision': decide,
});
