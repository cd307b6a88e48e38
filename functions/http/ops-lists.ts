import type { z } from 'zod';
import { deleteListEntry, listsInForce, putListEntry } from '../app/ops-lists';
import type { ListKind } from '../domain/lists';
import { callerOf, type HttpRequest } from '../shared/http';
import type { ListEntryBody } from '../shared/schemas';

type ListPath = { kind: ListKind; value: string };

async function list() {
  return { status: 200, body: { items: await listsInForce() } };
}

async function put(req: HttpRequest<z.infer<typeof ListEntryBody>, Record<string, string>, ListPath>) {
  return { status: 200, body: await putListEntry({ ...req.params, ...req.body, caller: callerOf(req) }) };
}

async function remove(req: HttpRequest<unknown, Record<string, string>, ListPath>) {
  await deleteListEntry({ ...req.params, caller: callerOf(req) });
  return { status: 204 };
}

/** Deny and review lists: part of the `ops` function. */
export const LISTS_ROUTES = {
  'GET /v1/ops/lists': list,
  'PUT /v1/ops/lists/{kind}/{value}': put,
  'DELETE /v1/ops/lists/{kind}/{value}': remove,
};
