/**
 * @fileoverview Periodic jobs. Code that a timer or a scheduler runs (an outbox relay, a flush of aggregated rows)
 * has no trace of its own to continue: publishing from it is exempt by default (`ignore.timers`).
 */
import type { TSESTree } from '@typescript-eslint/utils';
import { calleeName, enclosingFunction, isFunction, memberName, staticName, typeReferenceName, unwrap, walk, type FunctionNode, type Node } from './ast.js';
import { sourceOf } from './fixes.js';
import { functionName, Resolver } from './resolve.js';
import { escapeRegExp, fileFacts } from './reach.js';
import { importersOf } from './reach.js';

const TIMERS = new Set(['setInterval', 'schedule', 'scheduleJob', 'cron']);
/** Classes whose instances run a callback on a schedule (`new CronJob(spec, onTick)`). */
const CRON_CLASSES = new Set(['CronJob']);
/** Decorators that make a method a periodic job (NestJS `@nestjs/schedule`). */
const SCHEDULE_DECORATORS = new Set(['Cron', 'Interval']);

/** A text that names none of these holds no timer the syntax walk below would find. */
const NAMES_TIMER = new RegExp(`\\b(?:${['setTimeout', ...TIMERS, ...CRON_CLASSES, ...SCHEDULE_DECORATORS].join('|')})\\b`);

/** The name a function is called by (`functionName`), for any node. */
function callName(node: Node): string | undefined {
  return isFunction(node) ? functionName(node) : undefined;
}

/** A method a scheduler runs: `@Cron(...)`, `@Interval(...)`. */
function scheduled(fn: Node): boolean {
  const method = fn.parent;
  return method?.type === 'MethodDefinition' && !!method.decorators?.some((d) => SCHEDULE_DECORATORS.has(d.expression.type === 'CallExpression' ? (calleeName(d.expression) ?? '') : ''));
}

/** The names of the functions a callback calls. */
function calledIn(resolver: Resolver, fn: Node, into: Set<string>): void {
  walk(fn, resolver.keys, (inner) => {
    if (inner.type === 'CallExpression') {
      const name = calleeName(inner);
      if (name) into.add(name);
    }
    return undefined;
  });
}

/**
 * The names of a file's functions that timers run: handed to a timer or called from its callback, a function that
 * reschedules itself with `setTimeout` (`finally { setTimeout(relay, 5000) }`), and what those call in turn.
 */
function timerCallees(resolver: Resolver): Set<string> {
  return resolver.memo('timer-callees', resolver.input.ast, () => {
    const names = new Set<string>();
    const functions = new Map<string, Node[]>();
    const loops = pollLoops(resolver);
    if (loops.length === 0 && !NAMES_TIMER.test(resolver.input.text)) return names;
    walk(resolver.input.ast, resolver.keys, (node) => {
      if (isFunction(node)) {
        const name = callName(node);
        if (name) functions.set(name, [...(functions.get(name) ?? []), node]);
        // `@Cron(...) relay() { ... this.relayEvent(row) }`: a method a scheduler runs, and so what it calls.
        if (name && scheduled(node)) names.add(name);
        // `async run() { await processOutbox(); await new Promise((r) => setTimeout(r, ms)); await this.run(); }`: a
        // poll loop written as a function that waits, then runs itself again.
        else if (name && node.body.type === 'BlockStatement' && waitsInBody(resolver, node.body) && callsItself(resolver, node, name) && !receivesInBody(resolver, node.body)) names.add(name);
        return undefined;
      }
      // `setInterval(relay, 5000)`, `new CronJob('45 12 * * *', async () => { await this.process(); })` (`cron`).
      if ((node.type === 'CallExpression' && TIMERS.has(calleeName(node) ?? '')) || (node.type === 'NewExpression' && CRON_CLASSES.has(calleeName(node) ?? ''))) {
        for (const arg of node.arguments) {
          if (arg.type === 'Identifier') names.add(arg.name);
          else if (isFunction(arg)) calledIn(resolver, arg, names);
        }
        return undefined;
      }
      if (node.type !== 'CallExpression') return undefined;
      if (calleeName(node) === 'setTimeout') {
        let own = enclosingFunction(node);
        while (own && !callName(own)) own = enclosingFunction(own);
        const name = own ? callName(own) : undefined;
        const callback = node.arguments[0];
        if (!name || !callback) return undefined;
        const again = new Set<string>();
        if (callback.type === 'Identifier') again.add(callback.name);
        else if (isFunction(callback)) calledIn(resolver, callback, again);
        if (again.has(name)) names.add(name);
      }
      return undefined;
    });
    // A poll loop (`while (this.running) { await this.relayBatch(); await setTimeout(pollMs) }`) is a periodic job too.
    for (const loop of loops) calledIn(resolver, loop, names);
    // And what those call, a few steps down in this file: a relay's work is split into methods (claim the rows, lock,
    // process each, send one): `@Cron(...) relay()` → `processBatch()` → `processEvent()` → `publish()`.
    for (let depth = 0; depth < 3; depth++) for (const name of [...names]) for (const fn of functions.get(name) ?? []) calledIn(resolver, fn, names);
    return names;
  });
}

/** Calls that wait before the next round of a poll loop: `await setTimeout(ms)` (`node:timers/promises`), `sleep(ms)`. */
const WAITS = /^(setTimeout|sleep|delay|wait|pause|waitFor|timeout)$/i;

/**
 * The file's poll loops: a `while`/`do`/`for (;;)` loop whose body awaits a wait (`await setTimeout(interval)`,
 * `await sleep(1000)`, `await new Promise((r) => setTimeout(r, ms))`) and so runs its work once per period.
 */
function pollLoops(resolver: Resolver): Node[] {
  return resolver.memo('poll-loops', resolver.input.ast, () => {
    const loops: Node[] = [];
    if (!/\b(?:while|for)\s*\(/.test(resolver.input.text)) return loops;
    const waits = /\b(?:setTimeout|sleep|delay|wait|pause|waitFor|timeout)\s*\(/i.test(resolver.input.text);
    walk(resolver.input.ast, resolver.keys, (node) => {
      if (node.type !== 'WhileStatement' && node.type !== 'DoWhileStatement' && (node.type !== 'ForStatement' || node.test)) return undefined;
      // A loop that runs until the process stops (`while (true)`, `for (;;)`) relays rows even without a wait.
      const endless = !node.test || (node.test.type === 'Literal' && (node.test.value === true || node.test.value === 1));
      if ((endless || (waits && waitsInBody(resolver, node.body))) && !receivesInBody(resolver, node.body) && !leavesWhenDone(resolver, node)) loops.push(node.body);
      return undefined;
    });
    return loops;
  });
}

/** A loop's condition or exit test that asks whether to stop (`if (this.stopped) break;`, `if (signal.aborted) return;`). */
const STOP_FLAG = /stop|running|shut|abort|clos|cancel|active|enabled|alive|signal|exit|terminat|halt/i;

/**
 * Whether a loop ends once its work has succeeded: a retry loop (`while (attempts < 3) { try { await send(); break; }
 * catch { await sleep(1000) } }`) runs in its caller's context, unlike a poll loop. A `break` or `return` under a test
 * of a stop flag (`if (!this.running) break;`) ends a poll loop and does not count.
 */
function leavesWhenDone(resolver: Resolver, loop: Node): boolean {
  const unguarded = (exit: Node): boolean => {
    let guard: Node | undefined = exit.parent;
    while (guard && guard !== loop && guard.type !== 'IfStatement') guard = guard.parent;
    return !(guard?.type === 'IfStatement' && STOP_FLAG.test(sourceOf(resolver.input, guard.test)));
  };
  let found = false;
  const search = (root: Node, breaks: boolean): void => walk(root, resolver.keys, (node) => {
    if (found || isFunction(node)) return false;
    if ((node.type === 'ReturnStatement' || (breaks && node.type === 'BreakStatement' && !node.label)) && unguarded(node)) found = true;
    // A `break` inside an inner loop or a `switch` leaves only that one; a `return` there leaves this loop too.
    if (node !== root && /^(While|DoWhile|For|ForOf|ForIn|Switch)Statement$/.test(node.type)) {
      search(node, false);
      return false;
    }
    return undefined;
  });
  search((loop as TSESTree.WhileStatement).body, true);
  return found;
}

/** Calls that take messages in (`pollWithMessage()`, `receiveMessages()`, `consumer.consume()`, `getMessages()`). */
const RECEIVES = /^(poll|receive|consume|pull|dequeue|fetchMessages?|x?read(?:group)?|b[lr]pop|brpoplpush|blmove|next)|Messages?$/i;

/**
 * Whether a loop's body takes messages in: a consumer's poll loop (`while (true) { const batch = await poll();
 * await handle(batch); await sleep(1000) }`), whose work runs for the messages it received, not on a timer.
 */
function receivesInBody(resolver: Resolver, body: Node): boolean {
  let found = false;
  walk(body, resolver.keys, (node) => {
    if (found || isFunction(node)) return false;
    // `sqs.send(new ReceiveMessageCommand(...))`, `for await (const m of subscription)`, `redis.xreadgroup(...)`.
    if ((node.type === 'CallExpression' || node.type === 'NewExpression') && RECEIVES.test(calleeName(node) ?? '')) found = true;
    if (node.type === 'ForOfStatement' && node.await) found = true;
    return undefined;
  });
  return found;
}

/** Whether a function calls itself by its name (`run()`, `this.run()`), outside the functions nested in it. */
function callsItself(resolver: Resolver, fn: FunctionNode, name: string): boolean {
  let found = false;
  walk(fn.body, resolver.keys, (node) => {
    if (found || isFunction(node)) return false;
    if (node.type !== 'CallExpression' || calleeName(node) !== name) return undefined;
    const callee = unwrap(node.callee);
    if (callee.type === 'Identifier' || (callee.type === 'MemberExpression' && callee.object.type === 'ThisExpression')) found = true;
    return undefined;
  });
  return found;
}

function waitsInBody(resolver: Resolver, body: Node): boolean {
  let found = false;
  walk(body, resolver.keys, (node) => {
    if (found || isFunction(node)) return false;
    if (node.type !== 'AwaitExpression') return undefined;
    let waited = unwrap(node.argument);
    // `await new Promise((resolve) => setTimeout(resolve, ms))`
    if (waited.type === 'NewExpression' && calleeName(waited) === 'Promise' && waited.arguments[0] && isFunction(waited.arguments[0])) {
      const executor = waited.arguments[0];
      const inner = executor.body.type === 'CallExpression' ? executor.body : executor.body.type === 'BlockStatement' && executor.body.body[0]?.type === 'ExpressionStatement' ? executor.body.body[0].expression : undefined;
      if (inner?.type === 'CallExpression') waited = inner;
    }
    if (waited.type === 'CallExpression' && WAITS.test(calleeName(waited) ?? '')) found = true;
    return undefined;
  });
  return found;
}

/**
 * Inside a handler of change-stream records (`async (event: DynamoDBStreamEvent) => ...`, a `KinesisStreamHandler`):
 * a relay of stored rows, like an outbox poll loop. The records carry no trace context (a stream has no message
 * headers), so what it publishes continues no trace.
 */
export function inStreamRelay(call: Node): boolean {
  for (let fn = enclosingFunction(call); fn; fn = enclosingFunction(fn)) {
    const param = fn.params[0];
    const type = param && 'typeAnnotation' in param ? param.typeAnnotation?.typeAnnotation : undefined;
    if (type?.type === 'TSTypeReference' && STREAM_EVENT.test(typeReferenceName(type.typeName))) return true;
    const holder = fn.parent?.type === 'VariableDeclarator' && fn.parent.id.type === 'Identifier' ? fn.parent.id.typeAnnotation?.typeAnnotation : undefined;
    if (holder?.type === 'TSTypeReference' && (STREAM_HANDLER.test(typeReferenceName(holder.typeName)) || holder.typeArguments?.params.some((p) => p.type === 'TSTypeReference' && STREAM_EVENT.test(typeReferenceName(p.typeName))))) return true;
  }
  return false;
}

const STREAM_EVENT = /^(DynamoDBStreamEvent|KinesisStreamEvent)$/;
const STREAM_HANDLER = /^(DynamoDBStreamHandler|KinesisStreamHandler)$/;

/** Inside a timer callback, or a function that timers run (`setInterval(() => flush(buffer))`), or a `flush*` function. */
export function inTimer(resolver: Resolver, call: Node): boolean {
  const called = timerCallees(resolver);
  const loops = pollLoops(resolver);
  for (let p: Node | undefined = call.parent; p; p = p.parent) {
    // Written in a poll loop's body (`while (true) { rows = claim(); for (const row of rows) await producer.send(...) }`).
    if (loops.length > 0 && loops.includes(p)) return true;
    if (!isFunction(p)) continue;
    const parent = p.parent;
    if (parent?.type === 'CallExpression' && TIMERS.has(calleeName(parent) ?? '') && parent.arguments.includes(p as TSESTree.Expression)) return true;
    const name = callName(p);
    if (name && (called.has(name) || /^flush/i.test(name))) return true;
    // `@Cron(CronExpression.EVERY_SECOND) relay() {...}`, `@Interval(5000)`: a method a scheduler runs.
    if (scheduled(p)) return true;
  }
  return false;
}

/** NestJS lifecycle hooks the application runs once while it starts, before any request. */
const STARTUP_HOOKS = new Set(['onModuleInit', 'onApplicationBootstrap']);

/**
 * Whether a call runs only while the application starts: written in a NestJS `onModuleInit()` /
 * `onApplicationBootstrap()` (not in a callback there, such as a consumer's handler it registers), or in a private
 * method that only such code calls (`void this.reconcile()`), up to two steps down. No trace is active then.
 */
export function atStartup(resolver: Resolver, call: Node): boolean {
  if (!/\bon(?:ModuleInit|ApplicationBootstrap)\s*\(/.test(resolver.input.text)) return false;
  const fn = enclosingFunction(call);
  return !!fn && startupMethod(resolver, fn, 0);
}

function startupMethod(resolver: Resolver, fn: FunctionNode, depth: number): boolean {
  const definition = fn.parent;
  if (definition?.type !== 'MethodDefinition' || definition.static) return false;
  const name = staticName(definition.key, definition.computed) ?? (definition.key.type === 'PrivateIdentifier' ? definition.key.name : undefined);
  if (!name) return false;
  if (STARTUP_HOOKS.has(name)) return true;
  // Another module may call a public method; a private one is called from its class only.
  if (depth >= 2 || (definition.accessibility !== 'private' && definition.key.type !== 'PrivateIdentifier')) return false;
  return resolver.memo(`startup-only:${depth}`, fn, () => {
    let callers = 0;
    let outside = false;
    walk(definition.parent, resolver.keys, (node) => {
      if (outside) return false;
      if (node.type !== 'MemberExpression' || node.object.type !== 'ThisExpression' || (memberName(node) ?? (node.property.type === 'PrivateIdentifier' ? node.property.name : undefined)) !== name) return undefined;
      const caller = node.parent?.type === 'CallExpression' && node.parent.callee === node ? enclosingFunction(node.parent) : undefined;
      // Called straight from startup code; handed on (`this.reconcile.bind(this)`) or called elsewhere, it may run later.
      if (caller && caller !== fn && startupMethod(resolver, caller, depth + 1)) callers++;
      else outside = true;
      return undefined;
    });
    return !outside && callers > 0;
  }, false);
}

/**
 * Whether the function around a call is run only by timers of other modules (`setInterval(() => relay())` in
 * `outbox/index.js`, `relay()` in `outbox/relay.js`): it has callers, and every one of them is in a timer.
 */
export function onlyTimersCall(resolver: Resolver, call: Node, depth = 0): boolean {
  const { project, file } = resolver;
  if (!project || !file) return false;
  let fn = enclosingFunction(call);
  while (fn && !functionName(fn)) fn = enclosingFunction(fn);
  if (!fn) return false;
  if (fn.parent?.type === 'MethodDefinition') return onlyTimersCallMethod(resolver, fn, depth);
  const owner = fn;
  const name = functionName(owner)!;
  // `false` stands while it is computed: a function that calls itself back is not thereby a timer job.
  return resolver.memo(`timers-only:${depth}`, owner, () => {
    // Called (`relay(`), or handed on by name (`schedule(spec, relay)`, `setInterval(relay, 5000)`).
    const named = new RegExp(`(?<![\\w$.])${escapeRegExp(name)}\\s*[(),]`);
    const others = importersOf(project, file, resolver.catalog).filter((other) => named.test(project.text(other) ?? ''));
    // Called in its own file only (`notify()` inside `nightly()`, which a cron job of another module runs): the
    // callers there are judged, and the timers sit in the files importing this one.
    const own = others.length === 0 && named.test(resolver.input.text);
    // Nothing is parsed unless a file that names a timer is among the callers' files or the files importing them.
    if ((others.length === 0 && !own) || !nearTimer(project, resolver, own ? [file] : others, 2 - depth)) return false;
    return runOnlyFromTimers(resolver, others, depth, (node, other, candidate) => {
      // `cron.schedule('0 * * * *', nightly)`, `setInterval(relay, 5000)`, `new CronJob(spec, nightly)`: the function
      // handed to a timer by name, this module's own (imported from it, or declared here).
      if ((node.type === 'CallExpression' || node.type === 'NewExpression') && (TIMERS.has(calleeName(node) ?? '') || CRON_CLASSES.has(calleeName(node) ?? ''))) {
        const handed = node.arguments.some((arg) => arg.type === 'Identifier' && arg.name === name);
        const imported = candidate ? other.imports.get(name) : undefined;
        return handed && (!candidate || (imported && project.resolve(candidate, imported.source) === file)) ? 'timer' : undefined;
      }
      // Handed by name to anything else (`router.post('/flush', relay)`): it may run outside a timer.
      if ((node.type === 'CallExpression' || node.type === 'NewExpression') && node.arguments.some((arg) => arg.type === 'Identifier' && arg.name === name)) return 'outside';
      if (node.type !== 'CallExpression' || calleeName(node) !== name || unwrap(node.callee).type !== 'Identifier') return undefined;
      const ref = other.calleeFunction(node);
      if (!ref || (ref.fn !== owner && (ref.resolver.file !== file || ref.fn.range[0] !== owner.range[0]))) return undefined;
      return node;
    });
  }, false);
}

/**
 * `onlyTimersCall` for a method (`NatsService.publish`, which only an outbox relay's poll loop calls, through
 * `this.nats.publish(...)` in another module): its calls, `this.publish(...)` in its class and `x.publish(...)` in the
 * modules importing it, resolved to it, are each in a timer or in a function only timers run. A call of that name the
 * importing modules make on a receiver that cannot be resolved may be it: the method is then not a timer job.
 */
function onlyTimersCallMethod(resolver: Resolver, method: FunctionNode, depth: number): boolean {
  const { project, file } = resolver;
  const name = staticName((method.parent as TSESTree.MethodDefinition).key, (method.parent as TSESTree.MethodDefinition).computed);
  if (!project || !file || !name) return false;
  return resolver.memo(`timers-only-method:${depth}`, method, () => {
    const named = new RegExp(`\\.${escapeRegExp(name)}\\b`);
    const others = importersOf(project, file, resolver.catalog).filter((other) => named.test(project.text(other) ?? ''));
    if (!nearTimer(project, resolver, others.length > 0 ? others : [file], 2 - depth)) return false;
    return runOnlyFromTimers(resolver, others, depth, (node, other, candidate) => {
      if (node.type !== 'CallExpression' && node.type !== 'NewExpression') return undefined;
      // `setInterval(this.relay.bind(this), 5000)`: handed to a timer; handed to anything else, it may run outside one.
      if (node.arguments.some((arg) => isMethodReference(arg, name))) return TIMERS.has(calleeName(node) ?? '') || CRON_CLASSES.has(calleeName(node) ?? '') ? 'timer' : 'outside';
      const callee = unwrap(node.callee);
      if (node.type !== 'CallExpression' || callee.type !== 'MemberExpression' || memberName(callee) !== name) return undefined;
      const ref = other.calleeFunction(node);
      if (!ref) return candidate ? 'outside' : undefined;
      if (ref.fn !== method && (ref.resolver.file !== file || ref.fn.range[0] !== method.range[0])) return undefined;
      return node;
    });
  }, false);
}

/**
 * Walks the function's own module and the candidate modules for what runs it: `classify` says of a node that it
 * hands the function to a timer (`'timer'`), may run it outside one (`'outside'`), or calls it (the call, which must
 * sit in a timer or in a function only timers run in turn: `startOutbox` → `relayPending` → `publishBatch`). True
 * when something runs it and only timers do.
 */
function runOnlyFromTimers(
  resolver: Resolver,
  candidates: readonly string[],
  depth: number,
  classify: (node: Node, other: Resolver, candidate: string | undefined) => 'timer' | 'outside' | TSESTree.CallExpression | undefined,
): boolean {
  let callers = 0;
  for (const candidate of [undefined, ...candidates]) {
    const other = candidate ? Resolver.forModule(resolver.project!, candidate, resolver.catalog) : resolver;
    if (!other) continue;
    let outside = false;
    walk(other.input.ast, other.keys, (node) => {
      if (outside) return false;
      const verdict = classify(node, other, candidate);
      if (verdict === 'outside') outside = true;
      else if (verdict === 'timer') callers++;
      else if (verdict) {
        callers++;
        if (!inTimer(other, verdict) && (depth >= 2 || !onlyTimersCall(other, verdict, depth + 1))) outside = true;
      }
      return outside ? false : undefined;
    });
    if (outside) return false;
  }
  return callers > 0;
}

/** `this.relay`, `this.relay.bind(this)`, `service.relay`: a reference to a method of that name. */
function isMethodReference(node: Node, name: string): boolean {
  let current = unwrap(node);
  if (current.type === 'CallExpression' && calleeName(current) === 'bind' && unwrap(current.callee).type === 'MemberExpression') current = unwrap((unwrap(current.callee) as TSESTree.MemberExpression).object);
  return current.type === 'MemberExpression' && memberName(current) === name;
}

/** Whether one of the files, or of the files importing them (`levels` deep), names a timer or a scheduler. */
function nearTimer(project: NonNullable<Resolver['project']>, resolver: Resolver, files: readonly string[], levels: number): boolean {
  if (files.some((file) => fileFacts(project, file, resolver.catalog)?.timer)) return true;
  return levels > 0 && files.some((file) => nearTimer(project, resolver, importersOf(project, file, resolver.catalog), levels - 1));
}

/**
 * Whether the function around a call is a callback handed to a function of another module that runs it only from
 * timer jobs: `createBuffer({ interval, async sender(batch) { await producer.send(...) } })`, where the buffer calls
 * `cfg.sender(batch)` from a flush that reschedules itself. A flush of aggregated items has no trace of its own.
 */
export function handedToTimer(resolver: Resolver, call: Node): boolean {
  const fn = enclosingFunction(call);
  if (!fn) return false;
  // The callback itself, or a method / property of an object literal, as an argument of a call.
  let arg: Node = fn;
  let key: string | undefined;
  if (arg.parent?.type === 'Property' && arg.parent.value === arg) {
    key = arg.parent.key.type === 'Identifier' ? arg.parent.key.name : undefined;
    arg = arg.parent.parent!;
    if (!key || arg.type !== 'ObjectExpression') return false;
  }
  const outer = arg.parent;
  if (outer?.type !== 'CallExpression' || !outer.arguments.includes(arg as TSESTree.Expression)) return false;
  // Parses the callee's module (which may name no broker): asked only of sites that would be reported.
  const ref = resolver.handedToFunction(outer);
  if (!ref || ref.resolver === resolver || !isFunction(ref.fn) || !ref.resolver.file || !ref.resolver.project) return false;
  const other = ref.resolver;
  if (!fileFacts(other.project!, other.file!, other.catalog)?.timer) return false;
  const param = ref.fn.params[outer.arguments.indexOf(arg as TSESTree.Expression)];
  if (param?.type !== 'Identifier') return false;
  const variable = other.declaredVariable(param);
  if (!variable) return false;
  // Every call of the callback (`cfg.sender(batch)` or `sender(batch)`) is in a function a timer runs.
  let calls = 0;
  for (const reference of variable.references) {
    const id = reference.identifier as Node;
    const callee = key ? (id.parent?.type === 'MemberExpression' && id.parent.object === id && memberName(id.parent) === key ? id.parent : undefined) : id;
    const invoked = callee?.parent;
    if (!callee || invoked?.type !== 'CallExpression' || invoked.callee !== callee) continue;
    if (!inTimer(other, invoked)) return false;
    calls++;
  }
  return calls > 0;
}
