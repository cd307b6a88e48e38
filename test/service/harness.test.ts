import { ports } from '../../functions/shared/runtime';
import { stores, useStores } from '../../functions/store';
import { serviceWorld, type ServiceWorld } from '../support/service';

let w: ServiceWorld;
beforeEach(() => {
  w = serviceWorld();
});
afterEach(() => w.close());
afterAll(() => useStores(undefined));

describe('the service tier', () => {
  it('installs the in-memory ports: the clock a test moves is the one use cases read', () => {
    const before = ports().clock.now();
    w.clock.advance(3600);
    expect(ports().clock.now() - before).toBeGreaterThanOrEqual(3600_000);
  });

  it('sends SMS into the outbox a test reads, not to SNS', async () => {
    await ports().sms.send('+819011112222', 'hello');
    expect(w.sms.messagesTo('+819011112222').map((m) => m.body)).toEqual(['hello']);
  });

  it('gives each world its own bank: an account opened in one is unknown to the next', () => {
    const opened = w.bank.openAccount({
      bankCode: '0001',
      holderNameKana: 'ヤマダ タロウ',
      dateOfBirth: '1990-01-01',
      phoneNumber: '+819011112222',
      balance: 1000,
    });
    expect(w.bank.account({ bankCode: '0001', ...opened })?.balance).toBe(1000);
    const next = serviceWorld();
    expect(next.bank.account({ bankCode: '0001', ...opened })).toBeUndefined();
    next.close();
  });

  it('resolves every store through the composition root', () => {
    for (const name of Object.keys(stores()) as (keyof ReturnType<typeof stores>)[]) expect(stores()[name]).toBeDefined();
  });
});

describe('the workflow in the service tier', () => {
  it('loads the task functions the charge workflow invokes in this process (their middy chain included)', async () => {
    const { handlerOf } = await import('../../local/lambda-runtime');
    await expect(handlerOf('chargeWorkflow')).resolves.toEqual(expect.any(Function));
  });
});
