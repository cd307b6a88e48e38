import { assignReview, decideReview, listReviews } from '../app/reviews';
import { httpHandler } from '../shared/http';

export const handler = httpHandler('reviews', {
  'GET /v1/ops/reviews': async (req) => ({ status: 200, body: await listReviews({ status: req.query.status }) }),
  'POST /v1/ops/reviews/{caseId}/assignment': async (req) => ({
    status: 200,
    body: await assignReview({ caller: req.caller, caseId: req.params.caseId, takeOver: req.body.takeOver }),
  }),
  // 202 while a large APPROVE waits for its second approver; 200 once the charge is decided.
  'POST /v1/ops/reviews/{caseId}/decision': async (req) => {
    const result = await decideReview({ caller: req.caller, caseId: req.params.caseId, ...req.body });
    return 'status' in result ? { status: 202, body: result } : { status: 200, body: result };
  },
});
