/** Separate projects so unit tests stay fast and need no AWS, and the slow ones can run alone. */
const tsJest = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };
const base = { testEnvironment: 'node', transform: tsJest, moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  // A global option (jest ignores it inside a project): integration tests wait on a real stack.
  testTimeout: 120000,
  testSequencer: '<rootDir>/test/support/sequencer.js',
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...base, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    // The use cases on in-memory stores and ports: no Java, no emulators, no HTTP; seconds, not minutes.
    {
      ...base,
      displayName: 'service',
      testMatch: ['<rootDir>/test/service/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/service-env.ts'],
      // The workflow's tasks run in this process, and their middy chain is ESM-only: compiled to CommonJS for jest.
      transform: { ...tsJest, '^.+/node_modules/@middy/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true }, diagnostics: false }] },
      transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
    },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
