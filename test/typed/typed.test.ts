/**
 * Type-checked linting: clients reached through other modules are recognised by their library types, and on
 * every syntactic case the typed configuration reports exactly what the syntactic one does (never worse).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tsParser from '@typescript-eslint/parser';
import { describe } from 'vitest';
import noPayloadTraceIds from '../../rules/no-payload-trace-ids.js';
import requireContextExtraction from '../../rules/require-context-extraction.js';
import requireHeaderInjection from '../../rules/require-header-injection.js';
import { eslintVersions, type Case } from '../rule-tester.js';
import * as contextCases from '../rules/cases/require-context-extraction.js';
import * as headerCases from '../rules/cases/require-header-injection.js';
import * as payloadCases from '../rules/cases/no-payload-trace-ids.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), 'project');
const [, RuleTester] = eslintVersions[0]!;
const tester = new RuleTester({
  languageOptions: {
    parser: tsParser,
    parserOptions: { projectService: true, tsconfigRootDir: root },
  },
});

const typed = (c: Case): Case & { filename: string } => ({
  ...c,
  filename: path.join(root, 'file.ts'),
  options: [{ ...((c.options?.[0] as object | undefined) ?? {}), useTypeInformation: true }],
});
const tsOnly = (c: Case) => !c.filename?.endsWith('.js');

const typeOnlyValid: Case[] = [
  { name: 'typed: a local object whose send looks like kafkajs', code: "import { notABroker } from './deps';\nawait notABroker.send({ topic: 't', messages: [{ value: 'v' }] });" },
  { name: 'typed: injected headers on a producer from another module', code: "import { propagation, context } from '@opentelemetry/api';\nimport type { Deps } from './deps';\nexport async function f(deps: Deps) { const headers = {}; propagation.inject(context.active(), headers);\n  await deps.producer.send({ topic: 't', messages: [{ value: 'v', headers }] }); }" },
];

const typeOnlyInvalid: Case[] = [
  { name: 'typed: producer held in a dependency object', code: "import type { Deps } from './deps';\nexport async function f(deps: Deps) { await deps.producer.send({ topic: 't', messages: [{ value: 'v' }] }); }", errors: [{ messageId: 'missingHeaders', line: 2, suggestions: [{ messageId: 'useHelper', output: "import type { Deps } from './deps';\nimport { injectTraceHeaders } from 'trace-propagation-helpers';\nexport async function f(deps: Deps) { await deps.producer.send({ topic: 't', messages: [{ value: 'v', headers: injectTraceHeaders() }] }); }" }] }] },
  { name: 'typed: producer returned by a factory in another module', code: "import { getProducer } from './deps';\nconst p = await getProducer();\nawait p.send({ topic: 't', messages: [{ value: 'v' }] });", errors: [{ messageId: 'missingHeaders', line: 3, suggestions: [{ messageId: 'useHelper', output: "import { getProducer } from './deps';\nimport { injectTraceHeaders } from 'trace-propagation-helpers';\nconst p = await getProducer();\nawait p.send({ topic: 't', messages: [{ value: 'v', headers: injectTraceHeaders() }] });" }] }] },
  { name: 'typed: amqplib channel from a dependency object', code: "import type { Deps } from './deps';\nexport function f(deps: Deps) { deps.channel.publish('ex', 'rk', Buffer.from('x')); }", errors: [{ messageId: 'missingHeaders', suggestions: [{ messageId: 'useHelper', output: "import type { Deps } from './deps';\nimport { injectTraceHeaders } from 'trace-propagation-helpers';\nexport function f(deps: Deps) { deps.channel.publish('ex', 'rk', Buffer.from('x'), { headers: injectTraceHeaders() }); }" }] }] },
  { name: 'typed: SQS client in a field', code: "import { SendMessageCommand } from '@aws-sdk/client-sqs';\nimport type { Deps } from './deps';\nexport async function f(deps: Deps) { await deps.sqs.send(new SendMessageCommand({ QueueUrl: 'q', MessageBody: 'b' })); }", errors: [{ messageId: 'missingHeaders', suggestions: [{ messageId: 'useHelper', output: "import { SendMessageCommand } from '@aws-sdk/client-sqs';\nimport type { Deps } from './deps';\nimport { injectMessageAttributes } from 'trace-propagation-helpers';\nexport async function f(deps: Deps) { await deps.sqs.send(new SendMessageCommand({ QueueUrl: 'q', MessageBody: 'b', MessageAttributes: injectMessageAttributes() })); }" }] }] },
];

const typeOnlyConsumerInvalid: Case[] = [
  { name: 'typed: consumer from a dependency object', code: "import type { Deps } from './deps';\nexport async function f(deps: Deps) { await deps.consumer.run({ eachMessage: async ({ message }) => { console.log(message.offset); } }); }", errors: [{ messageId: 'missingExtraction', suggestions: [{ messageId: 'useHelper', output: "import type { Deps } from './deps';\nimport { withConsumerSpan } from 'trace-propagation-helpers';\nexport async function f(deps: Deps) { await deps.consumer.run({ eachMessage: async ({ message }) => { return withConsumerSpan(message.headers, { system: 'kafka' }, async () => { console.log(message.offset); }); } }); }" }] }] },
  { name: 'typed: nats connection from a dependency object', code: "import type { Deps } from './deps';\nexport function f(deps: Deps) { deps.nats.subscribe('o', { callback: (err, msg) => { console.log(msg.subject); } }); }", errors: [{ messageId: 'missingExtraction', suggestions: [{ messageId: 'useHelper', output: "import type { Deps } from './deps';\nimport { withConsumerSpan } from 'trace-propagation-helpers';\nexport function f(deps: Deps) { deps.nats.subscribe('o', { callback: (err, msg) => { return withConsumerSpan(msg?.headers, { system: 'nats', destination: 'o' }, () => { console.log(msg.subject); }); } }); }" }] }] },
];

describe('type-checked configuration', () => {
  tester.run('require-header-injection (typed)', requireHeaderInjection, {
    valid: [...headerCases.valid.filter(tsOnly), ...typeOnlyValid].map(typed),
    invalid: [...headerCases.invalid.filter(tsOnly), ...typeOnlyInvalid].map(typed),
  });
  tester.run('require-context-extraction (typed)', requireContextExtraction, {
    valid: contextCases.valid.filter(tsOnly).map(typed),
    invalid: [...contextCases.invalid.filter(tsOnly), ...typeOnlyConsumerInvalid].map(typed),
  });
  tester.run('no-payload-trace-ids (typed)', noPayloadTraceIds, {
    valid: payloadCases.valid.filter(tsOnly).map(typed),
    invalid: payloadCases.invalid.filter(tsOnly).map(typed),
  });
});
