export { SerialLink, type SerialOptions } from './link.js';
