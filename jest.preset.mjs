// Shared jest configuration. Each workspace's jest.config.mjs calls `jestProjects(import.meta.dirname)`.
// Tests run on TypeScript sources (the `@maison/source` export condition), transformed by SWC as ESM.
import path from 'node:path';

const root = import.meta.dirname;

/** @param {string} dir @param {'unit'|'int'|'e2e'} tier */
function project(dir, tier) {
  const integration = tier !== 'unit';
  return {
    displayName: tier,
    rootDir: dir,
    testMatch: [`<rootDir>/**/*.${tier}.test.ts`],
    testPathIgnorePatterns: ['/node_modules/', '/dist/'],
    testEnvironment: 'node',
    testEnvironmentOptions: { customExportConditions: ['@maison/source', 'node', 'node-addons'] },
    extensionsToTreatAsEsm: ['.ts'],
    moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: {
            parser: { syntax: 'typescript' },
            target: 'es2024',
            // keep class fields with define semantics, like tsc with target ES2022+
            transform: { useDefineForClassFields: true },
          },
          module: { type: 'es6' },
          sourceMaps: 'inline',
        },
      ],
    },
    ...(integration
      ? {
          globalSetup: path.join(root, 'packages/testing/src/infrastructure.ts'),
          globalTeardown: path.join(root, 'packages/testing/src/jest-global-teardown.ts'),
        }
      : {}),
  };
}

/** @param {string} dir */
export function jestProjects(dir) {
  return {
    projects: [project(dir, 'unit'), project(dir, 'int'), project(dir, 'e2e')],
    reporters: ['default', path.join(root, 'scripts/jest-summary-reporter.mjs')],
    testTimeout: 60_000,
  };
}
