// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The layers of DESIGN.md, bottom up: a layer may import only from the layers before it. */
const layers = ['codec', 'transport', 'wire', 'session', 'commands', 'client', 'testing', 'cli'];
/** wire/ is pure byte code: no I/O, so it may not reach the transport either. */
const forbiddenBelow = {
  codec: layers.slice(1),
  transport: ['wire', 'session', 'commands', 'client', 'testing', 'cli'],
  wire: ['transport', 'session', 'commands', 'client', 'testing', 'cli'],
  session: ['commands', 'client', 'testing', 'cli'],
  commands: ['client', 'testing', 'cli'],
  client: ['testing', 'cli'],
  testing: ['cli'],
};
const patternFor = (layer) => (layer === 'client' ? ['**/client.js', '**/index.js'] : [`**/${layer}/**`]);
const layerRules = Object.entries(forbiddenBelow).map(([layer, forbidden]) => ({
  files: layer === 'client' ? ['src/client.ts'] : [`src/${layer}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: forbidden.flatMap(patternFor),
            message: `src/${layer} sits below this module in DESIGN.md's layering; data flows one way.`,
          },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['dist/', 'dist-check/', 'node_modules/', 'coverage/', '.tmp/', 'docs/api/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        queueMicrotask: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        URL: 'readonly',
        performance: 'readonly',
        AbortController: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  ...layerRules,
);
