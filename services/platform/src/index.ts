export { startEmbeddedPlatform } from './embedded.js';
