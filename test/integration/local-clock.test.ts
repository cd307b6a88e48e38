/**
 * `POST /local/clock` (DESIGN.md, local-only routes): it moves the service clock AND runs what the
 * cloud's schedules would have run by then, before it answers. The simulation relies on this: it
 * moves an hour at a time faster than any timer, so a sweeper that only ran every few seconds of
 * real time would leave expiries and due holds days behind the clock.
 */
import { randomUUID } from 'node:crypto';
import { api } from '../support/api';
import { getCharge, linkedWallet, postCharge } from '../support/charges';

describe('POST /local/clock runs the schedules before it answers', () => {
  it('a charge waiting for its code is EXPIRED in the very next read after the clock passes its deadline', async () => {
    const w = await linkedWallet();
    // A device this wallet has never used: a code is asked whatever the link's age (NEW_DEVICE).
    const res = await postCharge(w, 1_000, { deviceId: `dev-${randomUUID()}` });
    expect(res.status).toBe(202);
    if (res.body.status === 'PENDING_HOLD') {
      // With holder windows (issue 12) a young link's charge may be held instead: then it must be moving when the clock passes availableAt.
      const wait = Math.ceil((Date.parse(res.body.availableAt) - Date.parse((await api('GET', '/local/clock')).body.now)) / 1000) + 1;
      expect((await api('POST', '/local/clock', { body: { advanceSeconds: Math.max(1, wait) } })).status).toBe(200);
      expect((await getCharge(w, res.body.chargeId)).body.status).not.toBe('PENDING_HOLD');
      return;
    }
    expect(res.body.status).toBe('PENDING_CONFIRMATION');
    const moved = await api('POST', '/local/clock', { body: { advanceSeconds: 5 * 60 + 1 } });
    expect(moved.status).toBe(200);
    expect(moved.body.sweep).toEqual(expect.objectContaining({ expired: expect.arrayContaining([res.body.chargeId]) }));
    // No polling: the answer of the clock move came after the sweep.
    expect((await getCharge(w, res.body.chargeId)).body.status).toBe('EXPIRED');
  });
});
