/**
 * Checks HTTP exchanges against an OpenAPI 3.1 document — the one the service serves at
 * `/openapi.json`, not the zod schemas it was made from — so that what a client generated
 * from the document meets is what the service does. Schemas are compiled by Ajv's JSON Schema
 * 2020-12 validator (the dialect of OpenAPI 3.1) straight from the document, by JSON pointer,
 * so every problem names the schema path inside the document. Every operation of the document
 * is covered the day it appears there.
 */
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

type Json = Record<string, any>;

/**
 * How a test means a request:
 * - `valid`: the request must match the document, and the answer must be declared for it;
 * - `invalid`: bad input on purpose; the answer must be a 4xx declared for the operation;
 * - `auto` (fuzzing): whatever the document says of the request, the answer must be declared,
 *   and a request the document refuses must not succeed.
 */
export type Intent = 'valid' | 'invalid' | 'auto';

export interface Exchange {
  method: string;
  /** Path with the query string, as sent (percent-encoded). */
  url: string;
  requestHeaders: Record<string, string | undefined>;
  /** The raw body sent, if any. */
  requestBody?: string;
  status: number;
  responseHeaders: Record<string, string | undefined>;
  responseBody: string;
}

interface Operation {
  template: string;
  method: string;
  pointer: string;
  op: Json;
  pattern: RegExp;
  names: string[];
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const DOC_ID = 'openapi.json';
const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

export class ContractViolation extends Error {
  constructor(readonly problems: string[]) {
    super(`the exchange does not match /openapi.json:\n  ${problems.join('\n  ')}`);
    this.name = 'ContractViolation';
  }
}

export class ContractChecker {
  private readonly operations: Operation[] = [];
  private readonly ajv: Ajv2020;
  /** Parameters are strings on the wire: a separate instance coerces them to the declared types. */
  private readonly ajvParams: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();

  /** Paths outside the API (local simulators and controls, the static ops console): not checked. */
  constructor(
    readonly doc: Json,
    private readonly outside: (path: string) => boolean = (p) => p.startsWith('/local/') || p === '/ops' || p.startsWith('/ops/'),
  ) {
    if (typeof doc.openapi !== 'string' || !doc.openapi.startsWith('3.1')) throw new Error(`not an OpenAPI 3.1 document: ${doc.openapi}`);
    const make = (coerceTypes: boolean) => {
      const ajv = new Ajv2020({ strict: false, allErrors: true, coerceTypes, validateSchema: false });
      addFormats(ajv);
      ajv.addSchema(doc, DOC_ID);
      return ajv;
    };
    this.ajv = make(false);
    this.ajvParams = make(true);
    for (const [template, item] of Object.entries(doc.paths as Record<string, Json>)) {
      for (const method of Object.keys(item).filter((m) => HTTP_METHODS.includes(m))) {
        const names: string[] = [];
        const source = template
          .split('/')
          .map((seg) => {
            const m = /^\{(.+)\}$/.exec(seg);
            if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
            names.push(m[1]);
            return '([^/]+)';
          })
          .join('/');
        this.operations.push({ template, method, pointer: `#/paths/${escapePointer(template)}/${method}`, op: item[method], pattern: new RegExp(`^${source}$`), names });
      }
    }
    // A concrete path wins over a templated one (OpenAPI 3.1, "Path Templating Matching").
    this.operations.sort((a, b) => a.names.length - b.names.length);
  }

  /** Problems with an exchange; empty when it matches the document as `intent` requires. */
  check(x: Exchange, intent: Intent = 'valid'): string[] {
    const url = new URL(x.url, 'http://host');
    const path = url.pathname;
    if (this.outside(path)) return [];
    const method = x.method.toLowerCase();
    const label = `${x.method.toUpperCase()} ${path} → ${x.status}`;
    const reqHeaders = lower(x.requestHeaders);
    const resHeaders = lower(x.responseHeaders);

    const candidates = this.operations.filter((o) => o.pattern.test(path));
    const operation = candidates.find((o) => o.method === method);
    if (!operation) {
      // No operation: the request itself is outside the document and must have been meant so.
      const problems: string[] = [];
      if (intent === 'valid') problems.push(`${label}: the document has no operation ${x.method.toUpperCase()} ${path}`);
      problems.push(...this.checkBody(label, `#/components/schemas/Error`, x.responseBody, resHeaders));
      if (x.status < 400 || x.status >= 500) problems.push(`${label}: a request outside the document must be refused with a 4xx`);
      return problems;
    }
    const where = `${x.method.toUpperCase()} ${operation.template} → ${x.status}`;
    const requestProblems = this.checkRequest(operation, path, url.searchParams, reqHeaders, x.requestBody);
    const problems: string[] = [];
    if (intent === 'valid') problems.push(...requestProblems.map((p) => `${where}: request: ${p}`));
    if (intent === 'invalid' && (x.status < 400 || x.status >= 500)) problems.push(`${where}: a request sent as bad input was not refused with a 4xx`);
    // The service reads a body sent without a content-type as JSON (any other non-JSON type is a 415): leniency no client of the document meets.
    const refusedByDocument = requestProblems.filter((p) => !p.startsWith('content-type'));
    if (intent === 'auto' && refusedByDocument.length > 0 && x.status < 400) {
      problems.push(`${where}: the service accepted a request the document refuses: ${refusedByDocument.join('; ')}`);
    }
    problems.push(...this.checkResponse(operation, where, x.status, resHeaders, x.responseBody));
    return problems;
  }

  /** Throws a ContractViolation naming the route, the status and the schema paths. */
  assert(x: Exchange, intent: Intent = 'valid'): void {
    const problems = this.check(x, intent);
    if (problems.length) throw new ContractViolation(problems);
  }

  private checkRequest(o: Operation, path: string, query: URLSearchParams, headers: Record<string, string>, body: string | undefined): string[] {
    const problems: string[] = [];
    const values: Record<string, Record<string, unknown>> = { path: Object.create(null), query: Object.create(null), header: Object.create(null) };
    const m = o.pattern.exec(path)!;
    try {
      o.names.forEach((n, i) => (values.path[n] = decodeURIComponent(m[i + 1])));
    } catch {
      problems.push('a path parameter is not valid percent-encoding');
    }
    for (const [k, v] of query) if (k !== '__proto__') values.query[k] = v;
    for (const [k, v] of Object.entries(headers)) values.header[k] = v;
    const params = (o.op.parameters ?? []) as Json[];
    params.forEach((p, i) => {
      if (p.in === 'cookie') return;
      const name = p.in === 'header' ? String(p.name).toLowerCase() : String(p.name);
      const value = Object.hasOwn(values, p.in) ? values[p.in][name] : undefined;
      if (value === undefined) {
        if (p.required) problems.push(`${p.in} parameter ${p.name} is required (${o.pointer}/parameters/${i})`);
        return;
      }
      // Coercion happens in place on a wrapper, so an integer query parameter can be "20" on the wire.
      const holder = { v: value };
      const validate = this.compile(this.ajvParams, `${o.pointer}/parameters/${i}/schema`, true);
      if (!validate(holder)) problems.push(...describe(validate.errors, `${p.in} parameter ${p.name}`));
    });
    if ((o.op.security ?? []).length > 0 && !/^Bearer \S+/.test(headers.authorization ?? '')) problems.push('no bearer token, which the operation requires (security)');

    const rb = o.op.requestBody as Json | undefined;
    // The service reads a body of JSON whitespace alone as no body (functions/shared/http.ts).
    const hasBody = body !== undefined && !/^[ \t\n\r]*$/.test(body);
    if (!rb) {
      if (hasBody) problems.push(`the operation takes no body (${o.pointer})`);
      return problems;
    }
    if (!hasBody) {
      if (rb.required) problems.push(`a body is required (${o.pointer}/requestBody)`);
      return problems;
    }
    const mediaType = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!Object.hasOwn(rb.content ?? {}, mediaType)) {
      problems.push(`content-type ${JSON.stringify(headers['content-type'] ?? '')} is not one of ${Object.keys(rb.content ?? {}).join(', ')} (${o.pointer}/requestBody/content)`);
      return problems;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      problems.push('the body is not JSON');
      return problems;
    }
    const validate = this.compile(this.ajv, `${o.pointer}/requestBody/content/${escapePointer(mediaType)}/schema`);
    if (!validate(parsed)) problems.push(...describe(validate.errors, 'body'));
    return problems;
  }

  private checkResponse(o: Operation, where: string, status: number, headers: Record<string, string>, body: string): string[] {
    const responses = (o.op.responses ?? {}) as Record<string, Json>;
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => Object.hasOwn(responses, k));
    if (!key) return [`${where}: status ${status} is not declared (declared: ${Object.keys(responses).join(', ')}; ${o.pointer}/responses)`];
    const pointer = `${o.pointer}/responses/${key}`;
    const response = responses[key];
    const problems: string[] = [];
    for (const [name, h] of Object.entries((response.headers ?? {}) as Record<string, Json>)) {
      const value = headers[name.toLowerCase()];
      if (value === undefined) {
        if (h.required) problems.push(`${where}: header ${name} is required (${pointer}/headers/${escapePointer(name)})`);
        continue;
      }
      const validate = this.compile(this.ajvParams, `${pointer}/headers/${escapePointer(name)}/schema`, true);
      if (!validate({ v: value })) problems.push(...describe(validate.errors, `${where}: header ${name}`));
    }
    const content = response.content as Record<string, Json> | undefined;
    if (!content) {
      if (body !== '') problems.push(`${where}: a body ${JSON.stringify(body.slice(0, 200))} where the document declares none (${pointer})`);
      return problems;
    }
    const mediaType = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!Object.hasOwn(content, mediaType)) {
      problems.push(`${where}: content-type ${JSON.stringify(headers['content-type'] ?? '')} is not one of ${Object.keys(content).join(', ')} (${pointer}/content)`);
      return problems;
    }
    problems.push(...this.checkBody(where, `${pointer}/content/${escapePointer(mediaType)}/schema`, body, headers).map((p) => p));
    return problems;
  }

  private checkBody(where: string, pointer: string, body: string, _headers: Record<string, string>): string[] {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return [`${where}: the body is not JSON: ${JSON.stringify(body.slice(0, 200))}`];
    }
    const validate = this.compile(this.ajv, pointer);
    if (validate(parsed)) return [];
    return describe(validate.errors, `${where}: body`).concat(`${where}: the body was ${JSON.stringify(parsed).slice(0, 500)}`);
  }

  private compile(ajv: Ajv2020, pointer: string, wrapped = false): ValidateFunction {
    const key = `${ajv === this.ajv ? 'b' : 'p'}${wrapped ? 'w' : ''}${pointer}`;
    let fn = this.compiled.get(key);
    if (!fn) {
      const target = { $ref: `${DOC_ID}${pointer}` };
      fn = ajv.compile(wrapped ? { type: 'object', properties: { v: target } } : target);
      this.compiled.set(key, fn);
    }
    return fn;
  }
}

function lower(h: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

/** "body /password: must match pattern ... (schema openapi.json#/paths/.../pattern)" — where in the value and where in the document. */
function describe(errors: ErrorObject[] | null | undefined, what: string): string[] {
  return (errors ?? [])
    // anyOf/allOf summaries repeat what their branches say.
    .filter((e) => !['anyOf', 'oneOf', 'allOf', 'if'].includes(e.keyword))
    .map((e) => `${what} ${e.instancePath.replace(/^\/v(?=\/|$)/, '') || '/'}: ${e.message}${e.keyword !== 'pattern' && e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''} (schema ${e.schemaPath})`);
}
