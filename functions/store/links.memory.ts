import type { AuditEntry } from '../domain/audit';
import type { LinkRecord, LinkStatus } from '../domain/bank-link';
import type { StoredCode } from '../domain/codes';
import type { ActivationResult, LinkStore } from './links';
import { recordAudit } from './audit.memory';
import { copy, type MemoryWorld } from './memory-world';

const linkKey = (userId: string, linkId: string) => `${userId}/${linkId}`;
/** Where the codes store keeps a link's code (`CodeSlot` { purpose: 'link', linkId }). */
const codeKey = (linkId: string) => `link/${linkId}`;

/** A write the store could not make at all (DynamoDB cancels such a transaction): never an answer a caller expects. */
const cancelled = (what: string) => Object.assign(new Error(`transaction cancelled: ${what}`), { name: 'TransactionCanceledException' });

/**
 * The links store over a MemoryWorld, with DynamoDB's semantics: each verb checks all its
 * conditions, then makes all its changes, with no `await` in between.
 */
export function memoryLinks(world: MemoryWorld): LinkStore {
  const audit = (entry: AuditEntry) => recordAudit(world, entry);
  /** The link as read, still in that state (the condition of every move). */
  const unchanged = (link: LinkRecord) => world.links.get(linkKey(link.userId, link.linkId))?.status === link.status;
  const move = (link: LinkRecord, to: LinkStatus, now: number, set: Partial<LinkRecord>) => {
    const key = linkKey(link.userId, link.linkId);
    world.links.set(key, { ...world.links.get(key)!, ...copy(set), status: to, updatedAt: new Date(now).toISOString() });
  };
  const holdAccount = (accountHash: string, userId: string, now: number) => {
    const wallets = world.accountWallets.get(accountHash) ?? new Map<string, number>();
    wallets.set(userId, now);
    world.accountWallets.set(accountHash, wallets);
  };
  const moveLink = async (link: LinkRecord, to: LinkStatus, now: number, entry: AuditEntry, set: Partial<LinkRecord> = {}) => {
    if (!unchanged(link)) return false;
    move(link, to, now, set);
    audit(entry);
    return true;
  };

  return {
    getLink: async (userId, linkId) => copy(world.links.get(linkKey(userId, linkId))),
    listLinks: async (userId) => [...world.links.values()].filter((l) => l.userId === userId).map(copy),
    linksOfAccount: async (accountHash) =>
      [...world.links.values()]
        .filter((l) => l.accountHash === accountHash)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
        .map(copy),
    createLink: async (link, entry) => {
      const key = linkKey(link.userId, link.linkId);
      if (world.links.has(key)) throw cancelled(`link ${link.linkId} exists`);
      world.links.set(key, copy(link));
      audit(entry);
    },
    moveLink,
    awaitConfirmation: async (link, now, entry, set, code: StoredCode) => {
      if (!unchanged(link)) return false;
      move(link, 'PENDING_CONFIRMATION', now, set);
      world.codes.set(codeKey(link.linkId), copy(code));
      audit(entry);
      return true;
    },
    activateLink: async (link, code, now, entry): Promise<ActivationResult> => {
      if (world.accountClaims.has(link.accountHash)) return 'ACCOUNT_TAKEN';
      const stored = world.codes.get(codeKey(link.linkId));
      if (!unchanged(link) || stored?.hash !== code.hash || stored.attempts >= code.maxAttempts) return 'STALE';
      const since = new Date(now).toISOString();
      world.accountClaims.set(link.accountHash, { userId: link.userId, linkId: link.linkId, bankCode: link.bankCode, since });
      move(link, 'ACTIVE', now, { activatedAt: since });
      world.codes.delete(codeKey(link.linkId));
      audit(entry);
      holdAccount(link.accountHash, link.userId, now);
      return 'ACTIVATED';
    },
    removeLink: async (link, now, entry) => {
      const holdsClaim = link.status === 'ACTIVE' || link.status === 'SUSPENDED';
      if (!unchanged(link)) return false;
      if (holdsClaim && world.accountClaims.get(link.accountHash)?.linkId !== link.linkId)
        throw cancelled(`the claim on the account is not link ${link.linkId}'s`);
      move(link, 'REMOVED', now, {});
      audit(entry);
      if (holdsClaim) {
        world.accountClaims.delete(link.accountHash);
        holdAccount(link.accountHash, link.userId, now);
      }
      return true;
    },
    getAccountClaim: async (accountHash) => {
      const claim = world.accountClaims.get(accountHash);
      return claim && { userId: claim.userId, linkId: claim.linkId };
    },
    getAccountLock: async (accountHash, now) => {
      const lock = world.accountLocks.get(accountHash);
      return lock && Date.parse(lock.until) > now ? copy(lock) : undefined;
    },
    lockAccount: async (accountHash, until, reason, entry) => {
      world.accountLocks.set(accountHash, { until: new Date(until).toISOString(), reason });
      audit(entry);
    },
    addStrike: async (subject, now, _retentionDays, details) => {
      const list = world.strikes.get(subject) ?? [];
      list.push({ at: new Date(now).toISOString(), ...copy(details) });
      world.strikes.set(subject, list);
    },
    strikesSince: async (subject, sinceMs) => {
      const since = new Date(sinceMs).toISOString();
      return (world.strikes.get(subject) ?? []).filter((s) => s.at >= since).map(copy);
    },
    noteStrikes: async (entry) => void audit(entry),
    accountLastActiveElsewhere: async (accountHash, userId) => {
      const others = [...(world.accountWallets.get(accountHash) ?? new Map<string, number>())].filter(([u]) => u !== userId).map(([, ms]) => ms);
      return others.length ? Math.max(...others) : undefined;
    },
  };
}
