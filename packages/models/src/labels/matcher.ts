import type { Requirement, Selector } from './selector.js';

/** Label maps come from user JSON, so only own properties count: `constructor` is not a label. */
export type Labels = Readonly<Record<string, string>>;

function labelValue(labels: Labels, key: string): string | undefined {
  return Object.hasOwn(labels, key) ? labels[key] : undefined;
}

/**
 * Kubernetes semantics: the negative operators (`!=`, `notin`, `!k`) hold when the key is absent,
 * the positive ones (`=`, `in`, `k`) need it present.
 */
export function requirementMatches(requirement: Requirement, labels: Labels): boolean {
  const value = labelValue(labels, requirement.key);
  switch (requirement.op) {
    case 'eq':
      return value === requirement.values[0];
    case 'neq':
      return value !== requirement.values[0];
    case 'in':
      return value !== undefined && requirement.values.includes(value);
    case 'notin':
      return value === undefined || !requirement.values.includes(value);
    case 'exists':
      return value !== undefined;
    case 'notexists':
      return value === undefined;
  }
}

export function selectorMatches(selector: Selector, labels: Labels): boolean {
  return selector.requirements.every((requirement) => requirementMatches(requirement, labels));
}

/**
 * True for requirements that only match rows carrying the key (`=`, `in`, exists). Those are the
 * ones a GIN index on a jsonb labels column can answer (`@>`, `?`); the negative ones also match
 * rows without the key, so SQL for them cannot narrow through the index.
 */
export function requiresKey(requirement: Requirement): boolean {
  return requirement.op === 'eq' || requirement.op === 'in' || requirement.op === 'exists';
}

export interface SelectorSplit {
  /** Requirements the store translates to SQL. */
  readonly pushdown: readonly Requirement[];
  /** What is left to check in memory with `selectorMatches`; empty when everything was pushed. */
  readonly residual: Selector;
}

/**
 * Splits a selector between the database and memory. The whole selector holds exactly when both
 * halves hold, because requirements are ANDed; `canPush` lets a store that can translate every
 * operator push everything.
 */
export function splitSelector(
  selector: Selector,
  canPush: (requirement: Requirement) => boolean = requiresKey,
): SelectorSplit {
  const pushdown: Requirement[] = [];
  const residual: Requirement[] = [];
  for (const requirement of selector.requirements) {
    (canPush(requirement) ? pushdown : residual).push(requirement);
  }
  return { pushdown, residual: { requirements: residual } };
}
