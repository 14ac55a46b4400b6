/**
 * @fileoverview Options every rule shares, with their JSON schema.
 */
import type { JSONSchema4 } from '@typescript-eslint/utils/json-schema';
import { instrumentations, type Instrumentation } from './brokers/index.js';

export interface SharedOptions {
  autoInstrumented?: Partial<Record<Instrumentation, boolean>>;
  useTypeInformation?: boolean;
}

export const sharedSchemaProperties: Record<string, JSONSchema4> = {
  autoInstrumented: {
    type: 'object',
    description:
      'Runtime instrumentations registered in this codebase. Each silences exactly what that instrumentation really injects or extracts (see the rule docs).',
    properties: Object.fromEntries(
      instrumentations.map((name) => [name, { type: 'boolean', description: `Whether the ${name} instrumentation is registered.` }]),
    ),
    additionalProperties: false,
  },
  useTypeInformation: {
    type: 'boolean',
    description: 'Also recognise broker clients by their TypeScript types (needs typed linting: parserOptions.projectService).',
  },
};

export const namesSchema = (description: string): JSONSchema4 => ({
  type: 'array',
  description,
  items: { type: 'string', minLength: 1 },
  uniqueItems: true,
});
