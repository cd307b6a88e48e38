import type { z } from 'zod';
import { decideRuleProposal, listRuleProposals, proposeRules, rulesInForce } from '../app/rules-admin';
import type { Rules } from '../domain/rules';
import type { HttpRequest, RouteImpl } from '../shared/http';
import type { RulesDecisionBody, RulesProposalBody, RulesProposalsQuery } from '../shared/schemas';

async function getRules() {
  return { status: 200, body: await rulesInForce() };
}

async function proposals(req: HttpRequest<unknown, z.infer<typeof RulesProposalsQuery>>) {
  return { status: 200, body: await listRuleProposals({ status: req.query.status }) };
}

async function propose(req: HttpRequest<z.infer<typeof RulesProposalBody>>) {
  return { status: 201, body: await proposeRules({ caller: req.caller, rules: req.body.rules as Rules, note: req.body.note }) };
}

async function decideProposal(req: HttpRequest<z.infer<typeof RulesDecisionBody>, Record<string, string>, { proposalId: string }>) {
  return { status: 200, body: await decideRuleProposal({ caller: req.caller, proposalId: req.params.proposalId, ...req.body }) };
}

export const RULES_ROUTES: Record<string, RouteImpl> = {
  'GET /v1/ops/rules': getRules,
  'GET /v1/ops/rules/proposals': proposals,
  'POST /v1/ops/rules/proposals': propose,
  'POST /v1/ops/rules/proposals/{proposalId}/decision': decideProposal,
};
