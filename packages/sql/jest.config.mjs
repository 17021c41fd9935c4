import { jestProjects } from '../../jest.preset.mjs';

export default jestProjects(import.meta.dirname);
