// Lint, including which folder may import which (the seams of the design card):
// core never imports electron, react or the renderer; the renderer reaches the engine only
// through the contract's modules; electron/ stays out of the renderer.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['fs', 'path', 'os', 'child_process', 'net', 'http', 'https', 'worker_threads', 'crypto', 'url', 'util'];

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'smart'],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='startsWith'][arguments.0.type='Literal'][arguments.0.value=/^(https?|app|file):/]",
          message: 'Compare URLs after parsing them (new URL), never by string prefix.',
        },
      ],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'core/ is pure TypeScript: the Electron shell lives in electron/.' },
            { name: 'react', message: 'core/ never imports React.' },
            { name: 'react-dom', message: 'core/ never imports React.' },
          ],
          patterns: [{ group: ['**/renderer/**', '**/electron/**'], message: 'core/ must not depend on a shell or the renderer.' }],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer talks only to the contract client (renderer/src/api/client.ts).' }],
          patterns: [
            { group: NODE_BUILTINS.flatMap((m) => [m, `node:${m}`]), message: 'The renderer runs in a sandboxed page: no Node modules.' },
            { group: ['**/electron/**'], message: 'The renderer must not import the Electron shell.' },
            {
              regex: String.raw`core/(?!api/(contract|names|bridge|errors)(\.js)?$)`,
              message: 'The renderer may import only the contract modules of core/api.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['react', 'react-dom'], patterns: [{ group: ['**/renderer/**'], message: 'The shell must not import the renderer.' }] }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['**/*.test.ts', 'e2e/**/*.ts'],
    rules: { 'no-empty-pattern': 'off' },
  },
);
