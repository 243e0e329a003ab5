/**
 * `@imagespec/core/lint`: the rules `imagespec lint` checks.
 */

export type { LintWarning, Locate } from './lint.js';
export { lintSpecs } from './lint.js';
export type { LintFinding, LintInput, LintRule } from './rules.js';
export { lintSpec, requirementName } from './rules.js';
