import { z } from 'zod';
import { didYouMean } from '../common/did-you-mean.js';

/**
 * A strict zod object whose unknown-field errors name the field and suggest the one meant
 * (`unknown field "header", did you mean headers?`): how Serin reads other projects' shapes.
 */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code !== 'unrecognized_keys') return undefined;
      return issue.keys
        .map((key) => {
          const guess = didYouMean(key, known);
          return `unknown field "${key}"${guess === undefined ? '' : `, did you mean ${guess}?`}`;
        })
        .join('; ');
    },
  });
}
