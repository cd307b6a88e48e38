import { decideRuleProposal, listRuleProposals, proposeRules, rulesInForce } from '../app/rules-admin';
import type { Rules } from '../domain/rules';
import type { RouteImpl } from '../shared/http';

type RulesRoutes = 'GET /v1/ops/rules' | 'GET /v1/ops/rules/proposals' | 'POST /v1/ops/rules/proposals' | 'POST /v1/ops/rules/proposals/{proposalId}/decision';

/** The rules routes of the ops function (functions/http/ops.ts serves them). */
export const RULES_ROUTES: { [K in RulesRoutes]: RouteImpl<K> } = {
  'GET /v1/ops/rules': async () => ({ status: 200, body: await rulesInForce() }),
  'GET /v1/ops/rules/proposals': async (req) => ({ status: 200, body: await listRuleProposals({ status: req.query.status }) }),
  'POST /v1/ops/rules/proposals': async (req) => ({ status: 201, body: await proposeRules({ caller: req.caller, rules: req.body.rules as Rules, note: req.body.note }) }),
  'POST /v1/ops/rules/proposals/{proposalId}/decision': async (req) => ({
    status: 200,
    body: await decideRuleProposal({ caller: req.caller, proposalId: req.params.proposalId, ...req.body }),
  }),
};
