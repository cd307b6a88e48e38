import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { openApiDocument } from '../../functions/shared/openapi';

/*
 * The document is fit for client generation when a generator's output compiles and types what a
 * client does: openapi-typescript turns the served document into types, openapi-fetch calls
 * createCharge with them, and tsc checks a small usage file against them.
 */
const root = join(__dirname, '..', '..');
let dir: string;

beforeAll(() => {
  mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
  // Inside the repository so that `openapi-fetch` resolves from its node_modules.
  dir = mkdtempSync(join(root, 'node_modules', '.cache', 'openapi-client-'));
  writeFileSync(join(dir, 'openapi.json'), JSON.stringify(openApiDocument('http://127.0.0.1:3000')));
  // Its command line, as a client team would run it (the package is ESM; jest here runs CommonJS).
  execFileSync(process.execPath, [join(root, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'), 'openapi.json', '--output', 'api.d.ts'], {
    cwd: dir,
    stdio: 'pipe',
  });
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** tsc's diagnostics for one usage file next to the generated types. */
function compile(usage: string): string[] {
  const file = join(dir, `usage-${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(file, usage);
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: [],
    skipLibCheck: true,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file ? d.file.fileName.split('/').pop() : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

const header = `
import createClient from 'openapi-fetch';
import type { operations, paths } from './api';
const client = createClient<paths>({ baseUrl: 'http://127.0.0.1:3000' });
`;

describe('a typed client generated from the OpenAPI document', () => {
  it('compiles a createCharge call that reads the status of the 201 and the 202, and the error code', () => {
    const errors = compile(`${header}
type CreateCharge = operations['createCharge'];
export async function charge(linkId: string): Promise<string> {
  const body: CreateCharge['requestBody']['content']['application/json'] = { linkId, amount: 5000 };
  const { data, error, response } = await client.POST('/v1/me/charges', { params: { header: { 'idempotency-key': 'order-42' } }, body });
  if (error) {
    // API Gateway's own 401/500 body ({message}) is declared beside the contract's error shape.
    const code: string = 'error' in error ? error.error.code : error.message;
    return response.status === 429 ? 'retry after ' + (response.headers.get('retry-after') ?? '?') : code;
  }
  const status: 'COMPLETED' | 'PENDING_HOLD' | 'PENDING_CONFIRMATION' | 'PENDING_REVIEW' | 'PROCESSING' | 'DECLINED' | 'CANCELLED' | 'EXPIRED' | 'FAILED' = data.status;
  return status;
}
export async function terms(): Promise<string> {
  const { data } = await client.GET('/v1/terms');
  return data ? data.version + ' ' + data.compensationPolicy : '';
}
`);
    expect(errors).toEqual([]);
  });

  it('refuses what the contract refuses: a string amount, a missing Idempotency-Key, a field no answer has', () => {
    const errors = compile(`${header}
export async function wrong() {
  await client.POST('/v1/me/charges', { params: { header: { 'idempotency-key': 'k' } }, body: { linkId: 'lnk_x', amount: '5000' } });
  await client.POST('/v1/me/charges', { params: { header: {} }, body: { linkId: 'lnk_x', amount: 1 } });
  const { data } = await client.POST('/v1/me/charges', { params: { header: { 'idempotency-key': 'k' } }, body: { linkId: 'lnk_x', amount: 1 } });
  return data?.balanceAfterCharge;
}
`);
    expect(errors.join('\n')).toMatch(/'string' is not assignable to type 'number'/);
    expect(errors.join('\n')).toMatch(/idempotency-key/);
    expect(errors.join('\n')).toMatch(/balanceAfterCharge/);
  });
});
