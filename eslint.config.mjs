// typescript-eslint's recommended rules (flat config) on everything tsc checks. `npm run lint`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.data/', 'reports/', 'coverage/', 'console/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      // `_x` marks a value left unused on purpose (a destructured field dropped, an ignored argument).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      '@typescript-eslint/no-unused-expressions': ['error', { allowTernary: true, allowShortCircuit: true }],
      // Japanese text separates words with U+3000; only whitespace outside strings and templates is suspect.
      'no-irregular-whitespace': ['error', { skipStrings: true, skipTemplates: true, skipRegExps: true }],
    },
  },
  {
    // Tests, the local stack and the benchmark read untyped JSON from HTTP and emulators, load modules
    // on demand, and strip control characters on purpose (fuzzing).
    files: ['test/**', 'local/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-require-imports': 'off', 'no-control-regex': 'off' },
  },
  {
    // Adapters and stores are required on first use so a function loads only the SDK clients it needs (cold start).
    files: ['functions/shared/runtime.ts', 'functions/store/index.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The SDK clients' middleware stacks differ in their generic types.
    files: ['functions/adapters/local-hooks.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: {
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly', console: 'readonly', Buffer: 'readonly' },
    },
  },
  { files: ['**/*.js', '**/*.cjs'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
