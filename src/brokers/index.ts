/**
 * @fileoverview The broker registry: every broker description, plus lookup tables derived from them once.
 * Add a broker by writing `src/brokers/<id>.ts` and listing it here; nothing else needs to change.
 */
import amqpConnectionManager from './amqp-connection-manager.js';
import amqplib from './amqplib.js';
import awsSdkV2 from './aws-sdk-v2.js';
import confluentKafka from './confluent-kafka.js';
import golevelupRabbitmq from './golevelup-rabbitmq.js';
import kafkajs from './kafkajs.js';
import nats from './nats.js';
import nestjs from './nestjs.js';
import nestjsSqs from './nestjs-sqs.js';
import nodeRdkafka from './node-rdkafka.js';
import pubsub from './pubsub.js';
import serviceBus from './service-bus.js';
import sns from './sns.js';
import snsV2 from './sns-v2.js';
import sqsConsumer from './sqs-consumer.js';
import sqs from './sqs.js';
import sqsV2 from './sqs-v2.js';
import type { BrokerSpec, ConsumeSpec, Instrumentation, PublishSpec } from './types.js';

export type { BrokerSpec, ConsumeSpec, Instrumentation, PublishSpec } from './types.js';

export const brokers: readonly BrokerSpec[] = [
  kafkajs, confluentKafka, nodeRdkafka, amqplib, amqpConnectionManager, sqs, sqsConsumer, sns, awsSdkV2, sqsV2, snsV2, pubsub,
  serviceBus, nats, nestjs, golevelupRabbitmq, nestjsSqs,
];

export const instrumentations: readonly Instrumentation[] = ['kafkajs', 'amqplib', 'aws-sdk', 'aws-sdk-v2', 'pubsub', 'azure-sdk'];

/** A value kind qualified by its broker: `kafkajs:producer`. */
export type Kind = string;

export interface Catalog {
  /** Module specifier → broker. */
  byPackage: Map<string, BrokerSpec>;
  /** Every package name, for the cheap text pre-filter. */
  packages: string[];
  /** `kafkajs:client.producer()` → `kafkajs:producer` (see BrokerSpec.edges). */
  edges: Map<string, Kind>;
  /** Call edges refined by an option of the call (see BrokerSpec.edgesByOption), by the same key as `edges`. */
  edgesByOption: Map<string, { arg: number; option: string; kinds: Map<string, Kind> }>;
  /** The kinds an option may refine (`nestjs:clientProxy`): a value declared as one may be built as a finer one. */
  refinable: Set<Kind>;
  /** Type name → kinds (several brokers export a `Producer`). */
  typeNames: Map<string, Array<{ broker: BrokerSpec; kind: Kind }>>;
  /** Method name → publish specs with their broker, for the call-site pre-filter. */
  publishByMethod: Map<string, Array<{ broker: BrokerSpec; spec: PublishSpec; on: Kind }>>;
  consumeByMethod: Map<string, Array<{ broker: BrokerSpec; spec: ConsumeSpec; on: Kind }>>;
  /** Kinds iterated with `for await`. */
  consumeByIteratedKind: Map<Kind, { broker: BrokerSpec; spec: ConsumeSpec }>;
  /** Decorator kinds that mark handler methods. */
  consumeByDecoratorKind: Map<Kind, { broker: BrokerSpec; spec: ConsumeSpec }>;
}

export function brokerOf(kind: Kind): string {
  return kind.slice(0, kind.indexOf(':'));
}

/** Builds the lookup tables for a list of broker descriptions. */
export function buildCatalog(list: readonly BrokerSpec[]): Catalog {
  const catalog: Catalog = {
    byPackage: new Map(), packages: [], edges: new Map(), edgesByOption: new Map(), refinable: new Set(), typeNames: new Map(), publishByMethod: new Map(),
    consumeByMethod: new Map(), consumeByIteratedKind: new Map(), consumeByDecoratorKind: new Map(),
  };
  for (const broker of list) {
    const q = (kind: string): Kind => `${broker.id}:${kind}`;
    for (const pkg of broker.packages) {
      catalog.byPackage.set(pkg, broker);
      catalog.packages.push(pkg);
      // ES modules name a path into a package with its extension: `import amqp from 'amqplib/callback_api.js'`.
      if (packagePath(pkg)) catalog.byPackage.set(`${pkg}.js`, broker);
    }
    for (const [edge, to] of Object.entries(broker.edges)) {
      const key = edge.startsWith('new ') ? `new ${q(edge.slice(4))}` : q(edge);
      // A target naming its broker (`amqplib:channel`) is another broker's kind.
      catalog.edges.set(key, to.includes(':') ? (to as Kind) : q(to));
    }
    for (const [edge, { arg, option, kinds }] of Object.entries(broker.edgesByOption ?? {})) {
      catalog.edgesByOption.set(q(edge), { arg, option, kinds: new Map(Object.entries(kinds).map(([value, to]) => [value, q(to)])) });
      const base = broker.edges[edge];
      if (base) catalog.refinable.add(q(base));
    }
    for (const [name, kind] of Object.entries(broker.types)) {
      const list = catalog.typeNames.get(name) ?? [];
      list.push({ broker, kind: kind.includes(':') ? kind : q(kind) });
      catalog.typeNames.set(name, list);
    }
    for (const spec of broker.publish) {
      push(catalog.publishByMethod, spec.method, { broker, spec, on: q(spec.on) });
    }
    for (const spec of broker.consume) {
      if (spec.style === 'iterate') catalog.consumeByIteratedKind.set(q(spec.on), { broker, spec });
      else if (spec.style === 'decorator' || spec.style === 'method') catalog.consumeByDecoratorKind.set(q(spec.on), { broker, spec });
      else push(catalog.consumeByMethod, spec.method!, { broker, spec, on: q(spec.on) });
    }
  }
  return catalog;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export const catalog: Catalog = buildCatalog(brokers);

export function brokerById(id: string): BrokerSpec | undefined {
  return brokers.find((b) => b.id === id);
}

/** Whether a package description names a path into a package (`amqplib/callback_api`), not the package itself. */
function packagePath(pkg: string): boolean {
  return pkg.split('/').length > (pkg.startsWith('@') ? 2 : 1);
}
