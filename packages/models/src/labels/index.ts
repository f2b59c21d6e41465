export type { Labels, SelectorSplit } from './matcher.js';
export { requirementMatches, requiresKey, selectorMatches, splitSelector } from './matcher.js';
export type { NumericRequirement, SelectorWithNumeric } from './numeric.js';
export { numericMatches, parseSelectorsWithNumeric } from './numeric.js';
export type { Requirement, RequirementOp, Selector } from './selector.js';
export {
  formatRequirement,
  formatSelector,
  labelKeyProblem,
  labelValueProblem,
  parseSelector,
  parseSelectors,
  SelectorSyntaxError,
} from './selector.js';
