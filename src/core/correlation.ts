/**
 * @fileoverview Correlation and causation IDs in message metadata (`require-correlation-id`): every publish carries
 * the correlation ID (and the other required IDs that are headers) in its carrier; inside a consumer handler, a
 * publish is a causal step, so its correlation ID comes from the consumed message (not a fresh `randomUUID()`) and
 * its causation ID is the consumed message's event ID; a correlation ID in the payload belongs in the metadata.
 *
 * Carriers the core cannot read (a parameter, a spread of an unknown call) are not judged. AMQP's `correlationId`
 * property and NestJS reply IDs match requests to replies: they are business correlation IDs only when the
 * conventions say so (`replyCorrelationIsBusiness`).
 */
import type { TSESTree } from '@typescript-eslint/utils';
import { DEFAULT_CONVENTIONS, type Conventions } from './conventions.js';
import { calleeName, contains, staticName, unwrap, type Node } from './ast.js';
import type { ConsumeSite } from './consume.js';
import { constantString } from './destinations.js';
import type { Finding } from './findings.js';
import { bodyReads } from './contract.js';
import { addPropertyEdits, helper, removePropertyEdits, sourceOf, type Edit, type FixHint, type Requirement } from './fixes.js';
import { calleeImport, CORRELATION_HELPERS, INJECT_HELPERS, type PropagationNames } from './otel.js';
import { evalPath } from './paths.js';
import { checkPayloadOfPublish } from './payload.js';
import type { PublishSite } from './publish.js';
import { guardsMessage, incomingCarrierExpression } from './repairs.js';
import type { Resolver, ScopeVariable } from './resolve.js';
import { normaliseKey } from './trace-keys.js';

type Field = 'correlationId' | 'causationId' | 'eventId';

const CORRELATION_HELPER_NAMES = new Set(Object.values(CORRELATION_HELPERS));
const INJECT_HELPER_NAMES = new Set(Object.keys(INJECT_HELPERS));

/** What a carrier is seen to hold: its key names (normalised), or `all` (a correlation helper wrote it), or unknown. */
type Keys = { known: true; keys: Set<string>; all: boolean; values: Map<string, Node>; helper?: TSESTree.CallExpression } | { known: false };

/** The header names our helpers write when they are given no options. */
const HELPER_DEFAULT_HEADERS = ['correlation-id', 'causation-id', 'event-id'];

export function checkCorrelation(resolver: Resolver, site: PublishSite, consumers: readonly ConsumeSite[], conventions: Conventions, names: PropagationNames): Finding[] {
  if (site.via && site.via.mode === 'body') return []; // the wrapper builds the carrier: judged at the wrapper
  const findings: Finding[] = [];
  const handler = consumers.find((c) => contains(c.body, site.call) && c.body !== site.call);
  const required = (['correlationId', 'causationId', 'eventId'] as const).filter(
    (f) => conventions.requiredFields.includes(f) && (f !== 'causationId' || handler),
  );
  const data = { broker: site.broker.name, site: site.spec.label, carrier: site.spec.carrierName };
  for (const message of site.messages) {
    if (message.type !== 'node') continue;
    const start = site.spec.messages ? message.node : site.call;
    const keys = carrierKeys(resolver, site, start, conventions, names);
    if (!keys.known) continue;
    const has = (field: Field): boolean => keys.all || matchingKey(keys.keys, field, conventions) !== undefined;
    const missing = required.filter((f) => !has(f));
    if (missing.length > 0) {
      const repair = keys.helper
        ? { reason: `give ${calleeImport(resolver, keys.helper, names) ?? 'the helper'} your header names: { headers: ${headerNames(conventions)} }` }
        : correlationFix(resolver, site, start, handler, conventions);
      findings.push({
        rule: 'require-correlation-id', messageId: 'missingCorrelation', node: message.node, broker: site.broker, site: site.call,
        data: { ...data, fields: missing.map((f) => `${f} ('${conventions.headers[f]}')`).join(', '), helper: `${CORRELATION_HELPERS[site.spec.shape] ?? 'correlationHeaders'}(${handler ? 'incoming' : ''})`, step: handler ? ' (this publish is a step of the consumed message: forward its correlation ID, its event ID as causation)' : '' },
        fix: repair.fix, reason: repair.reason,
      });
      continue;
    }
    if (!handler) continue;
    const incoming = keys.helper?.arguments[incomingIndex(calleeImport(resolver, keys.helper, names))];
    if (keys.helper && (!incoming || (incoming.type === 'Identifier' && incoming.name === 'undefined'))) {
      // `correlationHeaders()` inside a handler starts a new operation: it should be given the consumed message.
      const repair = incomingArgumentFix(resolver, keys.helper, handler);
      findings.push({ rule: 'require-correlation-id', messageId: 'freshCorrelationId', node: keys.helper, broker: site.broker, site: site.call, data: { ...data, header: conventions.headers.correlationId, consumer: handler.spec.label }, fix: repair.fix, reason: repair.reason });
      continue;
    }
    if (keys.all) continue;
    // A causal step: the correlation ID continues the consumed message's, the causation ID is its event ID.
    const correlation = keys.values.get(matchingKey(keys.keys, 'correlationId', conventions) ?? '');
    if (correlation && isFreshId(resolver, correlation, conventions)) {
      findings.push({ rule: 'require-correlation-id', messageId: 'freshCorrelationId', node: correlation, broker: site.broker, site: site.call, data: { ...data, header: conventions.headers.correlationId, consumer: handler.spec.label }, reason: 'replace it with correlationHeaders(<the consumed message\'s carrier>) by hand' });
    }
    const causation = keys.values.get(matchingKey(keys.keys, 'causationId', conventions) ?? '');
    if (causation && (isFreshId(resolver, causation, conventions) || provablyNotFromMessage(resolver, causation))) {
      findings.push({ rule: 'require-correlation-id', messageId: 'causationNotFromMessage', node: causation, broker: site.broker, site: site.call, data: { ...data, header: conventions.headers.causationId, event: conventions.headers.eventId, consumer: handler.spec.label }, reason: 'replace it with correlationHeaders(<the consumed message\'s carrier>) by hand' });
    }
  }
  // Correlation IDs in the body: invisible to the tools that follow metadata.
  const configured = new Set([conventions.headers.correlationId, conventions.headers.causationId].map(normaliseKey));
  const isCorrelationKey = (name: string): boolean => CORRELATION_KEYS.has(normaliseKey(name)) || configured.has(normaliseKey(name));
  for (const finding of checkPayloadOfPublish(resolver, site, isCorrelationKey)) {
    const key = finding.data['key'] ?? '';
    const header = /causation/i.test(key) ? conventions.headers.causationId : conventions.headers.correlationId;
    const message = site.messages.find((m) => m.type === 'node' && contains(m.node, finding.node));
    const start = site.spec.messages ? (message?.type === 'node' ? message.node : undefined) : site.call;
    const repair = start && !finding.data['via'] ? moveToHeader(resolver, site, start, finding.node, header, names) : { reason: 'the key is written in another file' };
    findings.push({
      rule: 'require-correlation-id', messageId: 'correlationIdInPayload', node: finding.node, broker: site.broker, site: site.call,
      data: { ...data, key, header }, fix: repair.fix, reason: repair.reason,
      // Under the contract rules of trace IDs: a key some consumer reads from the body stays there.
      contractRisk: repair.fix ? () => bodyReadReason(resolver, key) : undefined,
    });
  }
  return findings;
}

const CORRELATION_KEYS = new Set(['correlationid', 'causationid', 'xcorrelationid', 'xcausationid', 'conversationid']);

/**
 * The carrier key that stands for a field: its configured header, `x-` prefixed, or (with the default header
 * names) the field's own name (`correlationId`). A team that renamed the header means that name only.
 */
function matchingKey(keys: ReadonlySet<string>, field: Field, conventions: Conventions): string | undefined {
  const header = conventions.headers[field];
  const renamed = header !== DEFAULT_CONVENTIONS.headers[field];
  for (const candidate of renamed ? [header] : [header, `x-${header}`, field]) {
    const key = normaliseKey(candidate);
    if (keys.has(key)) return key;
  }
  return undefined;
}

/** The keys a message's carrier is seen to hold. */
function carrierKeys(resolver: Resolver, site: PublishSite, start: Node, conventions: Conventions, names: PropagationNames): Keys {
  const keys = new Set<string>();
  const values = new Map<string, Node>();
  // Service Bus: the message's own `correlationId` property is the business correlation ID. AMQP's and NestJS's
  // `correlationId` match replies to requests, and count only when the conventions say so.
  const messageObject = resolver.follow(start).node;
  if (site.spec.messages && messageObject.type === 'ObjectExpression' && site.broker.id === 'service-bus') addKeys(resolver, messageObject, { keys, values, names }, 0, false);
  if (conventions.replyCorrelationIsBusiness && /^arg\d+\./.test(site.spec.carrier)) {
    const options = evalPath(resolver, start, site.spec.carrier.replace(/\.[^.]+$/, ''), site.broker.id, site.call)[0];
    const object = options?.type === 'node' ? resolver.follow(options.node).node : undefined;
    if (object?.type === 'ObjectExpression') {
      const property = object.properties.find((p): p is TSESTree.Property => p.type === 'Property' && staticName(p.key, p.computed) === 'correlationId');
      if (property) {
        keys.add(normaliseKey('correlationId'));
        values.set(normaliseKey('correlationId'), property.value);
      }
    }
  }
  const results = evalPath(resolver, start, site.spec.carrier, site.broker.id, site.call);
  if (results.length === 0 || results.some((r) => r.type === 'unknown' || r.type === 'mismatch')) return { known: false };
  const seen: Seen = { keys, values, names };
  for (const result of results) {
    if (result.type !== 'node') continue; // absent: no carrier at all
    const found = carrierValueKeys(resolver, result.node, seen, 0);
    if (found === 'unknown') return { known: false };
    if (found === 'all') return { known: true, keys, all: true, values, helper: seen.helper };
  }
  return { known: true, keys, all: false, values, helper: seen.helper };
}

/** What has been seen of one carrier: its keys and values, and the correlation helper that wrote some. */
interface Seen {
  keys: Set<string>;
  values: Map<string, Node>;
  names: PropagationNames;
  helper?: TSESTree.CallExpression;
}

function carrierValueKeys(resolver: Resolver, node: Node, seen: Seen, depth: number): 'ok' | 'all' | 'unknown' {
  if (depth > 4) return 'unknown';
  const { node: value, variables } = resolver.follow(node);
  if (value.type === 'ObjectExpression') {
    const result = addKeys(resolver, value, seen, depth);
    if (result !== 'ok') return result;
    return mutations(resolver, variables, seen);
  }
  if (value.type === 'CallExpression') {
    const imported = calleeImport(resolver, value, seen.names);
    if (imported && CORRELATION_HELPER_NAMES.has(imported)) return correlationHelper(value, imported, seen);
    if (imported && INJECT_HELPER_NAMES.has(imported)) {
      const base = value.arguments[0];
      if (!base || base.type === 'SpreadElement') return mutations(resolver, variables, seen);
      const inner = carrierValueKeys(resolver, base, seen, depth + 1);
      return inner === 'ok' ? mutations(resolver, variables, seen) : inner;
    }
    // NATS `headers()`: what `.set(name, value)` writes on it afterwards.
    if (calleeName(value) === 'headers' && value.arguments.length === 0) return mutations(resolver, variables, seen);
    return 'unknown';
  }
  if (value.type === 'Identifier' && value.name === 'undefined') return 'ok';
  return 'unknown';
}

/**
 * A correlation helper writes the three IDs under its default names, or under the names its options give (then
 * taken as the conventions'): `correlationHeaders(incoming, { headers })`.
 */
function correlationHelper(call: TSESTree.CallExpression, imported: string, seen: Seen): 'ok' | 'all' {
  seen.helper = call;
  if (call.arguments.length > incomingIndex(imported) + 1) return 'all'; // options given after the incoming carrier
  for (const header of HELPER_DEFAULT_HEADERS) seen.keys.add(normaliseKey(header));
  return 'ok';
}

/** Where a correlation helper takes the incoming carrier: `correlationNatsHeaders(h, incoming)`, else first. */
function incomingIndex(helperName: string | undefined): number {
  return helperName === 'correlationNatsHeaders' ? 1 : 0;
}

/**
 * Where an entry goes in a carrier: an object literal, or the base object of one of our inject helpers (made when
 * the helper has none). Undefined for anything else (the helper's base being something else included).
 */
function carrierTarget(resolver: Resolver, carrier: Node, names: PropagationNames): { object: TSESTree.ObjectExpression } | { bare: TSESTree.CallExpression } | { base: Node } | undefined {
  const value = unwrap(carrier);
  if (value.type === 'ObjectExpression') return { object: value };
  if (value.type !== 'CallExpression' || !INJECT_HELPER_NAMES.has(calleeImport(resolver, value, names) ?? '')) return undefined;
  const base = value.arguments[0];
  if (!base) return { bare: value };
  const object = unwrap(base);
  return object.type === 'ObjectExpression' ? { object } : { base };
}

/** An edit giving a call with no arguments its first one. */
function firstArgumentEdit(text: string, call: TSESTree.CallExpression, argument: string): Edit {
  const open = text.indexOf('(', (call.callee as Node).range[1]);
  return { range: [open + 1, open + 1], text: argument };
}

function addKeys(resolver: Resolver, object: TSESTree.ObjectExpression, seen: Seen, depth = 0, follow = true): 'ok' | 'all' | 'unknown' {
  const { keys, values } = seen;
  for (const property of object.properties) {
    if (property.type === 'SpreadElement') {
      if (!follow) continue;
      const spread = carrierValueKeys(resolver, property.argument, seen, depth + 1);
      if (spread !== 'ok') return spread;
      continue;
    }
    const name = staticName(property.key, property.computed) ?? (property.computed ? constantString(resolver, property.key, 0) : undefined);
    if (name === undefined) return 'unknown';
    keys.add(normaliseKey(name));
    values.set(normaliseKey(name), property.value);
  }
  return 'ok';
}

/**
 * What is written on a carrier variable after it is made: `headers['correlation-id'] = id`, `h.set('causation-id',
 * id)`, or a correlation helper given it (`correlationNatsHeaders(h, msg.headers)`). A write the core cannot name
 * makes the carrier unknown.
 */
function mutations(resolver: Resolver, variables: readonly ScopeVariable[], seen: Seen): 'ok' | 'all' | 'unknown' {
  const { keys, values } = seen;
  for (const variable of variables) {
    for (const ref of variable.references) {
      const id = ref.identifier as Node;
      const parent = id.parent;
      if (parent?.type === 'MemberExpression' && parent.object === id) {
        const method = staticName(parent.property, parent.computed);
        const call = parent.parent?.type === 'CallExpression' && parent.parent.callee === parent ? parent.parent : undefined;
        if (call && (method === 'set' || method === 'append')) {
          const name = call.arguments[0] && constantString(resolver, call.arguments[0], 0);
          if (name === undefined) return 'unknown';
          keys.add(normaliseKey(name));
          if (call.arguments[1]) values.set(normaliseKey(name), call.arguments[1]);
        } else if (parent.parent?.type === 'AssignmentExpression' && parent.parent.left === parent) {
          const name = staticName(parent.property, parent.computed) ?? (parent.computed ? constantString(resolver, parent.property, 0) : undefined);
          if (name === undefined) return 'unknown';
          keys.add(normaliseKey(name));
          values.set(normaliseKey(name), parent.parent.right);
        }
      } else if (parent?.type === 'CallExpression' && parent.arguments[0] === id) {
        const imported = calleeImport(resolver, parent, seen.names);
        if (imported && CORRELATION_HELPER_NAMES.has(imported)) {
          const helped = correlationHelper(parent, imported, seen);
          if (helped === 'all') return 'all';
        }
      }
    }
  }
  return 'ok';
}

/** `randomUUID()`, `crypto.randomUUID()`, `uuid()`, `v4()`, `nanoid()`: a new ID (followed through constants). */
function isFreshId(resolver: Resolver, node: Node, conventions: Conventions): boolean {
  const value = unwrap(resolver.follow(node).node);
  if (value.type === 'CallExpression') return conventions.idGenerators.includes(calleeName(value) ?? '');
  if (value.type === 'TemplateLiteral') return value.expressions.some((e) => isFreshId(resolver, e, conventions));
  return false;
}

/** A causation ID that cannot be the consumed message's event ID: a literal (a value the core cannot follow is not judged). */
function provablyNotFromMessage(resolver: Resolver, node: Node): boolean {
  return unwrap(resolver.follow(node).node).type === 'Literal';
}

/** Why a correlation key must stay in the body: code of the project reads it from there. */
function bodyReadReason(resolver: Resolver, key: string): string | undefined {
  const reads = bodyReads(resolver, key);
  return reads.length > 0 ? `kept '${key}' in the body: ${reads[0]}${reads.length > 1 ? ` (and ${reads.length - 1} more)` : ''} reads it from there (--drop-payload-ids moves it anyway)` : undefined;
}

/**
 * Moves a correlation key from the body into the carrier under the conventions' header name: the property goes,
 * and the carrier (an object literal, or an inject helper's base) gets `'correlation-id': <its value>` unless it
 * already holds the field.
 */
function moveToHeader(resolver: Resolver, site: PublishSite, start: Node, keyNode: Node, header: string, names: PropagationNames): { fix?: FixHint; reason?: string } {
  const input = resolver.input;
  const property = keyNode.parent;
  if (property?.type !== 'Property' || property.parent?.type !== 'ObjectExpression' || property.kind !== 'init') return { reason: 'the key is not a property of an object literal here' };
  const object = property.parent;
  const value = sourceOf(input, property.value);
  const removal = removePropertyEdits(input, object, property);
  const label = `Move it to the '${header}' ${site.spec.carrierName}`;
  const seen: Seen = { keys: new Set(), values: new Map(), names };
  const result = evalPath(resolver, start, site.spec.carrier, site.broker.id, site.call)[0];
  if (result?.type !== 'node') return { reason: `the message has no ${site.spec.carrierName} to move it to` };
  const found = carrierValueKeys(resolver, result.node, seen, 0);
  const field = /causation/i.test(header) ? 'causationId' : 'correlationId';
  if (found === 'all' || (found === 'ok' && [...seen.keys].some((k) => k === normaliseKey(header) || k === normaliseKey(field)))) {
    return { fix: { label, requires: [], edits: () => removal } };
  }
  if (site.spec.shape !== 'object') return { reason: `add '${header}' to the ${site.spec.carrierName} by hand` };
  const target = carrierTarget(resolver, result.node, names);
  const entry = `'${header}': ${value}`;
  if (target && 'object' in target) return { fix: { label, requires: [], edits: () => [...addPropertyEdits(input, target.object, entry), ...removal] } };
  if (target && 'bare' in target) return { fix: { label, requires: [], edits: () => [firstArgumentEdit(input.text, target.bare, `{ ${entry} }`), ...removal] } };
  return { reason: `the ${site.spec.carrierName} are not an object literal or a helper call in this file` };
}

/** `correlationHeaders()` → `correlationHeaders(message.headers)`: the consumed message goes in. */
function incomingArgumentFix(resolver: Resolver, call: TSESTree.CallExpression, handler: ConsumeSite): { fix?: FixHint; reason?: string } {
  const binding = handler.bindings[0];
  if (!binding || call.arguments.length > 0) return { reason: "pass the consumed message's carrier to it" };
  const incoming = incomingCarrierExpression(resolver, handler, { name: binding.variable.name, path: binding.path }, guardsMessage(handler));
  const name = calleeImport(resolver, call) ?? 'correlationHeaders';
  return { fix: { label: `Pass the consumed message's ${handler.spec.carrier} to ${name}()`, requires: [], edits: () => [firstArgumentEdit(resolver.input.text, call, incoming)] } };
}

/** The conventions' header names as the helpers' `headers` option. */
function headerNames(conventions: Conventions): string {
  const { correlationId, causationId, eventId } = conventions.headers;
  return `{ correlationId: '${correlationId}', causationId: '${causationId}', eventId: '${eventId}' }`;
}

function correlationFix(resolver: Resolver, site: PublishSite, start: Node, handler: ConsumeSite | undefined, conventions: Conventions): { fix?: FixHint; reason?: string } {
  const name = CORRELATION_HELPERS[site.spec.shape];
  if (!name || site.spec.shape === 'nats-msghdrs' || site.spec.shape === 'rdkafka-array') return { reason: 'add the correlation fields by hand for this carrier shape' };
  const requirement = helper(name);
  const binding = handler?.bindings[0];
  if (handler && !binding) return { reason: 'the handler does not name the consumed message' };
  const incoming = handler && binding ? incomingCarrierExpression(resolver, handler, { name: binding.variable.name, path: binding.path }, guardsMessage(handler)) : '';
  // Header names other than the helpers' defaults go in as their options.
  const renamed = HELPER_DEFAULT_HEADERS.join() !== [conventions.headers.correlationId, conventions.headers.causationId, conventions.headers.eventId].join();
  const args = renamed ? `${incoming || 'undefined'}, { headers: ${headerNames(conventions)} }` : incoming;
  const call = (local: (r: Requirement) => string): string => `${local(requirement)}(${args})`;
  const input = resolver.input;
  const result = evalPath(resolver, start, site.spec.carrier, site.broker.id, site.call)[0];
  if (result?.type !== 'node') return { reason: `the message has no ${site.spec.carrierName}: add them first (require-header-injection)` };
  const carrier = unwrap(result.node);
  const hint = (edits: FixHint['edits']): { fix: FixHint } => ({ fix: { label: `Add ${name}(${incoming}) to the ${site.spec.carrierName}`, requires: [requirement], edits } });
  // SQS and SNS deliver at most 10 message attributes: the three IDs and the trace fields must fit beside the rest.
  if (site.spec.attributeLimit && carrier.type === 'ObjectExpression' && carrier.properties.length + 6 > site.spec.attributeLimit) {
    return { reason: `the message already has ${carrier.properties.length} attributes: the IDs and the trace fields would pass ${site.spec.attributeLimit}` };
  }
  // Our own inject helpers only (names not passed): an organisation's renamed ones are not rewritten here.
  const target = carrierTarget(resolver, carrier, { injectors: [], extractors: [] });
  if (!target) return { reason: `the ${site.spec.carrierName} are not an object literal or a helper call in this file` };
  if ('object' in target) return hint((local) => addPropertyEdits(input, target.object, `...${call(local)}`));
  if ('bare' in target) return hint((local) => [firstArgumentEdit(input.text, target.bare, call(local))]);
  const { base } = target;
  return hint((local) => [{ range: base.range, text: `{ ...${sourceOf(input, base)}, ...${call(local)} }` }]);
}
