import { jestProjects } from '../../jest.preset.mjs';

const preset = jestProjects(import.meta.dirname);

// libphonenumber-js loads its metadata from `metadata.max.json.js` (a JS module, so plain Node
// needs no import attributes). The preset's mapper strips `.js` from relative imports, which
// turns that into an import of the raw JSON file, deprecated in jest's ESM mode. Keep those as is.
export default {
  ...preset,
  projects: preset.projects.map((project) => ({
    ...project,
    moduleNameMapper: { '^(\\.{1,2}/.*\\.json)\\.js$': '$1.js', ...project.moduleNameMapper },
  })),
};
