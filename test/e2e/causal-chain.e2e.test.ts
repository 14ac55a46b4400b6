/**
 * End-to-end proof of the causal chain on a real RabbitMQ (Debian's rabbitmq-server, on loopback), with amqplib
 * and the real OpenTelemetry SDK: three plain services (fixtures/e2e/causal-amqplib/) in a chain,
 *
 *   order ──OrderCreated──▶ payments ──▶ payment ──PaymentProcessed──▶ notifications ──▶ notification
 *         ──NotificationSent──▶ done ──▶ (this test)
 *
 * carry no correlation, causation or trace context before the codemod. The test copies them into a git repository
 * of their own, runs the real CLI (`trace-propagation codemod all . --strict`, from dist/: `npm run build` first)
 * on it, and runs both versions against the broker. After the codemod every message carries one correlation ID,
 * each causation ID is the previous message's event ID, the consumers run in CONSUMER spans that follow the
 * messaging conventions, and the whole chain is one trace. The legacy run is asserted broken first, so the test
 * fails if the codemod step does nothing (and without --strict, the correlation assertions fail).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { SpanKind, type SpanContext } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import ts from 'typescript';
import { afterAll, beforeAll, expect, it } from 'vitest';

import * as legacyNotification from '../../fixtures/e2e/causal-amqplib/notification-service.js';
import * as legacyOrder from '../../fixtures/e2e/causal-amqplib/order-service.js';
import * as legacyPayment from '../../fixtures/e2e/causal-amqplib/payment-service.js';
import { describeWithBroker, RABBITMQ_SERVER, repoRoot, setupTracing, startRabbit, waitFor, type RunningBroker, type Tracing } from './brokers.js';
import { trail, type Trail } from './verdicts.js';

interface Services {
  order: typeof legacyOrder;
  payment: typeof legacyPayment;
  notification: typeof legacyNotification;
}

const FIXTURES = path.join(repoRoot, 'fixtures', 'e2e', 'causal-amqplib');
const CLI = path.join(repoRoot, 'bin', 'trace-propagation.js');
const CLI_ENTRY = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const SERVICE_FILES = ['notification-service.ts', 'order-service.ts', 'payment-service.ts'];
/** The queues of the chain, in order; the test itself consumes the last one. */
const QUEUES = ['payments', 'notifications', 'done'] as const;
const EVENT_TYPES = ['OrderCreated', 'PaymentProcessed', 'NotificationSent'];

/** One message as the broker delivered it. */
interface Delivered {
  queue: string;
  type: string | undefined;
  headers: Record<string, unknown>;
  body: Record<string, unknown>;
}

interface Codemodded {
  dir: string;
  status: number | null;
  stdout: string;
  stderr: string;
  /** `git diff` of the copy after the codemod wrote it. */
  diff: string;
  /** The rewritten files, by name. */
  files: Record<string, string>;
  services: Services;
}

/** Environment for git and the CLI: nothing inherited that would point git at the enclosing repository. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('GIT_')) env[key] = value;
  return { ...env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' };
}

function git(dir: string, ...args: string[]): string {
  const result = spawnSync('git', ['-c', 'user.name=e2e', '-c', 'user.email=e2e@example.invalid', '-c', 'commit.gpgsign=false', '-c', 'core.hooksPath=/dev/null', ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: childEnv(),
  });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${dir}: ${result.error?.message ?? result.stderr}`);
  return result.stdout;
}

/**
 * Copies the fixtures into `.tmp/e2e-causal-<random>/` (inside the repository, so their imports resolve to its
 * node_modules), commits them in a git repository of their own (so the CLI writes without --force), with a
 * tsconfig.json for the CLI's type check, runs `trace-propagation codemod all . <flags>` there, and imports the result.
 */
async function codemodOnCopy(flags: readonly string[]): Promise<Codemodded> {
  if (!existsSync(CLI_ENTRY)) throw new Error(`${path.relative(repoRoot, CLI_ENTRY)} is missing: run \`npm run build\` before the end-to-end suite`);
  mkdirSync(path.join(repoRoot, '.tmp'), { recursive: true });
  const dir = mkdtempSync(path.join(repoRoot, '.tmp', 'e2e-causal-'));
  try {
    for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.ts'))) writeFileSync(path.join(dir, file), readFileSync(path.join(FIXTURES, file)));
    // The e2e fixtures' compiler options, with the helpers mapped to their source from the copy's folder.
    const fixturesTsconfig = path.join(repoRoot, 'fixtures', 'e2e', 'tsconfig.json');
    const parsed = ts.parseConfigFileTextToJson(fixturesTsconfig, readFileSync(fixturesTsconfig, 'utf8'));
    if (parsed.error) throw new Error(`cannot read ${fixturesTsconfig}: ${ts.flattenDiagnosticMessageText(parsed.error.messageText, '\n')}`);
    const tsconfig = parsed.config as { compilerOptions: Record<string, unknown> };
    tsconfig.compilerOptions['paths'] = { 'trace-propagation-helpers': [path.join(repoRoot, 'packages', 'helpers', 'src', 'index.ts')] };
    writeFileSync(path.join(dir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'services before the codemod');

    const cli = spawnSync(process.execPath, [CLI, 'codemod', 'all', '.', ...flags], { cwd: dir, encoding: 'utf8', env: childEnv(), timeout: 120_000 });
    if (cli.error) throw cli.error;
    const diff = git(dir, 'diff');
    const files = Object.fromEntries(SERVICE_FILES.map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));
    const load = async <M>(file: string): Promise<M> => (await import(/* @vite-ignore */ pathToFileURL(path.join(dir, file)).href)) as M;
    const services: Services = {
      order: await load('order-service.ts'),
      payment: await load('payment-service.ts'),
      notification: await load('notification-service.ts'),
    };
    return { dir, status: cli.status, stdout: cli.stdout, stderr: cli.stderr, diff, files, services };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Records every message the broker delivers to `channel`'s consumers, before the service's handler sees it. */
function tapDeliveries(channel: Channel, log: Delivered[]): void {
  const consume = channel.consume.bind(channel);
  channel.consume = ((queue: string, onMessage: (msg: ConsumeMessage | null) => void, options?: amqp.Options.Consume) =>
    consume(
      queue,
      (msg) => {
        if (msg) log.push(delivered(queue, msg));
        return onMessage(msg);
      },
      options,
    )) as Channel['consume'];
}

function delivered(queue: string, msg: ConsumeMessage): Delivered {
  return {
    queue,
    type: msg.properties.type as string | undefined,
    headers: { ...(msg.properties.headers ?? {}) },
    body: JSON.parse(msg.content.toString()) as Record<string, unknown>,
  };
}

/** A header value as text (amqplib hands back strings, a Buffer for some field types). */
function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

describeWithBroker(RABBITMQ_SERVER, 'causal chain over a real RabbitMQ')('causal chain order → payment → notification over a real RabbitMQ', () => {
  let broker: RunningBroker | undefined;
  let tracing: Tracing;
  let connection: ChannelModel | undefined;
  let codemodded: Codemodded | undefined;
  const t = {} as Trail;

  beforeAll(async () => {
    tracing = setupTracing();
    Object.assign(t, trail(tracing));
    codemodded = await codemodOnCopy(['--strict']);
    broker = await startRabbit();
    connection = await amqp.connect(broker.url);
  });

  afterAll(async () => {
    await connection?.close().catch(() => undefined);
    await broker?.stop();
    if (codemodded) rmSync(codemodded.dir, { recursive: true, force: true });
    await tracing?.shutdown();
  });

  /**
   * Starts the three services, each on a connection of its own (as separate processes would be), places one order
   * inside a 'checkout' span (the order service's HTTP request), and returns every message of the chain as the
   * broker delivered it: to the payment service, to the notification service, and from `done` to this test.
   */
  async function runChain(services: Services): Promise<{ checkout: SpanContext; messages: Delivered[] }> {
    tracing.exporter.reset();
    const connections: ChannelModel[] = [];
    const messages: Delivered[] = [];
    const mailed: string[] = [];
    const serviceChannel = async (): Promise<Channel> => {
      const c = await amqp.connect(broker!.url);
      connections.push(c);
      const channel = await c.createChannel();
      tapDeliveries(channel, messages);
      return channel;
    };
    const reader = await connection!.createChannel();
    try {
      for (const queue of QUEUES) await reader.deleteQueue(queue);
      await reader.assertQueue('done', { durable: false });
      const done: Delivered[] = [];
      await reader.consume('done', (msg) => void (msg && done.push(delivered('done', msg))), { noAck: true });

      await services.notification.startNotificationService(await serviceChannel(), {
        send: async (to) => void mailed.push(to),
      });
      await services.payment.startPaymentService(await serviceChannel(), {
        charge: async (orderId) => `pay-${orderId}`,
      });
      const orders = await services.order.startOrderService(await serviceChannel());
      const checkout = await t.checkout(() => orders.placeOrder({ orderId: 'o-42', customer: 'ada@example.com', cents: 4200 }));

      const details = () => `${JSON.stringify(messages, null, 1)}\n${t.details()}`;
      await waitFor('NotificationSent on the done queue', () => done.length === 1, 15_000, details);
      await waitFor("the 'charge card' span", () => t.named('charge card').length === 1, 10_000, details);
      expect(mailed).toEqual(['ada@example.com']);
      return { checkout, messages: [...messages, ...done] };
    } finally {
      for (const c of connections) await c.close().catch(() => undefined);
      await reader.close().catch(() => undefined);
    }
  }

  it('the CLI codemod `all --strict` rewrites the three services: trace headers, consumer spans, correlation headers', () => {
    const run = codemodded!;
    const output = `exit ${run.status}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- diff\n${run.diff}`;
    expect(run.status, output).toBe(0);
    expect(run.stderr, output).toMatch(/3 changed, 0 unchanged, 0 failed/);
    expect(run.stderr, output).toMatch(/sites: \d+ fixed, 0 left/);
    expect(run.stderr, output).toMatch(/0 reverted/);
    expect(git(run.dir, 'diff', '--name-only').trim().split('\n'), output).toEqual(SERVICE_FILES);

    // The system boundary: a new correlation ID, no incoming message to continue.
    const order = run.files['order-service.ts']!;
    expect(order, output).toContain('headers: injectTraceHeaders(correlationHeaders()),');
    expect(order).not.toContain('withConsumerSpan(');

    // Inside the consumer handlers: the consumed message's headers are forwarded, within the consumer span.
    for (const [file, queue] of [['payment-service.ts', 'payments'], ['notification-service.ts', 'notifications']] as const) {
      const code = run.files[file]!;
      const span = code.indexOf(`withConsumerSpan(msg.properties?.headers, { system: 'rabbitmq', destination: '${queue}' }, async () => {`);
      expect(span, `${file}: the handler is wrapped in a consumer span on '${queue}'\n${output}`).toBeGreaterThan(-1);
      const forward = code.search(/headers: injectTraceHeaders\(correlationHeaders\(msg\??\.properties\??\.headers\)\)/);
      expect(forward, `${file}: the publish forwards the consumed message's headers\n${output}`).toBeGreaterThan(span);
      expect(code, `${file}: no fresh correlation ID inside a handler`).not.toContain('correlationHeaders()');
      expect(code).toMatch(/^import \{[^}]*\bcorrelationHeaders\b[^}]*\} from 'trace-propagation-helpers';$/m);
    }
    expect(run.diff).toMatch(/^\+.*correlationHeaders\(\)/m);
    expect(run.diff).toMatch(/^\+.*correlationHeaders\(msg\??\.properties\??\.headers\)/m);
  });

  it('before the codemod: no correlation or causation IDs, no consumer spans, every service in a trace of its own', async () => {
    const { checkout, messages } = await runChain({ order: legacyOrder, payment: legacyPayment, notification: legacyNotification });
    expect(messages.map((m) => [m.queue, m.type])).toEqual(QUEUES.map((q, i) => [q, EVENT_TYPES[i]]));
    for (const m of messages) {
      expect(Object.keys(m.headers), `legacy ${m.type} carries no headers`).toEqual([]);
      expect(m.body).not.toHaveProperty('correlationId');
    }
    expect(t.spans().filter((s) => s.kind === SpanKind.CONSUMER)).toHaveLength(0);
    const [charge] = t.named('charge card');
    expect(charge!.spanContext().traceId, `legacy payment handler starts a new trace\n${t.details()}`).not.toBe(checkout.traceId);
    expect(charge!.parentSpanContext).toBeUndefined();
  });

  it('after the codemod: one correlation ID, each causation ID the previous event ID, CONSUMER spans, one trace', async () => {
    const { checkout, messages } = await runChain(codemodded!.services);
    const details = () => `${JSON.stringify(messages, null, 1)}\n${t.details()}`;
    expect(messages.map((m) => [m.queue, m.type]), details()).toEqual(QUEUES.map((q, i) => [q, EVENT_TYPES[i]]));
    expect(messages[0]!.body).toEqual({ type: 'OrderCreated', orderId: 'o-42', customer: 'ada@example.com', cents: 4200 });

    // Correlation and causation, read from the messages the broker delivered.
    const ids = messages.map((m) => ({
      correlation: text(m.headers['correlation-id']),
      causation: text(m.headers['causation-id']),
      event: text(m.headers['event-id']),
    }));
    const correlation = ids[0]!.correlation;
    expect(correlation, `the first message gets a correlation ID\n${details()}`).toEqual(expect.stringMatching(/\S/));
    for (const [i, id] of ids.entries()) {
      expect(id.correlation, `${messages[i]!.type} keeps the correlation ID\n${details()}`).toBe(correlation);
      expect(id.event, `${messages[i]!.type} has an event ID\n${details()}`).toEqual(expect.stringMatching(/\S/));
    }
    expect(ids[0]!.causation, 'OrderCreated starts the operation: no causation ID').toBeUndefined();
    expect(messages[0]!.headers).not.toHaveProperty('causation-id');
    for (let i = 1; i < ids.length; i++) {
      expect(ids[i]!.causation, `${messages[i]!.type} was caused by ${messages[i - 1]!.type}\n${details()}`).toBe(ids[i - 1]!.event);
    }
    expect(new Set(ids.map((id) => id.event)).size, 'every message has its own event ID').toBe(ids.length);
    expect(ids.map((id) => id.event)).not.toContain(correlation);

    // The consumer spans: CONSUMER kind, the messaging conventions' attributes, one per service queue.
    await waitFor('two CONSUMER spans', () => t.consumerSpans().length === 2, 10_000, details);
    const consumers = new Map<string, ReadableSpan>();
    for (const span of t.spans().filter((s) => s.kind === SpanKind.CONSUMER)) {
      expect(span.attributes['messaging.system'], `${span.name}\n${details()}`).toBe('rabbitmq');
      expect(span.attributes['messaging.operation.type']).toBe('process');
      consumers.set(String(span.attributes['messaging.destination.name']), span);
    }
    expect([...consumers.keys()].sort(), details()).toEqual(['notifications', 'payments']);
    expect(consumers.get('payments')!.name).toBe('process payments');
    expect(consumers.get('notifications')!.name).toBe('process notifications');

    // One connected trace: checkout → process payments → (charge card, process notifications) → done message.
    const spans = t.spans();
    expect(new Set(spans.map((s) => s.spanContext().traceId)), `every span in the checkout's trace\n${details()}`).toEqual(new Set([checkout.traceId]));
    t.expectChildOf(consumers.get('payments')!, checkout);
    t.expectChildOf(t.named('charge card')[0]!, consumers.get('payments')!);
    t.expectChildOf(consumers.get('notifications')!, consumers.get('payments')!);
    const last = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/.exec(text(messages[2]!.headers['traceparent']) ?? '');
    expect(last, `NotificationSent carries a traceparent\n${details()}`).not.toBeNull();
    expect(last![1]).toBe(checkout.traceId);
    expect(last![2]).toBe(consumers.get('notifications')!.spanContext().spanId);
  });
});
