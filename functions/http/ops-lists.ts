import { deleteListEntry, listsInForce, putListEntry } from '../app/ops-lists';
import { callerOf, type RouteImpl } from '../shared/http';

type ListsRoutes = 'GET /v1/ops/lists' | 'PUT /v1/ops/lists/{kind}/{value}' | 'DELETE /v1/ops/lists/{kind}/{value}';

/** Deny and review lists: part of the `ops` function. */
export const LISTS_ROUTES: { [K in ListsRoutes]: RouteImpl<K> } = {
  'GET /v1/ops/lists': async () => ({ status: 200, body: { items: await listsInForce() } }),
  'PUT /v1/ops/lists/{kind}/{value}': async (req) => ({ status: 200, body: await putListEntry({ ...req.params, ...req.body, caller: callerOf(req) }) }),
  'DELETE /v1/ops/lists/{kind}/{value}': async (req) => {
    await deleteListEntry({ ...req.params, caller: callerOf(req) });
    return { status: 204, body: undefined };
  },
};
