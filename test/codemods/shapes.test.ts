/**
 * Real-world shapes (fixtures/shapes): each project is copied into a scratch git repository next to this
 * repository's node_modules, its own `tsc` must pass before, `trace-propagation codemod all` runs on it exactly as
 * a user would run it (committed work tree, type check on), and `tsc` must still pass after. Body keys are kept
 * or removed as the contract rules say; a TCP handler and a typed payload declaration are never rewritten.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { git, gitInitCommitted, run } from '../cli/helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const shapes = path.join(root, 'fixtures', 'shapes');
fs.mkdirSync(path.join(root, '.tmp'), { recursive: true });
const work = fs.mkdtempSync(path.join(root, '.tmp', 'shapes-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

function typecheck(dir: string): string {
  try {
    execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
    return '';
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

async function copy(name: string, as = name): Promise<string> {
  const dir = path.join(work, as);
  fs.cpSync(path.join(shapes, name), dir, { recursive: true });
  await gitInitCommitted(dir);
  return dir;
}

const read = (dir: string, file: string): string => fs.readFileSync(path.join(dir, file), 'utf8');
const original = (name: string, file: string): string => fs.readFileSync(path.join(shapes, name, file), 'utf8');

describe('codemod all on real-world shapes: tsc passes before and after', () => {
  it('cjs-node10: the helpers import resolves under node10; a span-derived body traceId is removed', async () => {
    const dir = await copy('cjs-node10');
    expect(typecheck(dir)).toBe('');
    const result = await run(dir, ['codemod', 'all', '.'], { guard: true });
    expect(result.err).toMatch(/type check: 2 changed files checked in [\d.]+ s, 0 reverted/);
    expect(typecheck(dir)).toBe('');
    const payments = read(dir, 'src/payments.ts');
    expect(payments).toContain("JSON.stringify({ paymentId }), headers: injectTraceHeaders() }");
    expect(payments).not.toContain('const traceId'); // the variable only the removed key used goes too
    expect(read(dir, 'src/notifier.ts')).toContain("from 'trace-propagation-helpers'");
    expect(result.code).toBe(0);
  }, 60_000);

  it('nest-mixed: the envelope is built at the call; the TCP handler is left alone', async () => {
    const dir = await copy('nest-mixed');
    expect(typecheck(dir)).toBe('');
    const result = await run(dir, ['codemod', 'all', '.'], { guard: true });
    expect(typecheck(dir)).toBe('');
    expect(read(dir, 'apps/pricing/src/pricing.controller.ts')).toBe(original('nest-mixed', 'apps/pricing/src/pricing.controller.ts'));
    const publisher = read(dir, 'apps/access/src/access.publisher.ts');
    expect(publisher).toContain('const message: CanUserAccess.Value = { buildId, userId };');
    expect(publisher).toContain("this.client.emit('access.can-user-access', { value: message, headers: injectTraceHeaders() });");
    expect(read(dir, 'apps/access/src/access.controller.ts')).toContain("return withConsumerSpan(context.getMessage().headers, { system: 'kafka', destination: 'access.granted' }, () => {");
    // No @Ctx() in its class: the context parameter is added from the transport main.ts bootstraps.
    const revocations = read(dir, 'apps/access/src/revocations.controller.ts');
    expect(revocations).toContain("import { EventPattern, Payload, Ctx, KafkaContext } from '@nestjs/microservices';");
    expect(revocations).toContain('revoked(@Payload() revocation: { userId: string }, @Ctx() ctx: KafkaContext): void {');
    expect(result.code).toBe(0);
  }, 60_000);

  it('contract: body keys that are not the span’s, or that a consumer reads, stay; headers are injected beside them', async () => {
    const dir = await copy('contract');
    expect(typecheck(dir)).toBe('');
    const result = await run(dir, ['codemod', 'all', '.'], { guard: true });
    expect(typecheck(dir)).toBe('');
    expect(read(dir, 'src/orders/publisher.ts')).toContain("JSON.stringify({ orderId, traceId: logger.getTraceId() }), headers: injectTraceHeaders() }");
    expect(read(dir, 'src/audit/publisher.ts')).toContain('JSON.stringify({ action, traceId: span?.spanContext().traceId }), headers: injectTraceHeaders() }');
    expect(read(dir, 'src/audit/consumer.ts')).toContain('traceId: body.traceId ?? randomUUID()');
    expect(result.err).toMatch(/src\/orders\/publisher\.ts:\d+:\d+ no-payload-trace-ids\/traceIdInPayload \(kafkajs\): kept 'traceId' in the body: its value is not the active span's/);
    expect(result.err).toMatch(/src\/audit\/publisher\.ts:\d+:\d+ no-payload-trace-ids\/traceIdInPayload \(kafkajs\): kept 'traceId' in the body: src\/audit\/consumer\.ts:15 reads it with a fallback of its own/);
    expect(result.err).toMatch(/src\/audit\/consumer\.ts:\d+:\d+ no-payload-trace-ids\/traceIdReadFromPayload \(kafkajs\): read with a fallback of its own/);
    expect(result.code).toBe(1);
  }, 60_000);

  it('contract with --drop-payload-ids: the keys go, and tsc still passes', async () => {
    const dir = await copy('contract', 'contract-drop');
    const result = await run(dir, ['codemod', 'move-trace-ids-to-headers', '.', '--drop-payload-ids'], { guard: true });
    expect(typecheck(dir)).toBe('');
    expect(read(dir, 'src/orders/publisher.ts')).toContain('JSON.stringify({ orderId }), headers: injectTraceHeaders() }');
    expect(read(dir, 'src/audit/publisher.ts')).toContain('JSON.stringify({ action }), headers: injectTraceHeaders() }');
    expect(result.err).not.toContain("kept 'traceId'");
    expect(await git(dir, 'status', '--porcelain')).toContain('src/orders/publisher.ts');
  }, 60_000);
});
