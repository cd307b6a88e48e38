import type { BankSettings } from '../domain/bank';
import type { Caller } from '../shared/caller';
import { ports } from '../shared/runtime';
import { stores } from '../store';
import { cancelBankCharges } from './charge-lifecycle';


/** Every bank and its switches, by bank code. */
export async function bankSettings(): Promise<BankSettings[]> {
  const items = await stores().banks.listBanks();
  return items.sort((a, b) => a.bankCode.localeCompare(b.bankCode));
}

export interface BankSwitch {
  bankCode: string;
  linkingEnabled: boolean;
  chargingEnabled: boolean;
  name?: string;
  breaker?: BankSettings['breaker'];
  caller: Caller;
}

/** Creates the bank if it is new, so a deployment is seeded by the first switch. Read on every link and charge: effective at once. */
export async function switchBank(input: BankSwitch): Promise<BankSettings> {
  const now = ports().clock.now();
  const actor = (await stores().staff.staffOf(input)).actor;
  const current = await stores().banks.getBank(input.bankCode);
  const breaker = input.breaker ?? current?.breaker;
  const settings: BankSettings = {
    bankCode: input.bankCode,
    name: input.name ?? current?.name ?? `Bank ${input.bankCode}`,
    linkingEnabled: input.linkingEnabled,
    chargingEnabled: input.chargingEnabled,
    updatedAt: new Date(now).toISOString(),
    updatedBy: actor,
    ...(breaker ? { breaker } : {}),
  };
  await stores().banks.saveBank(settings, {
    userId: `bank-${settings.bankCode}`,
    actor,
    action: 'BANK_SWITCHED',
    details: {
      bankCode: settings.bankCode,
      from: current ? { linkingEnabled: current.linkingEnabled, chargingEnabled: current.chargingEnabled } : null,
      to: { linkingEnabled: settings.linkingEnabled, chargingEnabled: settings.chargingEnabled },
    },
    at: now,
  });
  // Charging switched off: charges of this bank still waiting for a code or a human stop now;
  // one racing the switch fails its own guard at its next step.
  if (!settings.chargingEnabled && current?.chargingEnabled !== false) await cancelBankCharges(settings.bankCode, actor);
  return settings;
}
