import { badRequest } from './errors.js';
import { getPath, isObject, stringMap, type JsonObject } from './json.js';

type LabelOperator = 'exists' | 'notexists' | 'eq' | 'neq' | 'in' | 'notin';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

const KEY = /^([a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;
const VALUE = /^(([a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?)?)$/;

/** Splits on commas that are not inside `in (...)` value sets. */
function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of selector) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

function checkKey(key: string, selector: string): string {
  if (!KEY.test(key))
    throw badRequest(`unable to parse requirement: invalid label key "${key}" in "${selector}"`);
  return key;
}

function checkValue(value: string, selector: string): string {
  if (!VALUE.test(value) || value.length > 63) {
    throw badRequest(`unable to parse requirement: invalid label value "${value}" in "${selector}"`);
  }
  return value;
}

function parseRequirement(text: string, selector: string): LabelRequirement {
  const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(text);
  if (setMatch) {
    const values = (setMatch[3] ?? '').split(',').map((value) => checkValue(value.trim(), selector));
    return { key: checkKey(setMatch[1] ?? '', selector), operator: setMatch[2] as 'in' | 'notin', values };
  }
  const equality = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(text);
  if (equality) {
    const operator = equality[2] === '!=' ? 'neq' : 'eq';
    const value = checkValue((equality[3] ?? '').trim(), selector);
    return { key: checkKey(equality[1] ?? '', selector), operator, values: [value] };
  }
  if (text.startsWith('!'))
    return { key: checkKey(text.slice(1).trim(), selector), operator: 'notexists', values: [] };
  return { key: checkKey(text, selector), operator: 'exists', values: [] };
}

/** Parses a Kubernetes label selector: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`. */
export function parseLabelSelector(selector: string | null | undefined): LabelRequirement[] {
  if (selector === null || selector === undefined || selector.trim() === '') return [];
  return splitTopLevel(selector).map((part) => parseRequirement(part, selector));
}

function requirementMatches(requirement: LabelRequirement, labels: Record<string, string>): boolean {
  const value = labels[requirement.key];
  switch (requirement.operator) {
    case 'exists':
      return value !== undefined;
    case 'notexists':
      return value === undefined;
    case 'eq':
    case 'in':
      return value !== undefined && requirement.values.includes(value);
    case 'neq':
    case 'notin':
      return value === undefined || !requirement.values.includes(value);
  }
}

export function labelsMatch(requirements: readonly LabelRequirement[], object: JsonObject): boolean {
  const metadata = object.metadata;
  const labels = stringMap(isObject(metadata) ? metadata.labels : undefined);
  return requirements.every((requirement) => requirementMatches(requirement, labels));
}

export interface FieldRequirement {
  field: string;
  value: string;
  negate: boolean;
}

/** Parses a field selector (`metadata.name=web,metadata.namespace!=kube-system`) against the fields a kind supports. */
export function parseFieldSelector(
  selector: string | null | undefined,
  supported: readonly string[],
): FieldRequirement[] {
  if (selector === null || selector === undefined || selector.trim() === '') return [];
  return selector
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const match = /^([^=!]+)(==|=|!=)(.*)$/.exec(part);
      if (!match) throw badRequest(`invalid field selector: "${part}" is not of the form field=value`);
      const field = (match[1] ?? '').trim();
      if (!supported.includes(field)) throw badRequest(`field label not supported: ${field}`);
      return { field, value: (match[3] ?? '').trim(), negate: match[2] === '!=' };
    });
}

export function fieldsMatch(requirements: readonly FieldRequirement[], object: JsonObject): boolean {
  return requirements.every((requirement) => {
    const actual = getPath(object, requirement.field);
    const text = typeof actual === 'string' || typeof actual === 'number' ? String(actual) : '';
    return requirement.negate ? text !== requirement.value : text === requirement.value;
  });
}
