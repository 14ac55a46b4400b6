/**
 * Real brokers for the end-to-end suite, started from Debian's packages on loopback (`apt-get install
 * rabbitmq-server nats-server`). Each server gets free ports, a temporary data folder and its own process
 * group; `stop()` kills the whole group and removes the folder. Stops are registered in vitest's `afterAll`
 * by the caller and, as a fallback, on `process.on('exit')` here, so a failing or aborted test never leaves a
 * broker behind.
 *
 * A missing server binary skips the suite locally (with a message) but fails it under CI (`process.env.CI`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, chownSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider as TracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe } from 'vitest';

import { transformSource, type TransformResult } from '../../src/codemods/engine.js';

export const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
export const NATS_SERVER = '/usr/sbin/nats-server';
const EPMD = '/usr/bin/epmd';
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

export interface RunningBroker {
  url: string;
  /** Kills the broker's process group (and its epmd), then removes its data folder. Idempotent. */
  stop(): Promise<void>;
}

/**
 * `describe` when the server binary exists; `describe.skip` (with a message) when it is missing outside CI.
 * Under CI a missing binary is not skipped: `startRabbit()` / `startNats()` then fail with the reason.
 */
export function describeWithBroker(binary: string, title: string): typeof describe | typeof describe.skip {
  if (existsSync(binary) || process.env.CI) return describe;
  console.warn(`[e2e] ${title}: skipped, ${binary} is not installed (apt-get install -y rabbitmq-server nats-server; under CI this is a failure)`);
  return describe.skip;
}

/** A free TCP port on 127.0.0.1 (bind port 0, read it back, release it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (!address || typeof address === 'string') return reject(new Error('no port'));
      server.close(() => resolve(address.port));
    });
  });
}

async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

const stopAllOnExit = new Set<() => void>();
const stopAll = () => {
  for (const stop of stopAllOnExit) stop();
};
process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    stopAll();
    process.kill(process.pid, signal);
  });
}

/**
 * The last line of defence when the test process dies without running any handler (SIGKILL, a worker torn down
 * by the runner): a detached shell that polls this process and, once it is gone, kills every process group listed
 * in `<dir>/pgids` and removes `dir`. `stop()` ends it.
 */
function startWatchdog(dir: string): ChildProcess {
  const script =
    'while kill -0 "$0" 2>/dev/null; do sleep 1; done; ' +
    'for g in $(cat "$1/pgids" 2>/dev/null); do /bin/kill -s KILL -- "-$g" 2>/dev/null; done; rm -rf "$1"';
  const watchdog = spawn('/bin/sh', ['-c', script, String(process.pid), dir], { detached: true, stdio: 'ignore' });
  watchdog.on('error', () => undefined);
  watchdog.unref();
  return watchdog;
}

interface Managed {
  name: string;
  dir: string;
  logFile: string;
  children: ChildProcess[];
  watchdog?: ChildProcess;
}

/** Spawns `command` detached (its own process group), output appended to `logFile`. */
function spawnGroup(m: Managed, command: string, args: string[], options: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number; cwd?: string } = {}): ChildProcess {
  const out = openSync(m.logFile, 'a');
  const child = spawn(command, args, {
    detached: true,
    stdio: ['ignore', out, out],
    env: options.env ?? process.env,
    uid: options.uid,
    gid: options.gid,
    cwd: options.cwd ?? m.dir,
  });
  closeSync(out);
  child.on('error', () => undefined); // reported through waitForPort
  m.children.push(child);
  if (child.pid) appendFileSync(path.join(m.dir, 'pgids'), `${child.pid}\n`);
  return child;
}

function logTail(m: Managed): string {
  try {
    return readFileSync(m.logFile, 'utf8').split('\n').slice(-30).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitForPort(m: Managed, port: number, main: ChildProcess, timeoutMs = START_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (main.exitCode !== null || main.signalCode !== null) {
      throw new Error(`${m.name} exited (${main.exitCode ?? main.signalCode}) before accepting connections on 127.0.0.1:${port}:\n${logTail(m)}`);
    }
    if (await canConnect(port)) return;
    await sleep(200);
  }
  throw new Error(`${m.name} did not accept connections on 127.0.0.1:${port} within ${timeoutMs / 1000} s:\n${logTail(m)}`);
}

function makeStop(m: Managed): { stop: () => Promise<void>; stopSync: () => void } {
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    stopAllOnExit.delete(stopSync);
    for (const child of m.children) killGroup(child.pid, 'SIGKILL');
    rmSync(m.dir, { recursive: true, force: true });
    if (m.watchdog?.pid) killGroup(m.watchdog.pid, 'SIGKILL');
  };
  const stop = async () => {
    if (stopped) return;
    // Graceful first (reverse start order: the broker, then its epmd), then SIGKILL whatever is left.
    for (const child of [...m.children].reverse()) {
      killGroup(child.pid, 'SIGTERM');
      const deadline = Date.now() + STOP_GRACE_MS;
      while (child.pid && alive(-child.pid) && Date.now() < deadline) await sleep(100);
    }
    stopSync();
  };
  stopAllOnExit.add(stopSync);
  m.watchdog = startWatchdog(m.dir);
  return { stop, stopSync };
}

/** nats-server on a free loopback port, its pid file and log in a temporary folder. */
export async function startNats(): Promise<RunningBroker> {
  if (!existsSync(NATS_SERVER)) throw new Error(`${NATS_SERVER} is not installed: apt-get install -y nats-server`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'e2e-nats-'));
  const m: Managed = { name: 'nats-server', dir, logFile: path.join(dir, 'nats.log'), children: [] };
  const { stop, stopSync } = makeStop(m);
  try {
    const port = await freePort();
    const main = spawnGroup(m, NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '--pid', path.join(dir, 'nats.pid')]);
    await waitForPort(m, port, main);
    return { url: `nats://127.0.0.1:${port}`, stop };
  } catch (error) {
    stopSync();
    throw error;
  }
}

/**
 * rabbitmq-server on free loopback ports (AMQP, Erlang distribution, and an epmd of its own), as the
 * `rabbitmq` user, with every folder and file it writes in one temporary folder owned by that user.
 */
export async function startRabbit(): Promise<RunningBroker> {
  if (!existsSync(RABBITMQ_SERVER)) throw new Error(`${RABBITMQ_SERVER} is not installed: apt-get install -y rabbitmq-server`);
  const user = userIds('rabbitmq');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'e2e-rabbitmq-'));
  const m: Managed = { name: 'rabbitmq-server', dir, logFile: path.join(dir, 'startup.log'), children: [] };
  const { stop, stopSync } = makeStop(m);
  try {
    const [amqpPort, distPort, epmdPort] = await distinctPorts(3);
    for (const sub of ['mnesia', 'log', 'home']) mkdirSync(path.join(dir, sub));
    writeFileSync(path.join(dir, 'enabled_plugins'), '[].\n');
    writeFileSync(m.logFile, '');
    chownTree(dir, user.uid, user.gid);
    const nodeName = `e2e${process.pid}x${amqpPort}@localhost`;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      HOME: path.join(dir, 'home'), // the Erlang cookie goes here
      ERL_EPMD_PORT: String(epmdPort),
      ERL_EPMD_ADDRESS: '127.0.0.1',
      RABBITMQ_NODENAME: nodeName,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(amqpPort),
      RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: path.join(dir, 'log'),
      RABBITMQ_FEATURE_FLAGS_FILE: path.join(dir, 'feature_flags'),
      RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
      RABBITMQ_PID_FILE: path.join(dir, 'rabbitmq.pid'),
      RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq'), // absent: defaults, never /etc/rabbitmq's
      RABBITMQ_ADVANCED_CONFIG_FILE: path.join(dir, 'advanced.config'),
      RABBITMQ_CONF_ENV_FILE: path.join(dir, 'rabbitmq-env.conf'),
      RABBITMQ_LOGS: '-', // to stdout, i.e. startup.log
    };
    // Our own epmd, in its own process group, so stop() can end it (rabbitmq would otherwise start a daemonised one).
    const epmd = spawnGroup(m, EPMD, ['-port', String(epmdPort), '-address', '127.0.0.1'], { env, uid: user.uid, gid: user.gid });
    await waitForPort({ ...m, name: 'epmd' }, epmdPort, epmd, 10_000);
    const main = spawnGroup(m, RABBITMQ_SERVER, [], { env, uid: user.uid, gid: user.gid });
    await waitForPort(m, amqpPort, main);
    return { url: `amqp://guest:guest@127.0.0.1:${amqpPort}`, stop };
  } catch (error) {
    stopSync();
    throw error;
  }
}

function userIds(name: string): { uid: number; gid: number } {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) throw new Error(`no '${name}' user: is rabbitmq-server installed?`);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function chownTree(root: string, uid: number, gid: number): void {
  chownSync(root, uid, gid);
  for (const entry of readdirSync(root)) {
    const full = path.join(root, entry);
    if (statSync(full).isDirectory()) chownTree(full, uid, gid);
    else chownSync(full, uid, gid);
  }
}

// ---------------------------------------------------------------------------------------------
// The real OpenTelemetry SDK, recording into memory (as test/helpers.test.ts sets it up)
// ---------------------------------------------------------------------------------------------

export interface Tracing {
  exporter: InMemorySpanExporter;
  tracer: Tracer;
  shutdown(): Promise<void>;
}

export function setupTracing(): Tracing {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  return {
    exporter,
    tracer: trace.getTracer('e2e-checkout'),
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/** Polls `probe` until it returns a value other than undefined/false, at most `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000, details?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${details ? `\n${details()}` : ''}`);
    await sleep(20);
  }
}

export function describeSpans(spans: readonly ReadableSpan[]): string {
  return `finished spans: ${
    spans
      .map((s) => `${s.name} [kind ${s.kind}] trace=${s.spanContext().traceId} span=${s.spanContext().spanId} parent=${s.parentSpanContext?.spanId ?? '-'}`)
      .join('; ') || '(none)'
  }`;
}

/** Walks the parent chain of `span` within the finished spans; returns the span ids from `span` upwards. */
export function ancestry(span: ReadableSpan, spans: readonly ReadableSpan[]): string[] {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const chain: string[] = [span.spanContext().spanId];
  let parent = span.parentSpanContext?.spanId;
  while (parent && chain.length < 20) {
    chain.push(parent);
    parent = byId.get(parent)?.parentSpanContext?.spanId;
  }
  return chain;
}

// ---------------------------------------------------------------------------------------------
// Running the codemod on a copy inside the repository (so the copy's imports resolve to node_modules)
// ---------------------------------------------------------------------------------------------

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Rewritten<M> {
  file: string;
  result: TransformResult;
  module: M;
  remove(): void;
}

/** Copies `relativeFile` to `.tmp/e2e-<random>/`, runs the `all` codemod on it, writes and imports the result. */
export async function rewriteWithCodemod<M>(relativeFile: string): Promise<Rewritten<M>> {
  mkdirSync(path.join(repoRoot, '.tmp'), { recursive: true });
  const dir = mkdtempSync(path.join(repoRoot, '.tmp', 'e2e-'));
  const file = path.join(dir, path.basename(relativeFile));
  const source = readFileSync(path.join(repoRoot, relativeFile), 'utf8');
  writeFileSync(file, source);
  const result = transformSource('all', file, source);
  if (result.output === undefined) throw new Error(`the codemod changed nothing in ${relativeFile}`);
  writeFileSync(file, result.output);
  const module = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as M;
  return { file, result, module, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
