/**
 * The functions' runtime configuration (functions/shared/config.ts) for the two switches of a deploy
 * beside older code: unset they take the defaults the stack deploys, anything but a known value
 * stops the function before it writes anything.
 */
import { config, resetConfigForTests } from '../../functions/shared/config';

const saved = { ...process.env };
const withEnv = (env: Record<string, string | undefined>) => {
  process.env = { ...saved, TABLE_NAME: 't', USER_POOL_ID: 'p', USER_POOL_CLIENT_ID: 'c', ...env };
  resetConfigForTests();
  return () => config();
};
afterAll(() => {
  process.env = saved;
  resetConfigForTests();
});

describe('deploy switches in the runtime configuration', () => {
  it('default to the compact activity item and a trusted controls mirror', () => {
    expect(withEnv({ ACTIVITY_ITEM_FORMAT: undefined, CONTROLS_MIRROR: '' })()).toEqual(expect.objectContaining({ activityItemFormat: 'compact', controlsMirror: 'trusted' }));
    expect(withEnv({ ACTIVITY_ITEM_FORMAT: 'maps', CONTROLS_MIRROR: 'untrusted' })()).toEqual(expect.objectContaining({ activityItemFormat: 'maps', controlsMirror: 'untrusted' }));
  });

  it('refuse an unknown value, naming the variable and the values it takes', () => {
    expect(withEnv({ ACTIVITY_ITEM_FORMAT: 'Maps' })).toThrow('Environment variable ACTIVITY_ITEM_FORMAT must be one of compact, maps; got "Maps"');
    expect(withEnv({ CONTROLS_MIRROR: 'off' })).toThrow('Environment variable CONTROLS_MIRROR must be one of trusted, untrusted; got "off"');
  });
});
