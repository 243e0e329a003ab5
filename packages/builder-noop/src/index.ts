import { defineBuilder } from '@imagespec/core/builder';
import { noopBuilder } from './noop.js';

export { droppedFields, noopSupports } from './noop.js';

export default defineBuilder(noopBuilder);
