/**
 * DynamoDB's documented item-size rules (Developer Guide, "Item sizes and formats"),
 * to cost writes the way DynamoDB bills them rather than the way DynamoDB Local reports
 * them: Local charges a whole TransactWriteItems call as if it were one item, whatever
 * the number of items in it (1, 2 or 3 small puts all report 2 units).
 */
const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

function numberSize(n: number): number {
  const digits = String(Math.abs(n)).replace('.', '').replace(/e.*$/, '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

function valueSize(v: unknown): number {
  if (v === null || v === undefined || typeof v === 'boolean') return 1;
  if (typeof v === 'string') return utf8(v);
  if (typeof v === 'number') return numberSize(v);
  if (v instanceof Uint8Array) return v.byteLength;
  if (v instanceof Set) return [...v].reduce((s: number, x) => s + valueSize(x), 0);
  if (Array.isArray(v)) return 3 + v.reduce((s: number, x) => s + 1 + valueSize(x), 0);
  if (typeof v === 'object') return 3 + Object.entries(v as Record<string, unknown>).reduce((s, [k, x]) => s + 1 + utf8(k) + valueSize(x), 0);
  return 0;
}

/** Bytes of an item as DynamoDB sizes it: attribute names plus values. */
export function itemSize(item: Record<string, unknown>): number {
  return Object.entries(item).reduce((s, [k, v]) => (v === undefined ? s : s + utf8(k) + valueSize(v)), 0);
}

/** Write units of a standard write of `bytes` (1 per started KB). */
export const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
/** Read units of a read of `bytes` (1 per started 4 KB strongly consistent, half eventually). */
export const readUnits = (bytes: number, consistent: boolean) => Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
