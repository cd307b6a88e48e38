import { createServer, type Server } from 'node:net';
import { stackPort } from '../../bench/lib/stack';

/** `npm run bench` / `simulate` start their stack on PORT as `npm start` reads it, or on free ports. */
describe('the port of a stack the benchmarks start', () => {
  let held: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((r) => (held ? held.close(() => r()) : r()));
    held = undefined;
  });

  it('is a free base port (with the next two) when PORT is unset', async () => {
    const port = await stackPort({});
    expect(port).toBeGreaterThanOrEqual(20_000);
  });

  it('is PORT when PORT and the two after it are free', async () => {
    const free = await stackPort({});
    expect(await stackPort({ PORT: String(free) })).toBe(free);
  });

  it('refuses a taken PORT, naming ANSHIN_URL to measure the stack already there', async () => {
    const base = await stackPort({});
    held = createServer();
    await new Promise<void>((r) => held!.listen(base + 1, '127.0.0.1', () => r()));
    await expect(stackPort({ PORT: String(base) })).rejects.toThrow(new RegExp(`port ${base + 1} is taken.*ANSHIN_URL=http://127.0.0.1:${base}`));
  });

  it('refuses a PORT that is not a port', async () => {
    await expect(stackPort({ PORT: 'http' })).rejects.toThrow(/PORT must be a port number/);
  });
});
