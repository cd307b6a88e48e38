import { randomUUID } from 'node:crypto';
import { accountHash, LINK_ABUSE, linkView, maskAccount, type BankAccount, type LinkRecord, type LinkStatus } from '../domain/bank-link';
import { holderMatches } from '../domain/kana';
import { LIST_REASON } from '../domain/lists';
import { NOT_ME_TTL_DAYS, signNotMeToken } from '../domain/not-me-token';
import { CODE_POLICY } from '../domain/policy';
import { issueCode, verifyCode } from './one-time-codes';
import { config } from '../shared/config';
import { DomainError } from '../shared/errors';
import { logger } from '../shared/logger';
import { BANK_NOTICE_LANG, DEFAULT_LANG, NOTICES, SMS } from '../shared/messages';
import { emit, METRIC } from '../shared/metrics';
import { ports } from '../shared/runtime';
import { stores, type Stores } from '../store';
import { countBankSignal } from './bank-breaker';
import { cancelWaiting } from './charge-lifecycle';
import { freezeWallet } from './wallet-controls';

/**
 * A wallet's bank links, from the request to the bank to the holder's notice: the 2020 attack
 * linked accounts with a number, a name and a PIN; here a link also needs the wallet's verified
 * phone and eKYC, the bank's own authentication of its holder, a holder who is the eKYC person,
 * a code, and a notice to the holder through the bank. Failures count against the wallet and
 * the account, and enough of them freeze the one or lock the other.
 */

const DAY = 86_400_000;

type UserRecord = Awaited<ReturnType<Stores['users']['requireUser']>>;

/** What the wallet itself sees of its links (not the account's hash, the bank's reference or the attestation). */
export type LinkView = ReturnType<typeof linkView>;

function mustBeActive(user: UserRecord) {
  if (user.status === 'FROZEN') throw new DomainError('ACCOUNT_FROZEN', 'This wallet is frozen; contact support');
}

async function requireLink(userId: string, linkId: string): Promise<LinkRecord> {
  const link = await stores().links.getLink(userId, linkId);
  if (!link) throw new DomainError('NOT_FOUND', 'No such bank link');
  return link;
}

/** The wallet, not frozen, and its link, which must be at `step`. */
async function linkAt(userId: string, linkId: string, step: LinkStatus) {
  const [user, link] = await Promise.all([stores().users.requireUser(userId), requireLink(userId, linkId)]);
  mustBeActive(user);
  if (link.status !== step) throw new DomainError('INVALID_STATE', `The link is ${link.status}`);
  return { user, link };
}

async function requireLinkingEnabled(bankCode: string) {
  const bank = await stores().banks.getBank(bankCode);
  if (!bank) throw new DomainError('BANK_NOT_SUPPORTED', `Bank ${bankCode} is not supported`);
  if (!bank.linkingEnabled) throw new DomainError('BANK_SUSPENDED', `Linking with bank ${bankCode} is suspended`, undefined, { 'retry-after': '3600' });
}

/** Pushes the account to its bank; the holder authenticates at `authorizationUrl`. */
export async function startLink(input: { userId: string; account: BankAccount; deviceId?: string }) {
  const { userId, account, deviceId } = input;
  const p = ports();
  const user = await stores().users.requireUser(userId);
  mustBeActive(user);
  if (!user.phoneVerified) throw new DomainError('PHONE_UNVERIFIED', 'Verify your phone number first');
  if (user.kycStatus !== 'VERIFIED') throw new DomainError('KYC_REQUIRED', 'Verify your identity (eKYC) before linking a bank account');
  const now = p.clock.now();
  // The cap comes before anything about the account is looked at: otherwise its answer
  // (429 here, 409 or 403 there) would tell a prober which accounts are linked or locked.
  const recent = (await stores().links.listLinks(userId)).filter((l) => Date.parse(l.createdAt) > now - DAY);
  if (recent.length >= LINK_ABUSE.attemptsPerDay) {
    throw new DomainError('RATE_LIMITED', `At most ${LINK_ABUSE.attemptsPerDay} link attempts a day`, undefined, { 'retry-after': '3600' });
  }
  await requireLinkingEnabled(account.bankCode);
  const hash = accountHash((await p.secrets()).accountKey, account);
  const [lock, listed] = await Promise.all([
    stores().links.getAccountLock(hash, now),
    stores().lists.listHits({ deviceId, phoneNumber: user.phoneNumber, accountHash: hash, identity: user.identity }, now),
  ]);
  if (lock) throw new DomainError('BANK_ACCOUNT_LOCKED', 'This bank account is locked for linking; its holder has been told');
  // A DENY list entry refuses the link as a locked account would (the contract's closest code); a
  // REVIEW entry lets it be made: every charge through it then matches the same entry and goes to a human.
  const denied = listed.filter((h) => h.action === 'DENY');
  if (denied.length)
    throw new DomainError('BANK_ACCOUNT_LOCKED', 'This bank account cannot be linked to this wallet', { reasons: denied.map((h) => LIST_REASON[h.kind]) });
  if (await stores().links.getAccountClaim(hash)) throw new DomainError('ACCOUNT_ALREADY_LINKED', 'This bank account is already linked to a wallet');

  const linkId = `lnk_${randomUUID()}`;
  const request = await p.bank.createAuthorizationRequest({ account, state: linkId });
  const at = new Date(now).toISOString();
  await stores().links.createLink(
    {
      linkId,
      userId,
      bankCode: account.bankCode,
      branchCode: account.branchCode,
      accountMasked: maskAccount(account.accountNumber),
      accountHash: hash,
      status: 'PENDING_BANK_AUTH',
      bankRequestId: request.requestId,
      createdAt: at,
      updatedAt: at,
    },
    { userId, actor: `user:${userId}`, action: 'LINK_REQUESTED', details: { linkId, bankCode: account.bankCode, deviceId }, at: now },
  );
  return { linkId, status: 'PENDING_BANK_AUTH' as const, authorizationUrl: request.authorizationUrl };
}

/**
 * The bank's authorization code is exchanged for the holder's name and birth date, which must be
 * the eKYC identity's; then a code goes to the wallet phone.
 */
export async function authorizeLink(input: { userId: string; linkId: string; authorizationCode: string }) {
  const { userId } = input;
  const p = ports();
  const { user, link } = await linkAt(userId, input.linkId, 'PENDING_BANK_AUTH');
  await requireLinkingEnabled(link.bankCode);
  await refuseIfLocked(link);

  let holder;
  try {
    // The wallet's verified phone goes to the bank, which answers whether it is the holder's registered phone.
    holder = await p.bank.exchangeAuthorizationCode({
      bankCode: link.bankCode,
      requestId: link.bankRequestId,
      authorizationCode: input.authorizationCode,
      walletPhoneNumber: user.phoneNumber,
    });
  } catch (e) {
    if (e instanceof DomainError && e.code === 'BANK_AUTHORIZATION_FAILED') await failLink(link, 'BANK_AUTHORIZATION_FAILED');
    throw e;
  }
  if (!user.identity || !holderMatches(holder, user.identity)) {
    await failLink(link, 'HOLDER_MISMATCH');
    throw new DomainError('HOLDER_MISMATCH', 'The bank account holder is not the person whose identity this wallet verified');
  }
  const now = p.clock.now();
  const code = await issueCode(p, 'link', link.linkId, now, { sendsInWindow: 1, windowStart: now });
  const moved = await stores().links.awaitConfirmation(
    link,
    now,
    {
      userId,
      actor: `user:${userId}`,
      action: 'LINK_BANK_AUTHORIZED',
      details: { linkId: link.linkId, phoneAttested: holder.phoneMatchesHolder === true },
      at: now,
    },
    // Wallets cannot change their phone number; a feature that lets them must drop this attestation.
    { accountRef: holder.accountRef, phoneAttested: holder.phoneMatchesHolder === true },
    code.record,
  );
  if (!moved) throw new DomainError('INVALID_STATE', 'The link changed meanwhile');
  await code.send(user.phoneNumber, (c) => SMS.linkCode[DEFAULT_LANG](c, link));
  return { status: 'PENDING_CONFIRMATION' as const };
}

/** The code from the wallet phone activates the link and claims the account; the bank then tells its holder. */
export async function confirmLink(input: { userId: string; linkId: string; code: string }) {
  const { userId } = input;
  const p = ports();
  const { link } = await linkAt(userId, input.linkId, 'PENDING_CONFIRMATION');
  await refuseIfLocked(link);
  // The holder's notice names the instant the link was activated (the link's activatedAt), not a moment later.
  let activatedAt: number | undefined;
  await verifyCode({
    p,
    slot: { purpose: 'link', linkId: link.linkId },
    purpose: 'link',
    subject: link.linkId,
    candidate: input.code,
    spend: async (hash) => {
      const now = p.clock.now();
      activatedAt = now;
      const result = await stores().links.activateLink(link, { hash, maxAttempts: CODE_POLICY.maxAttempts }, now, {
        userId,
        actor: `user:${userId}`,
        action: 'LINK_ACTIVATED',
        details: { linkId: link.linkId, bankCode: link.bankCode },
        at: now,
      });
      if (result === 'ACCOUNT_TAKEN') {
        await failLinkQuietly(link, 'ACCOUNT_ALREADY_LINKED');
        throw new DomainError('ACCOUNT_ALREADY_LINKED', 'This bank account was linked to another wallet meanwhile');
      }
      return result === 'ACTIVATED';
    },
    onExhausted: () => failLink(link, 'CONFIRMATION_CODE_EXHAUSTED'),
  });

  const now = activatedAt ?? p.clock.now();
  const { notMeTokenKey } = await p.secrets();
  const token = signNotMeToken(notMeTokenKey, {
    linkId: link.linkId,
    userId,
    expiresAt: Math.floor(now / 1000) + NOT_ME_TTL_DAYS * 86400,
    tokenId: randomUUID(),
    event: { kind: 'LINKED', at: Math.floor(now / 1000) },
  });
  await notifyHolderSafely(
    link,
    { accountRef: link.accountRef! },
    'LINKED',
    NOTICES.linked[BANK_NOTICE_LANG]({ accountMasked: link.accountMasked, at: now }),
    `${config().notMePageUrl}?token=${token}`,
  );
  return { status: 'ACTIVE' as const };
}

/** The wallet's links, newest first. */
export async function listBankLinks(userId: string): Promise<LinkView[]> {
  const links = await stores().links.listLinks(userId);
  links.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return links.map(linkView);
}

/** The wallet lets a link go (a failed or removed one quietly stays so); its waiting charges stop. */
export async function unlink(input: { userId: string; linkId: string }): Promise<void> {
  const { userId } = input;
  const link = await requireLink(userId, input.linkId);
  if (link.status === 'REMOVED' || link.status === 'FAILED') return;
  // A suspended link (a not-me report, a bank event) keeps its claim on the account until ops release it:
  // removing it would free the victim's account for another wallet.
  if (link.status === 'SUSPENDED') throw new DomainError('INVALID_STATE', 'This link is suspended; only support can remove it', { status: link.status });
  const now = ports().clock.now();
  const moved = await stores().links.removeLink(link, now, {
    userId,
    actor: `user:${userId}`,
    action: 'LINK_REMOVED',
    details: { linkId: link.linkId, from: link.status },
    at: now,
  });
  if (!moved) throw new DomainError('INVALID_STATE', 'The link changed meanwhile; try again');
  // Charges still waiting on this link stop now; one that races this removal fails its own guard.
  await cancelWaiting(userId, 'LINK_NOT_ACTIVE', `user:${userId}`, (c) => c.linkId === link.linkId);
}

/**
 * A failed link attempt: the link fails, and the failure counts against the wallet
 * and the bank account. Enough of them freeze the wallet or lock the account.
 */
async function failLink(link: LinkRecord, reason: string) {
  const links = stores().links;
  const now = ports().clock.now();
  emit(METRIC.linkFailure, 1, 'Count', { bankCode: link.bankCode });
  await countBankSignal(link.bankCode, 'LINK_FAILURE');
  await links.moveLink(
    link,
    'FAILED',
    now,
    { userId: link.userId, actor: 'system:bank-links', action: 'LINK_FAILED', reason, details: { linkId: link.linkId }, at: now },
    { failureReason: reason },
  );
  await Promise.all([
    links.addStrike(`USER#${link.userId}`, now, LINK_ABUSE.strikeRetentionDays, { reason, linkId: link.linkId }),
    links.addStrike(`ACCOUNT#${link.accountHash}`, now, LINK_ABUSE.strikeRetentionDays, { reason, linkId: link.linkId, userId: link.userId }),
  ]);
  const since = now - LINK_ABUSE.windowHours * 3600_000;
  const [walletStrikes, accountStrikes] = await Promise.all([
    links.strikesSince(`USER#${link.userId}`, since),
    links.strikesSince(`ACCOUNT#${link.accountHash}`, since),
  ]);
  await links.noteStrikes({
    userId: link.userId,
    actor: 'system:bank-links',
    action: 'LINK_STRIKE',
    reason,
    details: { linkId: link.linkId, bankCode: link.bankCode, walletStrikes24h: walletStrikes.length, accountStrikes24h: accountStrikes.length },
    at: now,
  });
  if (walletStrikes.length >= LINK_ABUSE.walletStrikesToFreeze) {
    // The one freeze: it also cancels the wallet's waiting charges.
    await freezeWallet(link.userId, 'LINK_ABUSE', 'system:bank-links', { failedLinkAttempts24h: walletStrikes.length });
  }
  if (accountStrikes.length >= LINK_ABUSE.accountStrikesToLock && !(await links.getAccountLock(link.accountHash, now))) {
    await links.lockAccount(link.accountHash, now + LINK_ABUSE.accountLockDays * DAY, 'REPEATED_LINK_FAILURES', {
      userId: link.userId,
      actor: 'system:bank-links',
      action: 'BANK_ACCOUNT_LOCKED',
      reason: 'REPEATED_LINK_FAILURES',
      details: { bankCode: link.bankCode, failures24h: accountStrikes.length, wallets: new Set(accountStrikes.map((s) => s.userId)).size },
      at: now,
    });
    await notifyHolderSafely(
      link,
      { requestId: link.bankRequestId },
      'ACCOUNT_LOCKED',
      NOTICES.accountLocked[BANK_NOTICE_LANG]({ accountMasked: link.accountMasked, failures: accountStrikes.length }),
    );
  }
}

async function notifyHolderSafely(
  link: LinkRecord,
  target: { accountRef: string } | { requestId: string },
  notice: 'LINKED' | 'ACCOUNT_LOCKED',
  message: string,
  notMeUrl?: string,
) {
  try {
    await ports().bank.notifyHolder({ bankCode: link.bankCode, target, notice, message, notMeUrl });
  } catch (error) {
    // The link stands; a failed notice is an operational alarm, not the user's error.
    logger.error('holder notice failed', { linkId: link.linkId, notice, error: error as Error });
  }
}

/** A lock covers links already under way: they fail (without a new strike) instead of finishing. */
async function refuseIfLocked(link: LinkRecord) {
  if (!(await stores().links.getAccountLock(link.accountHash, ports().clock.now()))) return;
  await failLinkQuietly(link, 'BANK_ACCOUNT_LOCKED');
  throw new DomainError('BANK_ACCOUNT_LOCKED', 'This bank account is locked for linking; its holder has been told');
}

/** A race lost to another wallet is not abuse by this one: the link fails without a strike. */
async function failLinkQuietly(link: LinkRecord, reason: string) {
  const now = ports().clock.now();
  await stores().links.moveLink(
    link,
    'FAILED',
    now,
    { userId: link.userId, actor: 'system:bank-links', action: 'LINK_FAILED', reason, details: { linkId: link.linkId }, at: now },
    { failureReason: reason },
  );
}
