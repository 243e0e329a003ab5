/**
 * `@imagespec/core/plugin`: importing, validating and selecting builders (the contract itself is
 * in `@imagespec/core/builder`).
 */

export type { ImportModule } from '../import-module.js';
export type { LoadBuilderOptions, LoadedBuilderModule } from './load.js';
export { loadBuilderModule } from './load.js';
export type { BuilderInfo, BuilderSelection, BuilderSelectionOptions, SelectedBuilder } from './selection.js';
export { createBuilderSelection } from './selection.js';
export { validateBuilderDefinition } from './validate.js';
