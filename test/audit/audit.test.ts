/**
 * `trace-propagation audit` over the fixture services and projects, through the real CLI (in-process): the exact
 * graph (nodes, edges, statuses, destinations) of chosen fixtures, and for every fixture the audit's findings are
 * exactly the rules' (the `// expect:` markers), with and without type information.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { Project } from '../../src/core/project.js';
import type { Audit } from '../../src/audit/model.js';
import { expectedMarkers } from '../markers.js';
import { run } from '../cli/helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const servicesDir = path.join(root, 'fixtures', 'services');
const projectsDir = path.join(root, 'fixtures', 'projects');

const dirs = (parent: string): string[] => fs.readdirSync(parent).filter((d) => fs.statSync(path.join(parent, d)).isDirectory()).sort();

export async function auditJson(dir: string, extra: string[] = []): Promise<Audit> {
  const result = await run(root, ['audit', dir, '--format', 'json', '--no-eslint-config', '--no-progress', ...extra]);
  expect(result.err.replace(/^trace-propagation: wrote.*\n/m, ''), result.err).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.out) as Audit;
}

/** `from → to [status marks]` per edge, with node names. */
function edges(audit: Audit): string[] {
  const name = (id: string): string => {
    const node = audit.nodes.find((n) => n.id === id)!;
    return node.type === 'service' ? node.name : `${node.system}:${node.resolved ? node.name : `?${node.name}`}`;
  };
  return audit.edges.map((e) => `${name(e.from)} → ${name(e.to)} [${e.marks.join(',')}]`);
}

function findingsOf(audit: Audit, base: string): string[] {
  const all = audit.sites.flatMap((s) => [...s.findings, ...s.callers.flatMap((c) => c.findings)]);
  return [...new Set(all.map((f) => `${path.join(base, f.file)}:${f.line}:${f.rule}/${f.messageId}`))].sort();
}

function markersUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|js|mjs|cjs)$/.test(f) && !f.endsWith('.d.ts') && !f.split(path.sep).includes('node_modules'))
    .flatMap((f) => expectedMarkers(path.join(dir, f)).map((m) => `${path.join(dir, f)}:${m}`))
    .sort();
}

beforeEach(() => Project.reset());

describe('audit: the exact graph', () => {
  it('kafkajs fixture services, grouped by a services mapping', async () => {
    const config = path.join(root, 'fixtures', 'audit-services.config.json');
    const audit = await auditJson('fixtures/services/kafkajs', ['--config', path.relative(root, config)]);
    // Destinations: literal topics, a sendBatch's three topics, an outbox row's topic shown as written.
    const destinations = audit.nodes.filter((n) => n.type === 'destination').map((n) => (n.resolved ? n.name : `?${n.name}`));
    expect(destinations).toEqual([
      '?row.topic', 'inventory.snapshots', 'orders.audit', 'orders.cancelled', 'orders.lines', 'orders.placed',
      'orders.replayed', 'orders.replayed.audit', 'orders.replayed.index', 'payments.captured', 'payments.failed', 'shipments.requested',
    ]);
    expect(audit.nodes.filter((n) => n.type === 'service').map((n) => n.name)).toEqual(['notifications', 'orders', 'payments']);
    expect(edges(audit)).toEqual([
      'kafka:orders.cancelled → payments [broken]',
      'kafka:orders.placed → payments [extracted]',
      'kafka:payments.captured → notifications [broken,extracted]',
      'kafka:payments.failed → notifications [broken,payload]',
      'orders → kafka:?row.topic [injected]',
      'orders → kafka:inventory.snapshots [injected,payload]',
      'orders → kafka:orders.audit [broken,payload]',
      'orders → kafka:orders.cancelled [broken]',
      'orders → kafka:orders.lines [injected]',
      'orders → kafka:orders.placed [injected]',
      'orders → kafka:orders.replayed [broken]',
      'orders → kafka:orders.replayed.audit [broken]',
      'orders → kafka:orders.replayed.index [broken]',
      'orders → kafka:shipments.requested [broken]',
      'payments → kafka:payments.captured [injected]',
    ]);
    const broken = audit.edges.find((e) => e.to === 'kafka:orders.cancelled')!;
    expect(broken.status).toBe('broken');
    expect(broken.broken[0]).toMatchObject({ file: 'order-publisher.ts', line: 59 });
    expect(broken.broken[0]!.message).toMatch(/^kafkajs: producer\.send\(\) sends this message without headers/);
    expect(audit.summary).toMatchObject({ publish: 9, consume: 5, services: 3, destinations: 12, unresolved: 1, edges: 15 });
  });

  it('amqplib fixture services: exchanges and queues by name, a reply address shown as written', async () => {
    const audit = await auditJson('fixtures/services/amqplib', ['--config', 'fixtures/audit-services.config.json']);
    expect(edges(audit)).toEqual([
      'rabbitmq:notifications.email → notifications [extracted]',
      'rabbitmq:notifications.sms → notifications [broken]',
      'rabbitmq:payments.dead-letter → payments [broken]',
      'rabbitmq:payments.refunds → payments [broken]',
      'rabbitmq:payments.requests → payments [extracted]',
      'orders → rabbitmq:orders [broken,injected,payload]',
      'orders → rabbitmq:payments.requests [broken]',
      'payments → rabbitmq:?request.properties.replyTo [injected]',
    ]);
  });

  it('sqs fixture services: queue URLs the code does not state are never joined or guessed', async () => {
    const audit = await auditJson('fixtures/services/sqs', ['--config', 'fixtures/audit-services.config.json']);
    expect(edges(audit)).toEqual([
      'aws_sqs:?queueUrl → notifications [broken,extracted]',
      'aws_sqs:?queueUrl → payments [broken,extracted]',
      'orders → aws_sqs:?process.env.FULFILMENT_QUEUE_URL [broken,injected,payload]',
      'orders → aws_sqs:?queueUrl [broken,injected]',
    ]);
    // Three files each say `queueUrl`: three nodes, no edge joins them.
    expect(audit.nodes.filter((n) => n.name === 'queueUrl').map((n) => n.id)).toEqual([
      'aws_sqs:?queueUrl@notification-worker.js', 'aws_sqs:?queueUrl@order-labels.ts', 'aws_sqs:?queueUrl@payment-poller.ts',
    ]);
  });

  it('a workspace monorepo: a wrapper used by several callers is one site; its status flows to each caller', async () => {
    const audit = await auditJson('fixtures/projects/monorepo');
    expect(edges(audit)).toEqual([
      // Consumers without a subscribe in view: one extracts, one hands its batch to a function of another module that
      // never extracts (broken), one hands it to code declared only (unverified).
      // A listener whose handler (returned by a function of another module) reads SNS envelopes and never extracts.
      'aws_sqs:?process.env.DOMAIN_EVENTS_QUEUE_URL → @shop/licences [broken]',
      'kafka:?(not stated) → @shop/billing [broken,extracted,unverified]',
      'kafka:orders.created → @shop/billing [broken]',
      // Handlers imported from another module: one extracts, one never does.
      'kafka:orders.paid → @shop/orders [extracted]',
      'kafka:orders.placed → @shop/orders [broken]',
      // The outbox relay only a timer of another module runs is a timer job, not judged; the function a request
      // handler also runs is.
      '@shop/billing → kafka:invoices.announced [broken]',
      // A callback run at once by another module's retry helper is judged; one its buffer runs from a timer is not.
      '@shop/billing → kafka:invoices.charged [broken]',
      // `bus.publish()` on a module's default-exported object of functions: its own publish() never injects.
      '@shop/billing → kafka:invoices.closed [broken]',
      '@shop/billing → kafka:invoices.outbox [unverified]',
      '@shop/billing → kafka:invoices.recorded [broken]',
      '@shop/billing → kafka:invoices.recorded-again [broken]',
      '@shop/billing → kafka:invoices.reopened [injected]',
      '@shop/billing → kafka:invoices.replayed [broken]',
      '@shop/billing → kafka:invoices.settled [broken]',
      '@shop/billing → kafka:usage.rows [unverified]',
      // publishReplay, peekInvoice and TestInvoiceRecorder are used only by tests: code only tests run is left out,
      // as the rules leave it.
      '@shop/orders → kafka:orders.audit [broken,injected]',
      '@shop/orders → kafka:orders.created [broken]',
      '@shop/orders → kafka:orders.placed [broken]',
      '@shop/orders → kafka:orders.priced [injected,payload]',
      '@shop/orders → kafka:orders.shipped [injected,payload]',
    ]);
    // publishMessage(topic, message) passes its callers' messages through: one site, two callers, each judged.
    const wrapper = audit.sites.find((s) => s.wrapper === 'publishMessage')!;
    expect(wrapper).toMatchObject({ file: 'packages/messaging/src/publish.ts', direction: 'publish', label: 'producer.send()' });
    expect(wrapper.destinations).toEqual([{ text: 'topic' }]);
    expect(wrapper.callers.map((c) => `${c.file}:${c.line} ${c.destinations.map((d) => d.name).join()} ${c.status}`)).toEqual([
      'services/orders/src/orders.ts:13 orders.audit broken',
      'services/orders/src/orders.ts:14 orders.audit ok',
    ]);
    // publishEvent never injects: its caller's edge is broken where the caller calls it and where the wrapper sends.
    const event = audit.edges.find((e) => e.to === 'kafka:orders.created' && e.direction === 'publish')!;
    expect(event.broken.map((b) => `${b.file}:${b.line}`)).toEqual(['services/orders/src/orders.ts:11', 'packages/messaging/src/publish.ts:7']);
    expect(event.broken[0]!.message).toMatch(/^kafkajs: this call publishes through publishEvent\(\) \(packages\/messaging\/src\/publish\.ts:6\)/);
  });

  for (const types of [false, true]) {
    it(`a Nest CLI monorepo: Kafka app, a TCP app without headers, a hybrid TCP + RabbitMQ app${types ? ' (--types, ts-morph programs)' : ''}`, async () => {
      const audit = await auditJson('fixtures/projects/nest-shop', types ? ['--types'] : []);
      // The hybrid app's handler without @Ctx() could be served by either server: no edge is drawn for it.
      expect(edges(audit)).toEqual([
        // newsletter's Kafka server is started by a static method of a class in libs/bootstrap.
        'kafka:newsletter.ping → newsletter [unverified]',
        'kafka:newsletter.subscribed → newsletter [broken]',
        'kafka:payments.refunded → orders [extracted]',
        'kafka:payments.settled → orders [broken]',
        // stock's transport comes from its config service's getter: NATS.
        'nats:stock.reserve → stock [broken]',
        // A handler of libs/messaging's @OnCommand(), whose pattern the decorator factory builds.
        'rabbitmq:?(not stated) → sms [broken]',
        // gifts imports its own tracing first; badges, another process of the repository, is not covered by it.
        'rabbitmq:badges.earned → badges [broken]',
        // coupons' options are typed RmqOptions; reviews' MicroserviceOptions names no transport: no edge.
        'rabbitmq:coupons.redeem → coupons [broken]',
        'rabbitmq:gifts.ordered → gifts [auto-instrumented]',
        // Both start tracing in main.ts before NestFactory; vouchers' module makes a RabbitMQ client (loading amqplib)
        // when main.ts imports it, loyalty's is imported after the tracing started.
        'rabbitmq:loyalty.earned → loyalty [auto-instrumented]',
        'rabbitmq:notification.requested → notifications [broken]',
        // referrals starts its SDK in main.ts itself, before NestFactory loads amqplib.
        'rabbitmq:referrals.converted → referrals [auto-instrumented]',
        // sms and ledger are started by shared bootstraps of libs/bootstrap: RabbitMQ and TCP.
        'rabbitmq:sms.send → sms [broken]',
        // A status handler that calls nothing: not reported, and nothing shows it extracts.
        'rabbitmq:sms.status → sms [unverified]',
        'rabbitmq:vouchers.issue → vouchers [broken]',
        // Clients from `ClientsModule.registerAsync` and custom providers (`ClientProxyFactory.create`) in notifications.module.ts.
        'notifications → kafka:notifications.sent [broken]',
        'notifications → nats:audit.notified [broken]',
        'notifications → rabbitmq:mail.sent [broken]',
        'notifications → tcp:price [no-headers]',
        'notifications → tcp:stock.reserved [no-headers]',
        'orders → kafka:orders.audit [injected]',
        'orders → kafka:orders.created [broken]',
        'orders → kafka:orders.placed [broken]',
        // A module whose clients come from a spread with the transport after it, and from a factory a call makes.
        'shipping → rabbitmq:label.requested [broken]',
        'shipping → rabbitmq:shipment.booked [broken]',
        'shipping → tcp:quote.requested [no-headers]',
        'tcp:ledger.post → ledger [no-headers]',
        'tcp:price → pricing [no-headers]',
      ]);
      expect(audit.sites.find((s) => s.transport === 'TCP' && s.direction === 'consume' && s.service === 'pricing')).toMatchObject({ status: 'no-headers' });
      expect(audit.types).toBe(types);
    });
  }

  it('nats 1.x has no headers: its sites are shown as such, a 2.x publish without headers is broken', async () => {
    const audit = await auditJson('fixtures/projects/nats-majors');
    expect(edges(audit).filter((e) => e.includes('no-headers')).length).toBeGreaterThan(0);
    expect(audit.sites.filter((s) => s.status === 'no-headers' && s.service !== 'nest-legacy-billing').every((s) => s.transport === 'NATS 1.x')).toBe(true);
    expect(audit.sites.some((s) => s.status === 'broken')).toBe(true);
    // Nest 7's NATS and RabbitMQ clients and servers have no headers; Nest 10's have.
    const nest = (service: string) => audit.sites.filter((s) => s.service === service).map((s) => `${s.direction} ${s.status} ${s.transport ?? ''}`.trim()).sort();
    expect(nest('nest-legacy-billing')).toEqual(['consume no-headers NATS', 'publish no-headers NATS', 'publish no-headers RMQ']);
    expect(nest('nest-modern-billing')).toEqual(['consume broken', 'publish broken']);
  });

  it('runtime instrumentation found in the repository marks what it covers as auto-instrumented', async () => {
    const audit = await auditJson('fixtures/projects/instrumented');
    const auto = audit.sites.filter((s) => s.status === 'auto-instrumented');
    expect(auto.length).toBeGreaterThan(0);
    expect(auto.every((s) => s.coveredBy?.length)).toBe(true);
    expect(audit.edges.some((e) => e.marks.includes('auto-instrumented'))).toBe(true);
  });
});

describe('audit: the same findings as the rules', () => {
  for (const name of dirs(servicesDir)) {
    it(`fixtures/services/${name}`, async () => {
      const dir = path.join(servicesDir, name);
      const audit = await auditJson(path.relative(root, dir));
      expect(findingsOf(audit, dir)).toEqual(markersUnder(dir));
    });
  }
  for (const name of dirs(projectsDir)) {
    for (const types of [false, true]) {
      it(`fixtures/projects/${name}${types ? ' (--types)' : ''}`, async () => {
        const dir = path.join(projectsDir, name);
        const audit = await auditJson(path.relative(root, dir), types ? ['--types'] : []);
        expect(findingsOf(audit, dir)).toEqual(markersUnder(dir));
      });
    }
  }
});
