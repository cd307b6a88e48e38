import type { ChargeRecord } from '../adapters/charges-repo';
import type { ReviewCase, SharedVia } from '../domain/review';
import { identityValue, type ListKind } from '../domain/lists';
import { sealListRef } from '../domain/list-ref';
import { RISK_POLICY } from '../domain/policy';
import { ports } from '../shared/runtime';
import { maskTail } from '../shared/redact';
import { stores } from '../store';

const HOUR = 3600_000;
const WAITING = new Set(['PENDING_HOLD', 'PENDING_CONFIRMATION', 'PENDING_REVIEW', 'PROCESSING']);

const hoursSince = (iso: string | undefined, now: number) => (iso ? Math.round(((now - Date.parse(iso)) / HOUR) * 10) / 10 : null);

/**
 * What a reviewer decides with, read by key for one case: the wallet's owner (eKYC name, age,
 * status, money), the link, the device, the last 10 charges, the facts behind each reason, and the
 * wallets that share the bank account, the device, the phone or the eKYC identity.
 */
export async function reviewContext(c: ReviewCase, now: number) {
  const { users, charges: chargeStore, links, reviews } = stores();
  const [user, wallet, charge, charges] = await Promise.all([users.getUser(c.userId), users.getWallet(c.userId), chargeStore.getCharge(c.userId, c.chargeId), chargeStore.listCharges(c.userId)]);
  const [link, device] = await Promise.all([
    charge ? links.getLink(c.userId, charge.linkId) : undefined,
    charge?.deviceId ? users.getDevice(c.userId, charge.deviceId) : undefined,
  ]);
  const [byAccount, byDevice, byPhone, byIdentity] = await Promise.all([
    link ? reviews.walletsSharing('BANK_ACCOUNT', link.accountHash) : [],
    charge?.deviceId ? reviews.walletsSharing('DEVICE', charge.deviceId) : [],
    user ? reviews.walletsSharing('PHONE', user.phoneNumber) : [],
    user?.identity ? reviews.walletsSharing('EKYC_IDENTITY', identityValue(user.identity.fullNameKana, user.identity.dateOfBirth)) : [],
  ]);
  const related = new Map<string, SharedVia[]>();
  const add = (ids: string[], via: SharedVia) => ids.filter((id) => id !== c.userId).forEach((id) => related.set(id, [...(related.get(id) ?? []), via]));
  add(byAccount, 'BANK_ACCOUNT');
  add(byDevice, 'DEVICE');
  add(byPhone, 'PHONE');
  add(byIdentity, 'EKYC_IDENTITY');

  charges.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const { accountKey } = await ports().secrets();
  const ref = (kind: ListKind, key: string, shown?: string) => sealListRef(accountKey, kind, shown === undefined ? { key } : { key, shown });
  const pending = charges.filter((x) => WAITING.has(x.status)).reduce((sum, x) => sum + x.amount, 0);
  return {
    user: {
      kycName: user?.identity?.fullName ?? null, kycNameKana: user?.identity?.fullNameKana ?? null,
      walletAgeHours: hoursSince(user?.createdAt, now) ?? 0, status: user?.status ?? 'UNKNOWN', phoneNumber: user ? maskTail(user.phoneNumber) : '',
      balance: wallet?.balance ?? 0, pending, createdAt: user?.createdAt ?? null,
    },
    link: link
      ? {
          linkId: link.linkId, bankCode: link.bankCode, branchCode: link.branchCode, accountMasked: link.accountMasked, status: link.status,
          ageHours: hoursSince(link.activatedAt, now), phoneAttested: (link as { phoneAttested?: boolean }).phoneAttested === true,
          activatedAt: link.activatedAt ?? null,
          // Every debit carries the bank's notice to the holder: the debits made are the notices sent.
          debitsNotified: charges.filter((x) => x.linkId === link.linkId && !!x.bankTransactionId).length,
        }
      : null,
    device: charge?.deviceId ? { id: charge.deviceId, firstSeenAt: device?.firstSeenAt ?? device?.trustedAt ?? null, otherWallets: byDevice.filter((id) => id !== c.userId) } : null,
    recentCharges: charges.slice(0, 10).map((x) => ({ chargeId: x.chargeId, amount: x.amount, status: x.status, outcome: x.decision.outcome, reasons: x.decision.reasons, createdAt: x.createdAt })),
    facts: charge ? factsOf(charge, charges) : {},
    relatedWallets: [...related].map(([userId, via]) => ({ userId, via })),
    // What "list this device / account / phone / identity" sends as {value}: the device id as it is,
    // the others sealed (ops see the phone masked, the account's number is stored nowhere, no birth date).
    listRefs: {
      ...(charge?.deviceId ? { DEVICE: { value: charge.deviceId, shown: charge.deviceId } } : {}),
      ...(user ? { PHONE: { value: ref('PHONE', user.phoneNumber), shown: maskTail(user.phoneNumber) } } : {}),
      ...(link ? { BANK_ACCOUNT: { value: ref('BANK_ACCOUNT', link.accountHash, `${link.bankCode}-${link.branchCode}-${link.accountMasked}`), shown: `${link.bankCode}-${link.branchCode}-${link.accountMasked}` } } : {}),
      ...(user?.identity ? { EKYC_IDENTITY: { value: ref('EKYC_IDENTITY', identityValue(user.identity.fullNameKana, user.identity.dateOfBirth)), shown: `${user.identity.fullNameKana}（****-**-**）` } } : {}),
    },
  };
}

/**
 * The facts behind each reason: what the decision stored with it (risk v2 stores them per reason,
 * as they were when it decided; list entries store theirs). A decision stored before that has
 * its facts derived from the records, for the reasons that still exist.
 */
function factsOf(charge: ChargeRecord, charges: ChargeRecord[]): Record<string, unknown> {
  const stored = (charge.decision.facts ?? {}) as Record<string, unknown>;
  const at = Date.parse(charge.createdAt);
  const r = RISK_POLICY.review;
  const derived: Record<string, unknown> = {};
  for (const reason of charge.decision.reasons) {
    if (reason in stored) continue;
    switch (reason) {
      case 'LARGE_AMOUNT': derived[reason] = { amount: charge.amount, threshold: r.amountAtLeast }; break;
      case 'HIGH_VELOCITY': derived[reason] = { chargesInLastHour: charges.filter((x) => x.chargeId !== charge.chargeId && Date.parse(x.createdAt) > at - HOUR && Date.parse(x.createdAt) <= at).length, threshold: r.chargesInLastHour }; break;
      case 'AMOUNT_OVER_CHALLENGE': derived[reason] = { amount: charge.amount, threshold: RISK_POLICY.challenge.amountAtLeast }; break;
      case 'NEW_DEVICE': derived[reason] = { deviceId: charge.deviceId ?? null }; break;
      default: derived[reason] = {};
    }
  }
  return { ...derived, ...stored };
}
