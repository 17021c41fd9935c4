// Scaffolds a workspace with the project's standard scripts and configs:
//   node scripts/new-workspace.mjs packages/<name> "<description>"
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [dir, description = ''] = process.argv.slice(2);
if (!dir) throw new Error('usage: new-workspace.mjs <dir> [description]');
const root = path.join(import.meta.dirname, '..');
const abs = path.join(root, dir);
const name = `@maison/${path.basename(dir)}`;
const up = path.relative(abs, root);
mkdirSync(path.join(abs, 'src'), { recursive: true });

const jest =
  "NODE_OPTIONS='--experimental-vm-modules --no-warnings=ExperimentalWarning --disable-warning=TimeoutNegativeWarning' jest";
const write = (file, content) => {
  const p = path.join(abs, file);
  if (!existsSync(p))
    writeFileSync(
      p,
      typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`,
    );
};
write('package.json', {
  name,
  version: '0.1.0',
  private: true,
  description,
  type: 'module',
  exports: {
    '.': {
      '@maison/source': './src/index.ts',
      types: './dist/index.d.ts',
      default: './dist/index.js',
    },
  },
  scripts: {
    build: 'tsc -p tsconfig.build.json',
    typecheck: 'tsc --noEmit',
    lint: 'eslint .',
    'test:unit': `${jest} --selectProjects unit --passWithNoTests`,
    'test:int': `${jest} --selectProjects int --passWithNoTests`,
    'test:e2e': `${jest} --selectProjects e2e --passWithNoTests`,
  },
  dependencies: {},
});
write('tsconfig.json', {
  extends: `${up}/tsconfig.base.json`,
  compilerOptions: { noEmit: true },
  include: ['src', 'test', '*.ts'],
});
write('tsconfig.build.json', {
  extends: `${up}/tsconfig.base.json`,
  compilerOptions: { rootDir: 'src', outDir: 'dist', customConditions: [], noEmit: false },
  include: ['src'],
  exclude: ['src/**/*.test.ts'],
});
write(
  'jest.config.mjs',
  `import { jestProjects } from '${up}/jest.preset.mjs';\n\nexport default jestProjects(import.meta.dirname);\n`,
);
write('src/index.ts', 'export {};\n');
console.log(`scaffolded ${name} in ${dir}`);
