export { ClientDirectory, DIRECTORY_MIGRATIONS, type DirectoryChange } from './client-directory.js';
