#!/usr/bin/env node
/**
 * @fileoverview Deterministic generator for the benchmark corpus.
 *
 * Writes a synthetic monorepo of TypeScript (and some JavaScript) service code into
 * `bench/.corpus/` (gitignored). The code is not meant to type-check or run; it is meant to
 * *look like* the code the plugin will meet in the wild, so the rules' listeners see realistic
 * node counts and call shapes: controllers, services, repositories, DTOs, express handlers using
 * `res.send`, loggers, EventEmitter usage, fetch clients, middlewares, tests, and look-alike APIs
 * (`mailer.send`, `bus.publish`, `ws.send`) that are NOT brokers. About 5% of the files talk to a
 * real broker (kafkajs, amqplib, @aws-sdk/client-sqs, nats), with a mix of correct propagation
 * and the violations the rules are meant to find.
 *
 * Determinism: every random choice comes from a seeded PRNG (mulberry32), forked per file by a
 * string label, so the same seed and generator version produce a byte-identical corpus. A
 * `manifest.json` records seed, version, file count and a SHA-256 over all files; when a manifest
 * with the same seed/version/count exists, generation is skipped.
 *
 * Usage:
 *   node bench/generate-corpus.js [--seed=N] [--files=N] [--out=DIR] [--force] [--check]
 *     --force   regenerate even when the manifest matches
 *     --check   regenerate in memory and compare the hash with the manifest (determinism check)
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bump whenever the output of the generator changes for a given seed. */
export const GENERATOR_VERSION = 3;
export const DEFAULT_SEED = 1_337_2025;
export const DEFAULT_FILE_COUNT = 2000;
export const DEFAULT_OUT_DIR = fileURLToPath(new URL('./.corpus/', import.meta.url));
/** Share of files that touch a message broker. */
const BROKER_SHARE = 0.05;
/** Share of (non-DTO) files emitted as plain JavaScript. */
const JS_SHARE = 0.15;
const MIN_LINES = 40;
const MAX_LINES = 300;

// ---------------------------------------------------------------------------------------------
// PRNG
// ---------------------------------------------------------------------------------------------

/** FNV-1a 32-bit hash, used to fork independent streams from labels. */
function fnv1a(str) {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

class Rng {
  constructor(seed) {
    this.state = seed >>> 0;
  }
  /** mulberry32: returns a float in [0, 1). */
  next() {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min, max) {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p) {
    return this.next() < p;
  }
  pick(arr) {
    return arr[Math.floor(this.next() * arr.length)];
  }
  /** entries: [item, weight][] */
  weighted(entries) {
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let x = this.next() * total;
    for (const [item, w] of entries) {
      x -= w;
      if (x < 0) return item;
    }
    return entries[entries.length - 1][0];
  }
  shuffle(arr) {
    const a = arr.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }
  sample(arr, n) {
    return this.shuffle(arr).slice(0, n);
  }
  fork(label) {
    return new Rng(fnv1a(`${this.state}:${label}`));
  }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

const pascal = (s) => s.replace(/(^|[-_ ])(\w)/g, (_, __, c) => c.toUpperCase());
const camel = (s) => {
  const p = pascal(s);
  return p[0].toLowerCase() + p.slice(1);
};
const kebab = (s) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/[_ ]/g, '-').toLowerCase();
const plural = (s) => (s.endsWith('y') ? `${s.slice(0, -1)}ies` : s.endsWith('s') ? `${s}es` : `${s}s`);

/** field: [name, tsType, sample JS expression] */
const F = {
  customerId: ['customerId', 'string', "'cus_7Hq2'"],
  accountId: ['accountId', 'string', "'acc_91x'"],
  orderId: ['orderId', 'string', "'ord_5521'"],
  paymentId: ['paymentId', 'string', "'pay_0k3'"],
  productId: ['productId', 'string', "'prd_33a'"],
  tenantId: ['tenantId', 'string', "'ten_acme'"],
  userId: ['userId', 'string', "'usr_42'"],
  ownerId: ['ownerId', 'string', "'usr_7'"],
  authorId: ['authorId', 'string', "'usr_19'"],
  recipientId: ['recipientId', 'string', "'usr_88'"],
  requesterId: ['requesterId', 'string', "'usr_3'"],
  assigneeId: ['assigneeId', 'string | null', 'null'],
  warehouseId: ['warehouseId', 'string', "'wh_berlin'"],
  total: ['total', 'number', '129.9'],
  amount: ['amount', 'number', '49.5'],
  price: ['price', 'number', '19.99'],
  currency: ['currency', 'string', "'EUR'"],
  email: ['email', 'string', "'jane@example.com'"],
  name: ['name', 'string', "'Jane Doe'"],
  displayName: ['displayName', 'string', "'jdoe'"],
  title: ['title', 'string', "'Blue mug'"],
  sku: ['sku', 'string', "'MUG-BLU-01'"],
  stock: ['stock', 'number', '12'],
  quantity: ['quantity', 'number', '3'],
  reserved: ['reserved', 'number', '1'],
  itemCount: ['itemCount', 'number', '2'],
  active: ['active', 'boolean', 'true'],
  paid: ['paid', 'boolean', 'false'],
  country: ['country', 'string', "'DE'"],
  region: ['region', 'string', "'eu-central-1'"],
  tier: ['tier', 'string', "'gold'"],
  plan: ['plan', 'string', "'pro'"],
  seats: ['seats', 'number', '5'],
  role: ['role', 'string', "'admin'"],
  method: ['method', 'string', "'card'"],
  carrier: ['carrier', 'string', "'dhl'"],
  trackingNumber: ['trackingNumber', 'string', "'JJD0001'"],
  channel: ['channel', 'string', "'email'"],
  template: ['template', 'string', "'welcome'"],
  rating: ['rating', 'number', '4'],
  body: ['body', 'string', "'Great product'"],
  subject: ['subject', 'string', "'Cannot log in'"],
  priority: ['priority', 'string', "'high'"],
  reason: ['reason', 'string', "'damaged'"],
  code: ['code', 'string', "'SPRING10'"],
  percentOff: ['percentOff', 'number', '10'],
  redeemed: ['redeemed', 'number', '0'],
  ip: ['ip', 'string', "'10.0.0.1'"],
  userAgent: ['userAgent', 'string', "'Mozilla/5.0'"],
  kind: ['kind', 'string', "'monthly'"],
  rowCount: ['rowCount', 'number', '1200'],
  url: ['url', 'string', "'https://hooks.example.com/in'"],
  secret: ['secret', 'string', "'whsec_x'"],
  failureCount: ['failureCount', 'number', '0'],
  dueDate: ['dueDate', 'Date', 'new Date()'],
  expiresAt: ['expiresAt', 'Date', 'new Date()'],
  renewsAt: ['renewsAt', 'Date', 'new Date()'],
  shippedAt: ['shippedAt', 'Date | null', 'null'],
  sentAt: ['sentAt', 'Date | null', 'null'],
  lastLoginAt: ['lastLoginAt', 'Date | null', 'null'],
  note: ['note', 'string | undefined', 'undefined'],
};

const ENTITY_DEFS = {
  order: ['customerId', 'total', 'currency', 'itemCount', 'note'],
  invoice: ['accountId', 'amount', 'currency', 'dueDate', 'paid'],
  payment: ['orderId', 'amount', 'currency', 'method'],
  shipment: ['orderId', 'carrier', 'trackingNumber', 'shippedAt'],
  product: ['sku', 'title', 'price', 'currency', 'stock', 'active'],
  customer: ['email', 'name', 'country', 'tier'],
  account: ['ownerId', 'plan', 'seats'],
  subscription: ['accountId', 'plan', 'renewsAt', 'seats'],
  notification: ['recipientId', 'channel', 'template', 'sentAt'],
  review: ['productId', 'authorId', 'rating', 'body'],
  ticket: ['requesterId', 'subject', 'priority', 'assigneeId'],
  refund: ['paymentId', 'amount', 'reason'],
  coupon: ['code', 'percentOff', 'expiresAt', 'redeemed'],
  session: ['userId', 'ip', 'userAgent', 'expiresAt'],
  report: ['tenantId', 'kind', 'rowCount'],
  webhook: ['tenantId', 'url', 'secret', 'active', 'failureCount'],
  stockItem: ['warehouseId', 'sku', 'quantity', 'reserved'],
  user: ['email', 'displayName', 'role', 'lastLoginAt'],
  tenant: ['name', 'region', 'plan', 'active'],
  cart: ['customerId', 'itemCount', 'total', 'currency'],
};

const STATUS_SETS = [
  ['pending', 'active', 'completed', 'cancelled'],
  ['draft', 'submitted', 'approved', 'rejected'],
  ['created', 'processing', 'shipped', 'delivered', 'returned'],
  ['open', 'in_progress', 'resolved', 'closed'],
  ['queued', 'sent', 'failed'],
];

const SERVICES = [
  'billing', 'orders', 'inventory', 'shipping', 'notifications', 'identity', 'catalog', 'payments',
  'search', 'reviews', 'analytics', 'gateway', 'accounts', 'pricing', 'fulfillment', 'returns',
  'loyalty', 'support', 'reporting', 'scheduler', 'media', 'audit', 'tenants', 'webhooks',
];

const QUALIFIERS = ['', '', '', 'admin', 'public', 'internal', 'legacy', 'v2', 'batch', 'sync', 'export', 'import', 'audit', 'cache', 'bulk', 'partner'];

function makeEntity(key, rng) {
  const fields = ENTITY_DEFS[key].map((f) => F[f]);
  return {
    key,
    name: camel(key),
    P: pascal(key),
    plural: plural(camel(key)),
    PP: pascal(plural(key)),
    table: kebab(plural(key)).replace(/-/g, '_'),
    fields,
    statuses: rng.pick(STATUS_SETS),
  };
}

// ---------------------------------------------------------------------------------------------
// Text helpers and module builder
// ---------------------------------------------------------------------------------------------

/** Dedents a template string and returns its lines (leading/trailing blank line dropped). */
function lines(str) {
  const ls = str.replace(/^\n/, '').replace(/\n\s*$/, '').split('\n');
  const indents = ls.filter((l) => l.trim()).map((l) => l.match(/^ */)[0].length);
  const min = indents.length ? Math.min(...indents) : 0;
  return ls.map((l) => l.slice(min).replace(/\s+$/, ''));
}

const indent = (ls, n) => ls.map((l) => (l ? ' '.repeat(n) + l : l));

/** A generated module: imports, top-level statements, and sized units. */
class Mod {
  constructor(cx) {
    this.cx = cx;
    this.imports = new Map();
    this.head = [];
    this.units = [];
  }
  /** named: string[]; opts.type: type-only (dropped in JS); opts.def: default import; opts.ns: namespace import */
  imp(from, named = [], opts = {}) {
    if (opts.type && !this.cx.ts) return;
    const key = `${opts.type ? 'type ' : ''}${from}`;
    const cur = this.imports.get(key) ?? { from, type: !!opts.type, named: new Set(), def: null, ns: null };
    for (const n of named) cur.named.add(n);
    if (opts.def) cur.def = opts.def;
    if (opts.ns) cur.ns = opts.ns;
    this.imports.set(key, cur);
  }
  renderImports() {
    const out = [];
    for (const im of this.imports.values()) {
      const parts = [];
      if (im.def) parts.push(im.def);
      if (im.ns) parts.push(`* as ${im.ns}`);
      if (im.named.size) parts.push(`{ ${[...im.named].join(', ')} }`);
      const kw = im.type ? 'import type' : 'import';
      out.push(parts.length ? `${kw} ${parts.join(', ')} from '${im.from}';` : `import '${im.from}';`);
    }
    return out;
  }
  render() {
    const out = [...this.renderImports()];
    if (this.head.length) out.push('', ...this.head);
    for (const u of this.units) out.push('', ...u);
    const text = `${out.join('\n')}\n`;
    // Snippets are written once with TS modifiers; plain JS has no `private`/`readonly` members.
    return this.cx.ts ? text : text.replace(/^(\s*)private (readonly )?/gm, '$1');
  }
  lineCount() {
    return this.render().split('\n').length - 1;
  }
}

/** Context handed to every snippet: language, rng, entity, helpers for optional TS syntax. */
function makeCx(rng, ts, entity, service) {
  const T = (s) => (ts ? s : '');
  return { rng, ts, T, E: entity, svc: service, used: new Set() };
}

/** Draws from `pool` without replacement, reshuffling when exhausted (less repetition than pick). */
function deck(rng, pool) {
  let cards = [];
  return () => {
    if (cards.length === 0) cards = rng.shuffle(pool);
    return cards.pop();
  };
}

/** Returns a method/function name not yet used in this file. */
function uniq(cx, base) {
  let name = base;
  let i = 2;
  while (cx.used.has(name)) name = `${base}${i++}`;
  cx.used.add(name);
  return name;
}

/**
 * Fills a list of units by calling `gen()` until the file reaches `target` lines (measured
 * by `measure(extraLines)`), never exceeding MAX_LINES.
 */
function fill(target, measure, gen, push) {
  for (let guard = 0; guard < 200; guard++) {
    const current = measure();
    if (current >= target) return;
    const unit = gen();
    // +1 blank separator, +1 for the file's header comment added at write time
    if (current + unit.length + 2 > MAX_LINES) {
      if (current >= MIN_LINES) return;
      continue;
    }
    push(unit);
  }
}

/** Renders a class from a head (fields + constructor) and method units. */
function renderClass(header, head, methods, footer = '}') {
  const body = [];
  body.push(...indent(head, 2));
  for (const m of methods) {
    if (body.length) body.push('');
    body.push(...indent(m, 2));
  }
  return [header, ...body, footer];
}

/** A class unit whose methods are added by fill(); returns the class lines. */
function classFile(mod, target, header, head, genMethod) {
  const methods = [];
  const measure = () => mod.lineCount() + 1 + head.length + 2 + methods.reduce((s, m) => s + m.length + 1, 0);
  fill(target, measure, genMethod, (m) => methods.push(m));
  mod.units.push(renderClass(header, head, methods));
}

function topLevelFill(mod, target, gen) {
  fill(target, () => mod.lineCount(), gen, (u) => mod.units.push(u));
}

/** Constructor with injected dependencies, TS parameter properties or JS assignments. */
function ctor(cx, deps) {
  if (cx.ts) {
    if (deps.length <= 2) {
      return [`constructor(${deps.map(([n, t]) => `private readonly ${n}: ${t}`).join(', ')}) {}`];
    }
    return ['constructor(', ...deps.map(([n, t]) => `  private readonly ${n}: ${t},`), ') {}'];
  }
  return [
    `constructor(${deps.map(([n]) => n).join(', ')}) {`,
    ...deps.map(([n]) => `  this.${n} = ${n};`),
    '}',
  ];
}

// ---------------------------------------------------------------------------------------------
// Snippet pools (non-broker)
// ---------------------------------------------------------------------------------------------

function fieldList(E) {
  return E.fields.map(([n]) => n);
}

/** Service methods. `this.repo`, `this.logger`, `this.events` are available. */
const SERVICE_METHODS = [
  (cx) => {
    const { E, T } = cx;
    const n = uniq(cx, `get${E.P}`);
    return lines(`
      async ${n}(id${T(': string')})${T(`: Promise<${E.P}>`)} {
        const ${E.name} = await this.repo.findById(id);
        if (!${E.name}) {
          throw new NotFoundError(\`${E.P} \${id} not found\`);
        }
        return ${E.name};
      }`);
  },
  (cx) => {
    const { E, T, rng } = cx;
    const n = uniq(cx, rng.pick([`list${E.PP}`, `search${E.PP}`, `find${E.PP}`]));
    const limit = rng.pick([20, 25, 50, 100]);
    return lines(`
      async ${n}(filter${T(`: ${E.P}Filter`)} = {}, page = 1)${T(`: Promise<Page<${E.P}>>`)} {
        const pageSize = Math.min(filter.limit ?? ${limit}, ${limit * 2});
        const offset = (Math.max(page, 1) - 1) * pageSize;
        const [items, total] = await Promise.all([
          this.repo.findMany({ ...filter, limit: pageSize, offset }),
          this.repo.count(filter),
        ]);
        this.logger.debug('${E.plural} listed', { page, pageSize, total });
        return { items, total, page, pageSize, hasMore: offset + items.length < total };
      }`);
  },
  (cx) => {
    const { E, T, rng } = cx;
    const n = uniq(cx, `create${E.P}`);
    const f = fieldList(E);
    const check = rng.pick(f);
    return lines(`
      async ${n}(input${T(`: Create${E.P}Input`)}, actor${T(': Actor')})${T(`: Promise<${E.P}>`)} {
        if (input.${check} === undefined || input.${check} === null) {
          throw new ValidationError('${check} is required');
        }
        const now = new Date();
        const ${E.name} = await this.repo.insert({
          ...input,
          id: randomUUID(),
          status: '${E.statuses[0]}',
          createdAt: now,
          updatedAt: now,
        });
        this.events.emit('${E.name}.created', { id: ${E.name}.id, actorId: actor.id });
        this.logger.info('${E.name} created', { id: ${E.name}.id, by: actor.id });
        return ${E.name};
      }`);
  },
  (cx) => {
    const { E, T } = cx;
    const n = uniq(cx, `transition${E.P}`);
    const [a, b, c, d] = E.statuses;
    return lines(`
      async ${n}(id${T(': string')}, next${T(`: ${E.P}Status`)})${T(`: Promise<${E.P}>`)} {
        const current = await this.repo.findById(id);
        if (!current) throw new NotFoundError(id);
        switch (current.status) {
          case '${a}':
            if (next !== '${b}' && next !== '${d ?? c}') throw new ConflictError(current.status, next);
            break;
          case '${b}':
            if (next !== '${c}') throw new ConflictError(current.status, next);
            break;
          default:
            throw new ConflictError(current.status, next);
        }
        const updated = await this.repo.update(id, { status: next, updatedAt: new Date() });
        this.events.emit('${E.name}.status', { id, from: current.status, to: next });
        return updated;
      }`);
  },
  (cx) => {
    const { E, T, rng } = cx;
    const num = E.fields.find(([, t]) => t === 'number');
    const field = num ? num[0] : 'id.length';
    const n = uniq(cx, rng.pick([`summarize${E.PP}`, `compute${E.P}Stats`, `aggregate${E.PP}`]));
    return lines(`
      async ${n}(since${T(': Date')})${T(': Promise<Summary>')} {
        const rows = await this.repo.findMany({ updatedAfter: since, limit: 5000 });
        const byStatus = rows.reduce((acc${T(': Record<string, number>')}, row) => {
          acc[row.status] = (acc[row.status] ?? 0) + 1;
          return acc;
        }, {});
        const values = rows.map((r) => Number(r.${field}) || 0);
        const sum = values.reduce((s, v) => s + v, 0);
        return {
          count: rows.length,
          byStatus,
          sum,
          avg: rows.length ? sum / rows.length : 0,
          max: values.length ? Math.max(...values) : 0,
        };
      }`);
  },
  (cx) => {
    const { E, T, rng } = cx;
    const n = uniq(cx, rng.pick([`sync${E.PP}FromUpstream`, `refresh${E.P}`, `pull${E.PP}`]));
    const host = rng.pick(['partner-api', 'erp', 'crm', 'legacy-core', 'pricing-engine']);
    return lines(`
      async ${n}(cursor${T('?: string')})${T(': Promise<number>')} {
        let next = cursor;
        let imported = 0;
        do {
          const url = new URL('/v1/${kebab(E.plural)}', process.env.${host.toUpperCase().replace(/-/g, '_')}_URL ?? 'http://${host}.internal');
          if (next) url.searchParams.set('cursor', next);
          const res = await fetch(url, { headers: { accept: 'application/json', authorization: \`Bearer \${this.token}\` } });
          if (!res.ok) {
            this.logger.warn('upstream error', { status: res.status, url: url.toString() });
            throw new UpstreamError(res.status);
          }
          const page = ${cx.ts ? `(await res.json()) as { data: ${E.P}[]; next?: string }` : 'await res.json()'};
          for (const item of page.data) {
            await this.repo.upsert(item);
            imported++;
          }
          next = page.next;
        } while (next);
        return imported;
      }`);
  },
  (cx) => {
    const { E, T, rng } = cx;
    const n = uniq(cx, `bulk${rng.pick(['Import', 'Archive', 'Reindex', 'Expire'])}${E.PP}`);
    const size = rng.pick([50, 100, 200, 500]);
    return lines(`
      async ${n}(ids${T(': string[]')})${T(': Promise<{ ok: number; failed: string[] }>')} {
        const failed${T(': string[]')} = [];
        let ok = 0;
        for (let i = 0; i < ids.length; i += ${size}) {
          const chunk = ids.slice(i, i + ${size});
          const results = await Promise.allSettled(chunk.map((id) => this.repo.touch(id)));
          results.forEach((r, idx) => {
            if (r.status === 'fulfilled') ok++;
            else failed.push(chunk[idx]);
          });
        }
        if (failed.length) this.logger.warn('bulk operation partially failed', { failed: failed.length });
        return { ok, failed };
      }`);
  },
  (cx) => {
    const { E, T, rng } = cx;
    const n = uniq(cx, `getCached${E.P}`);
    const ttl = rng.pick([5_000, 30_000, 60_000, 300_000]);
    return lines(`
      async ${n}(id${T(': string')})${T(`: Promise<${E.P} | undefined>`)} {
        const hit = this.cache.get(id);
        if (hit && hit.expires > Date.now()) return hit.value;
        const value = await this.repo.findById(id);
        if (value) this.cache.set(id, { value, expires: Date.now() + ${ttl} });
        if (this.cache.size > 10_000) {
          const oldest = this.cache.keys().next().value;
          if (oldest !== undefined) this.cache.delete(oldest);
        }
        return value ?? undefined;
      }`);
  },
  (cx) => {
    const { E, T, rng } = cx;
    const n = uniq(cx, rng.pick([`notify${E.P}Owner`, `send${E.P}Receipt`, `email${E.P}Summary`]));
    return lines(`
      async ${n}(${E.name}${T(`: ${E.P}`)}, recipient${T(': string')})${T(': Promise<void>')} {
        const html = renderTemplate('${kebab(E.name)}-${rng.pick(['receipt', 'summary', 'update'])}', { ${E.name} });
        await this.mailer.send({
          to: recipient,
          subject: \`Your ${E.name} \${${E.name}.id}\`,
          html,
          headers: { 'X-Entity-Ref-ID': ${E.name}.id },
        });
        this.logger.info('mail sent', { id: ${E.name}.id, recipient });
      }`);
  },
  (cx) => {
    const { E, T, rng } = cx;
    const n = uniq(cx, `remove${E.P}`);
    return lines(`
      async ${n}(id${T(': string')}, actor${T(': Actor')})${T(': Promise<void>')} {
        const existing = await this.repo.findById(id);
        if (!existing) return;
        if (existing.status === '${rng.pick(E.statuses)}' && !actor.roles.includes('admin')) {
          throw new ForbiddenError('only admins can remove this ${E.name}');
        }
        try {
          await this.repo.delete(id);
          this.events.emit('${E.name}.deleted', { id, actorId: actor.id });
        } catch (err) {
          this.logger.error('delete failed', { id, err });
          throw err;
        }
      }`);
  },
  (cx) => {
    const { E, T } = cx;
    const n = uniq(cx, `audit${E.P}Access`);
    return lines(`
      ${n}(id${T(': string')}, actor${T(': Actor')})${T(': void')} {
        const span = trace.getActiveSpan();
        this.logger.info('${E.name} accessed', {
          id,
          actorId: actor.id,
          traceId: span?.spanContext().traceId,
          spanId: span?.spanContext().spanId,
        });
      }`);
  },
  (cx) => {
    const { E, T, rng } = cx;
    const n = uniq(cx, `expireStale${E.PP}`);
    const days = rng.int(7, 90);
    return lines(`
      async ${n}(now = new Date())${T(': Promise<number>')} {
        const cutoff = new Date(now.getTime() - ${days} * 24 * 60 * 60 * 1000);
        const stale = await this.repo.findMany({ updatedBefore: cutoff, status: '${E.statuses[0]}', limit: 1000 });
        let expired = 0;
        for (const item of stale) {
          if (item.updatedAt > cutoff) continue;
          await this.repo.update(item.id, { status: '${E.statuses[E.statuses.length - 1]}', updatedAt: now });
          expired += 1;
        }
        this.logger.info('stale ${E.plural} expired', { expired, cutoff: cutoff.toISOString() });
        return expired;
      }`);
  },
  (cx) => {
    const { E, T } = cx;
    const n = uniq(cx, `validate${E.P}`);
    const checks = E.fields.slice(0, 4).map(([f, t]) => {
      if (t === 'number') return `if (typeof input.${f} !== 'number' || Number.isNaN(input.${f})) errors.push('${f} must be a number');`;
      if (t === 'boolean') return `if (typeof input.${f} !== 'boolean') errors.push('${f} must be a boolean');`;
      if (t.startsWith('Date')) return `if (input.${f} && Number.isNaN(new Date(input.${f}).getTime())) errors.push('${f} must be a date');`;
      return `if (typeof input.${f} !== 'string' || input.${f}.length === 0) errors.push('${f} is required');`;
    });
    return [
      `private ${n}(input${T(`: Partial<Create${E.P}Input>`)})${T(': string[]')} {`,
      `  const errors${T(': string[]')} = [];`,
      ...checks.map((c) => `  ${c}`),
      '  return errors;',
      '}',
    ];
  },
  (cx) => {
    const { E, T } = cx;
    const n = uniq(cx, `on${E.P}Changed`);
    return lines(`
      ${n}(listener${T(`: (event: ${E.P}ChangedEvent) => void`)})${T(': () => void')} {
        this.events.on('${E.name}.status', listener);
        this.events.on('${E.name}.created', listener);
        return () => {
          this.events.off('${E.name}.status', listener);
          this.events.off('${E.name}.created', listener);
        };
      }`);
  },
  (cx) => {
    const { E, T, rng } = cx;
    const n = uniq(cx, `export${E.PP}Csv`);
    const f = fieldList(E);
    return lines(`
      async ${n}(filter${T(`: ${E.P}Filter`)})${T(': Promise<string>')} {
        const rows = await this.repo.findMany({ ...filter, limit: ${rng.pick([1000, 5000, 10000])} });
        const header = ['id', ${f.map((x) => `'${x}'`).join(', ')}, 'status'];
        const escape = (v${T(': unknown')}) => {
          const s = v === null || v === undefined ? '' : String(v);
          return /[",\\n]/.test(s) ? \`"\${s.replace(/"/g, '""')}"\` : s;
        };
        const body = rows.map((r) => [r.id, ${f.map((x) => `r.${x}`).join(', ')}, r.status].map(escape).join(','));
        return [header.join(','), ...body].join('\\n');
      }`);
  },
  (cx) => {
    const { T, rng } = cx;
    const n = uniq(cx, rng.pick(['publishLocal', 'broadcast', 'fanOut']));
    return lines(`
      ${n}(topic${T(': string')}, payload${T(': unknown')})${T(': void')} {
        // in-process bus, not a message broker
        this.bus.publish(topic, payload);
        for (const socket of this.sockets) {
          if (socket.readyState === 1) socket.send(JSON.stringify({ topic, payload }));
        }
      }`);
  },
];

const REPO_METHODS = [
  (cx) => {
    const { E, T } = cx;
    const n = uniq(cx, 'findById');
    return lines(`
      async ${n}(id${T(': string')})${T(`: Promise<${E.P} | null>`)} {
        const { rows } = await this.db.query('SELECT * FROM ${E.table} WHERE id = $1 AND deleted_at IS NULL', [id]);
        return rows[0] ? this.mapRow(rows[0]) : null;
      }`);
  },
  (cx) => {
    const { E, T } = cx;
    const n = uniq(cx, 'findMany');
    return lines(`
      async ${n}(filter${T(`: ${E.P}Filter & { limit?: number; offset?: number }`)} = {})${T(`: Promise<${E.P}[]>`)} {
        const where${T(': string[]')} = ['deleted_at IS NULL'];
        const params${T(': unknown[]')} = [];
        if (filter.status) {
          params.push(filter.status);
          where.push(\`status = $\${params.length}\`);
        }
        if (filter.updatedAfter) {
          params.push(filter.updatedAfter);
          where.push(\`updated_at > $\${params.length}\`);
        }
        params.push(filter.limit ?? 50, filter.offset ?? 0);
        const sql = \`SELECT * FROM ${E.table} WHERE \${where.join(' AND ')} ORDER BY created_at DESC LIMIT $\${params.length - 1} OFFSET $\${params.length}\`;
        const { rows } = await this.db.query(sql, params);
        return rows.map((r) => this.mapRow(r));
      }`);
  },
  (cx) => {
    const { E, T } = cx;
    const n = uniq(cx, 'insert');
    const cols = ['id', ...E.fields.map(([f]) => kebab(f).replace(/-/g, '_')), 'status', 'created_at', 'updated_at'];
    const vals = ['id', ...E.fields.map(([f]) => f), 'status', 'createdAt', 'updatedAt'];
    return [
      `async ${n}(entity${T(`: ${E.P}`)})${T(`: Promise<${E.P}>`)} {`,
      '  const { rows } = await this.db.query(',
      `    'INSERT INTO ${E.table} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *',`,
      `    [${vals.map((v) => `entity.${v}`).join(', ')}],`,
      '  );',
      '  return this.mapRow(rows[0]);',
      '}',
    ];
  },
  (cx) => {
    const { E, T } = cx;
    const n = uniq(cx, 'update');
    return lines(`
      async ${n}(id${T(': string')}, patch${T(`: Partial<${E.P}>`)})${T(`: Promise<${E.P}>`)} {
        const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
        if (entries.length === 0) {
          const current = await this.findById(id);
          if (!current) throw new Error('not found');
          return current;
        }
        const sets = entries.map(([k], i) => \`\${toSnakeCase(k)} = $\${i + 2}\`);
        const { rows } = await this.db.query(
          \`UPDATE ${E.table} SET \${sets.join(', ')} WHERE id = $1 RETURNING *\`,
          [id, ...entries.map(([, v]) => v)],
        );
        return this.mapRow(rows[0]);
      }`);
  },
  (cx) => {
    const { E, T } = cx;
    const n = uniq(cx, 'count');
    return lines(`
      async ${n}(filter${T(`: ${E.P}Filter`)} = {})${T(': Promise<number>')} {
        const params = filter.status ? [filter.status] : [];
        const sql = filter.status
          ? 'SELECT count(*)::int AS n FROM ${E.table} WHERE deleted_at IS NULL AND status = $1'
          : 'SELECT count(*)::int AS n FROM ${E.table} WHERE deleted_at IS NULL';
        const { rows } = await this.db.query(sql, params);
        return rows[0]?.n ?? 0;
      }`);
  },
  (cx) => {
    const { E, T } = cx;
    const n = uniq(cx, 'delete');
    return lines(`
      async ${n}(id${T(': string')})${T(': Promise<boolean>')} {
        const result = await this.db.query('UPDATE ${E.table} SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL', [id]);
        return (result.rowCount ?? 0) > 0;
      }`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'withTransaction');
    return lines(`
      async ${n}${T('<R>')}(fn${T(`: (client: PoolClient) => Promise<R>`)})${T(': Promise<R>')} {
        const client = await this.db.connect();
        try {
          await client.query('BEGIN');
          const result = await fn(client);
          await client.query('COMMIT');
          return result;
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        } finally {
          client.release();
        }
      }`);
  },
  (cx) => {
    const { E, T } = cx;
    const n = uniq(cx, 'upsertMany');
    return lines(`
      async ${n}(items${T(`: ${E.P}[]`)})${T(': Promise<number>')} {
        let written = 0;
        await this.withTransaction(async (client) => {
          for (const item of items) {
            const res = await client.query(
              'INSERT INTO ${E.table} (id, status, updated_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, updated_at = EXCLUDED.updated_at',
              [item.id, item.status, item.updatedAt],
            );
            written += res.rowCount ?? 0;
          }
        });
        return written;
      }`);
  },
  (cx) => {
    const { E, T } = cx;
    const n = uniq(cx, 'countByStatus');
    return lines(`
      async ${n}()${T(': Promise<Map<string, number>>')} {
        const { rows } = await this.db.query('SELECT status, count(*)::int AS n FROM ${E.table} GROUP BY status');
        return new Map(rows.map((r) => [r.status, r.n]));
      }`);
  },
];

function repoMapRow(cx) {
  const { E, T } = cx;
  return [
    `private mapRow(row${T(': Record<string, any>')})${T(`: ${E.P}`)} {`,
    '  return {',
    '    id: row.id,',
    ...E.fields.map(([f, t]) => {
      const col = kebab(f).replace(/-/g, '_');
      if (t === 'number') return `    ${f}: Number(row.${col}),`;
      if (t.startsWith('Date')) return `    ${f}: row.${col} ? new Date(row.${col}) : null,`;
      if (t === 'boolean') return `    ${f}: Boolean(row.${col}),`;
      return `    ${f}: row.${col},`;
    }),
    '    status: row.status,',
    '    createdAt: new Date(row.created_at),',
    '    updatedAt: new Date(row.updated_at),',
    '  };',
    '}',
  ];
}

/** Express route registrations (inside a router factory). */
const ROUTES = [
  (cx) => {
    const { E, T, rng } = cx;
    return lines(`
      router.get('/${kebab(E.plural)}/:id', async (req${T(': Request')}, res${T(': Response')}, next${T(': NextFunction')}) => {
        try {
          const ${E.name} = await service.get${E.P}(req.params.id);
          res.${rng.pick(['send', 'json'])}(to${E.P}Response(${E.name}));
        } catch (err) {
          next(err);
        }
      });`);
  },
  (cx) => {
    const { E, T } = cx;
    return lines(`
      router.get('/${kebab(E.plural)}', async (req${T(': Request')}, res${T(': Response')}) => {
        const page = Number.parseInt(String(req.query.page ?? '1'), 10);
        const status = typeof req.query.status === 'string' ? req.query.status : undefined;
        const result = await service.list${E.PP}({ status${cx.ts ? `: status as ${E.P}Status | undefined` : ''} }, page);
        res.set('x-total-count', String(result.total));
        res.send({ data: result.items.map(to${E.P}Response), page: result.page, hasMore: result.hasMore });
      });`);
  },
  (cx) => {
    const { E, T } = cx;
    return lines(`
      router.post('/${kebab(E.plural)}', requireRole('editor'), async (req${T(': Request')}, res${T(': Response')}, next${T(': NextFunction')}) => {
        const errors = validateCreate${E.P}(req.body);
        if (errors.length) {
          res.status(422).send({ errors });
          return;
        }
        try {
          const created = await service.create${E.P}(req.body, req.user);
          res.status(201).location(\`/${kebab(E.plural)}/\${created.id}\`).send(to${E.P}Response(created));
        } catch (err) {
          next(err);
        }
      });`);
  },
  (cx) => {
    const { E, T, rng } = cx;
    return lines(`
      router.patch('/${kebab(E.plural)}/:id/status', async (req${T(': Request')}, res${T(': Response')}) => {
        const { status } = req.body ?? {};
        if (!${JSON.stringify(E.statuses).replace(/"/g, "'")}.includes(status)) {
          return res.status(400).send({ error: 'invalid status', allowed: ${JSON.stringify(E.statuses).replace(/"/g, "'")} });
        }
        const updated = await service.transition${E.P}(req.params.id, status);
        return res.${rng.pick(['send', 'json'])}(to${E.P}Response(updated));
      });`);
  },
  (cx) => {
    const { E, T } = cx;
    return lines(`
      router.delete('/${kebab(E.plural)}/:id', requireRole('admin'), async (req${T(': Request')}, res${T(': Response')}) => {
        await service.remove${E.P}(req.params.id, req.user);
        res.status(204).send();
      });`);
  },
  (cx) => {
    const { E, T } = cx;
    return lines(`
      router.get('/${kebab(E.plural)}/export.csv', async (req${T(': Request')}, res${T(': Response')}) => {
        const csv = await service.export${E.PP}Csv({ status: req.query.status${cx.ts ? ` as ${E.P}Status` : ''} });
        res.type('text/csv');
        res.attachment('${kebab(E.plural)}.csv');
        res.send(csv);
      });`);
  },
  (cx) => {
    const { E, T, rng } = cx;
    const action = rng.pick(['approve', 'archive', 'restore', 'recalculate', 'resend']);
    return lines(`
      router.post('/${kebab(E.plural)}/:id/${action}', async (req${T(': Request')}, res${T(': Response')}, next${T(': NextFunction')}) => {
        const started = Date.now();
        service
          .get${E.P}(req.params.id)
          .then((${E.name}) => {
            res.send({ ok: true, id: ${E.name}.id, action: '${action}', tookMs: Date.now() - started });
          })
          .catch(next);
      });`);
  },
];

const UTIL_FUNCS = [
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'chunk');
    return lines(`
      export function ${n}${T('<T>')}(items${T(': readonly T[]')}, size${T(': number')})${T(': T[][]')} {
        if (size <= 0) throw new RangeError('size must be positive');
        const out${T(': T[][]')} = [];
        for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
        return out;
      }`);
  },
  (cx) => {
    const { T, rng } = cx;
    const n = uniq(cx, 'retry');
    return lines(`
      export async function ${n}${T('<T>')}(
        fn${T(': (attempt: number) => Promise<T>')},
        { retries = ${rng.int(2, 6)}, baseMs = ${rng.pick([50, 100, 250])}, maxMs = ${rng.pick([2000, 5000, 10000])} }${T(': { retries?: number; baseMs?: number; maxMs?: number }')} = {},
      )${T(': Promise<T>')} {
        let lastError${T(': unknown')};
        for (let attempt = 0; attempt <= retries; attempt++) {
          try {
            return await fn(attempt);
          } catch (err) {
            lastError = err;
            const delay = Math.min(maxMs, baseMs * 2 ** attempt) * (0.5 + Math.random() / 2);
            await new Promise((resolve) => setTimeout(resolve, delay));
          }
        }
        throw lastError;
      }`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'groupBy');
    return lines(`
      export function ${n}${T('<T, K extends PropertyKey>')}(items${T(': Iterable<T>')}, key${T(': (item: T) => K')})${T(': Record<K, T[]>')} {
        const out = {}${T(' as Record<K, T[]>')};
        for (const item of items) {
          const k = key(item);
          (out[k] ??= []).push(item);
        }
        return out;
      }`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'formatMoney');
    return lines(`
      export function ${n}(amount${T(': number')}, currency = 'EUR', locale = 'de-DE')${T(': string')} {
        return new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: 2 }).format(amount);
      }`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'parseDuration');
    const units = uniq(cx, 'DURATION_UNITS');
    return lines(`
      const ${units}${T(': Record<string, number>')} = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

      export function ${n}(input${T(': string')})${T(': number')} {
        const match = /^(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)$/.exec(input.trim());
        if (!match) throw new Error(\`invalid duration: \${input}\`);
        return Number(match[1]) * ${units}[match[2]];
      }`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'slugify');
    return lines(`
      export function ${n}(value${T(': string')})${T(': string')} {
        return value
          .normalize('NFKD')
          .replace(/[\\u0300-\\u036f]/g, '')
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .replace(/^-+|-+$/g, '');
      }`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'safeJsonParse');
    return lines(`
      export function ${n}${T('<T = unknown>')}(text${T(': string')}, fallback${T(': T')})${T(': T')} {
        try {
          return JSON.parse(text)${T(' as T')};
        } catch {
          return fallback;
        }
      }`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'deepMerge');
    return lines(`
      export function ${n}(target${T(': Record<string, any>')}, ...sources${T(': Record<string, any>[]')})${T(': Record<string, any>')} {
        for (const source of sources) {
          for (const [key, value] of Object.entries(source)) {
            if (value && typeof value === 'object' && !Array.isArray(value)) {
              target[key] = ${n}(target[key] ?? {}, value);
            } else {
              target[key] = value;
            }
          }
        }
        return target;
      }`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'debounce');
    return lines(`
      export function ${n}${T('<A extends unknown[]>')}(fn${T(': (...args: A) => void')}, waitMs${T(': number')})${T(': (...args: A) => void')} {
        let timer${T(': NodeJS.Timeout | undefined')};
        return (...args) => {
          if (timer) clearTimeout(timer);
          timer = setTimeout(() => fn(...args), waitMs);
        };
      }`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'sha256Hex');
    return lines(`
      export function ${n}(input${T(': string | Buffer')})${T(': string')} {
        return createHash('sha256').update(input).digest('hex');
      }`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'pick');
    return lines(`
      export function ${n}${T('<T extends object, K extends keyof T>')}(obj${T(': T')}, keys${T(': readonly K[]')})${T(': Pick<T, K>')} {
        const out = {}${T(' as Pick<T, K>')};
        for (const k of keys) {
          if (k in obj) out[k] = obj[k];
        }
        return out;
      }`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'isoWeek');
    return lines(`
      export function ${n}(date${T(': Date')})${T(': number')} {
        const d = new Date(Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()));
        const day = d.getUTCDay() || 7;
        d.setUTCDate(d.getUTCDate() + 4 - day);
        const yearStart = new Date(Date.UTC(d.getUTCFullYear(), 0, 1));
        return Math.ceil(((d.getTime() - yearStart.getTime()) / 86_400_000 + 1) / 7);
      }`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'uniqBy');
    return lines(`
      export function ${n}${T('<T>')}(items${T(': T[]')}, key${T(': (item: T) => unknown')})${T(': T[]')} {
        const seen = new Set${T('<unknown>')}();
        return items.filter((item) => {
          const k = key(item);
          if (seen.has(k)) return false;
          seen.add(k);
          return true;
        });
      }`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'readEnv');
    return lines(`
      export function ${n}(name${T(': string')}, fallback${T('?: string')})${T(': string')} {
        const value = process.env[name] ?? fallback;
        if (value === undefined || value === '') {
          throw new Error(\`missing required environment variable \${name}\`);
        }
        return value;
      }`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'clamp');
    return lines(`
      export const ${n} = (value${T(': number')}, min${T(': number')}, max${T(': number')})${T(': number')} => Math.min(max, Math.max(min, value));`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'withTimeout');
    return lines(`
      export function ${n}${T('<T>')}(promise${T(': Promise<T>')}, ms${T(': number')}, label = 'operation')${T(': Promise<T>')} {
        let timer${T(': NodeJS.Timeout')};
        const timeout = new Promise${T('<never>')}((_, reject) => {
          timer = setTimeout(() => reject(new Error(\`\${label} timed out after \${ms}ms\`)), ms);
        });
        return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
      }`);
  },
];

function dtoUnits(cx) {
  const { E, rng } = cx;
  const fieldsTs = E.fields.map(([f, t]) => `  ${f}${t.includes('undefined') ? '?' : ''}: ${t.replace(' | undefined', '')};`);
  const pool = [
    () => [
      `export type ${E.P}Status = ${E.statuses.map((s) => `'${s}'`).join(' | ')};`,
      '',
      `export const ${E.P.toUpperCase()}_STATUSES: readonly ${E.P}Status[] = [${E.statuses.map((s) => `'${s}'`).join(', ')}];`,
    ],
    () => [`export interface ${E.P} {`, '  id: string;', ...fieldsTs, `  status: ${E.P}Status;`, '  createdAt: Date;', '  updatedAt: Date;', '}'],
    () => [
      `export type Create${E.P}Input = Omit<${E.P}, 'id' | 'status' | 'createdAt' | 'updatedAt'>;`,
      '',
      `export type Update${E.P}Input = Partial<Create${E.P}Input> & { status?: ${E.P}Status };`,
    ],
    () => lines(`
      export interface ${E.P}Filter {
        status?: ${E.P}Status;
        updatedAfter?: Date;
        updatedBefore?: Date;
        limit?: number;
        offset?: number;
        ${rng.pick(E.fields)[0]}?: string | number;
      }`),
    () => [
      `export class ${uniq(cx, `${E.P}Dto`)} {`,
      '  @IsString()',
      '  id!: string;',
      ...E.fields.flatMap(([f, t]) => [
        `  @${t === 'number' ? 'IsNumber()' : t === 'boolean' ? 'IsBoolean()' : t.startsWith('Date') ? 'IsDate()' : 'IsString()'}${t.includes('null') || t.includes('undefined') ? '\n  @IsOptional()' : ''}`,
        `  ${f}${t.includes('null') || t.includes('undefined') ? '?' : '!'}: ${t.replace(/ \| (null|undefined)/, '')};`,
      ]).join('\n').split('\n'),
      '',
      `  static fromEntity(e: ${E.P}) {`,
      `    const dto = new this();`,
      '    dto.id = e.id;',
      ...E.fields.map(([f, t]) => `    dto.${f} = e.${f}${t.includes('null') ? ' ?? undefined' : ''};`),
      '    return dto;',
      '  }',
      '}',
    ],
    () => [
      `export function to${E.P}Response(entity: ${E.P}) {`,
      '  return {',
      '    id: entity.id,',
      ...E.fields.filter(([f]) => !/secret|ip/.test(f)).map(([f, t]) => (t.startsWith('Date') ? `    ${f}: entity.${f}?.toISOString() ?? null,` : `    ${f}: entity.${f},`)),
      '    status: entity.status,',
      '    createdAt: entity.createdAt.toISOString(),',
      '  };',
      '}',
    ],
    () => [
      `export function validateCreate${E.P}(input: unknown): string[] {`,
      "  if (typeof input !== 'object' || input === null) return ['body must be an object'];",
      '  const body = input as Record<string, unknown>;',
      '  const errors: string[] = [];',
      ...E.fields.map(([f, t]) => {
        const jt = t.startsWith('Date') ? 'string' : t.split(' ')[0];
        const optional = t.includes('null') || t.includes('undefined');
        return `  if (${optional ? `body.${f} !== undefined && ` : ''}typeof body.${f} !== '${jt}') errors.push('${f} must be a ${jt}');`;
      }),
      '  return errors;',
      '}',
    ],
    () => lines(`
      export interface ${E.P}ChangedEvent {
        type: '${E.name}.created' | '${E.name}.status' | '${E.name}.deleted';
        id: string;
        from?: ${E.P}Status;
        to?: ${E.P}Status;
        actorId?: string;
        occurredAt: string;
      }`),
    () => lines(`
      export interface Page<T> {
        items: T[];
        total: number;
        page: number;
        pageSize: number;
        hasMore: boolean;
      }`),
    () => lines(`
      export enum ${uniq(cx, `${E.P}Permission`)} {
        Read = '${E.name}:read',
        Write = '${E.name}:write',
        Admin = '${E.name}:admin',
      }`),
    () => [
      `export const ${uniq(cx, `${camel(E.key)}Schema`)} = {`,
      "  type: 'object',",
      `  required: [${E.fields.filter(([, t]) => !t.includes('null') && !t.includes('undefined')).map(([f]) => `'${f}'`).join(', ')}],`,
      '  properties: {',
      ...E.fields.map(([f, t]) => `    ${f}: { type: '${t.startsWith('Date') ? 'string' : t.split(' ')[0]}'${t.includes('null') ? ', nullable: true' : ''} },`),
      '  },',
      '  additionalProperties: false,',
      '} as const;',
    ],
    () => lines(`
      export function ${uniq(cx, `is${E.P}Status`)}(value: unknown): value is ${E.P}Status {
        return typeof value === 'string' && (${E.P.toUpperCase()}_STATUSES as readonly string[]).includes(value);
      }`),
  ];
  return pool;
}

const LOGGER_UNITS = [
  (cx) => {
    const { T } = cx;
    return lines(`
      const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 }${T(' as const')};
      ${cx.ts ? 'export type Level = keyof typeof LEVELS;' : ''}`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'createLogger');
    return lines(`
      export function ${n}(name${T(': string')}, opts${T(': { level?: Level; redact?: string[] }')} = {})${T(': Logger')} {
        const threshold = LEVELS[opts.level ?? (process.env.LOG_LEVEL${cx.ts ? ' as Level' : ''}) ?? 'info'];
        const redact = new Set(opts.redact ?? ['password', 'authorization', 'secret']);
        const write = (level${T(': Level')}, msg${T(': string')}, fields${T(': Record<string, unknown>')} = {}) => {
          if (LEVELS[level] < threshold) return;
          const span = trace.getActiveSpan();
          const record${T(': Record<string, unknown>')} = { time: new Date().toISOString(), level, name, msg };
          for (const [k, v] of Object.entries(fields)) record[k] = redact.has(k) ? '[redacted]' : v;
          if (span) {
            record.traceId = span.spanContext().traceId;
            record.spanId = span.spanContext().spanId;
          }
          process.stdout.write(\`\${JSON.stringify(record)}\\n\`);
        };
        return {
          trace: (m, f) => write('trace', m, f),
          debug: (m, f) => write('debug', m, f),
          info: (m, f) => write('info', m, f),
          warn: (m, f) => write('warn', m, f),
          error: (m, f) => write('error', m, f),
          child: (bindings) => ${n}(\`\${name}:\${String(bindings.component ?? 'child')}\`, opts),
        };
      }`);
  },
  (cx) => {
    // JS variant: a JSDoc typedef instead of an interface
    if (!cx.ts) return lines(`
      /** @typedef {{ info: Function, warn: Function, error: Function, debug: Function }} Logger */
      export const noopLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child() { return noopLogger; } };`);
    return lines(`
      export interface Logger {
        trace(msg: string, fields?: Record<string, unknown>): void;
        debug(msg: string, fields?: Record<string, unknown>): void;
        info(msg: string, fields?: Record<string, unknown>): void;
        warn(msg: string, fields?: Record<string, unknown>): void;
        error(msg: string, fields?: Record<string, unknown>): void;
        child(bindings: Record<string, unknown>): Logger;
      }`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'requestLogger');
    return lines(`
      export function ${n}(logger${T(': Logger')}) {
        return (req${T(': Request')}, res${T(': Response')}, next${T(': NextFunction')}) => {
          const started = process.hrtime.bigint();
          res.on('finish', () => {
            const ms = Number(process.hrtime.bigint() - started) / 1e6;
            logger.info('request completed', {
              method: req.method,
              path: req.originalUrl,
              status: res.statusCode,
              durationMs: Math.round(ms * 10) / 10,
              requestId: req.headers['x-request-id'],
            });
          });
          next();
        };
      }`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'serializeError');
    return lines(`
      export function ${n}(err${T(': unknown')})${T(': Record<string, unknown>')} {
        if (err instanceof Error) {
          return { type: err.name, message: err.message, stack: err.stack?.split('\\n').slice(0, 8).join('\\n'), cause: err.cause ? ${n}(err.cause) : undefined };
        }
        return { type: typeof err, message: String(err) };
      }`);
  },
];

const EVENT_UNITS = [
  (cx) => {
    const { E, T } = cx;
    const n = uniq(cx, `${E.P}Events`);
    return lines(`
      export class ${n} extends EventEmitter {
        ${cx.ts ? 'private readonly history: Array<{ event: string; at: number }> = [];' : 'history = [];'}

        record(event${T(': string')}, payload${T(': unknown')})${T(': boolean')} {
          this.history.push({ event, at: Date.now() });
          if (this.history.length > 500) this.history.shift();
          return this.emit(event, payload);
        }

        recent(limit = 20) {
          return this.history.slice(-limit);
        }
      }`);
  },
  (cx) => {
    const { E, T } = cx;
    const n = uniq(cx, `register${E.P}Listeners`);
    return lines(`
      export function ${n}(events${T(': EventEmitter')}, deps${T(': { logger: Logger; metrics: Metrics; cache: Map<string, unknown> }')})${T(': void')} {
        events.on('${E.name}.created', (evt) => {
          deps.metrics.increment('${E.plural}_created_total');
          deps.logger.debug('${E.name} created event', { id: evt.id });
        });
        events.on('${E.name}.status', ({ id, from, to }) => {
          deps.cache.delete(id);
          deps.metrics.increment('${E.plural}_transitions_total', { from, to });
        });
        events.once('shutdown', () => {
          events.removeAllListeners('${E.name}.created');
          events.removeAllListeners('${E.name}.status');
        });
      }`);
  },
  (cx) => {
    const { E, T } = cx;
    const n = uniq(cx, `waitFor${E.P}Event`);
    return lines(`
      export async function ${n}(events${T(': EventEmitter')}, id${T(': string')}, timeoutMs = 5000)${T(': Promise<unknown>')} {
        const ac = new AbortController();
        const timer = setTimeout(() => ac.abort(), timeoutMs);
        try {
          for await (const [payload] of on(events, '${E.name}.status', { signal: ac.signal })) {
            if (payload && payload.id === id) return payload;
          }
        } finally {
          clearTimeout(timer);
        }
        return undefined;
      }`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'createBus');
    return lines(`
      export function ${n}() {
        const emitter = new EventEmitter();
        emitter.setMaxListeners(100);
        return {
          publish: (topic${T(': string')}, payload${T(': unknown')}) => emitter.emit(topic, payload),
          subscribe: (topic${T(': string')}, fn${T(': (payload: unknown) => void')}) => {
            emitter.on(topic, fn);
            return () => emitter.off(topic, fn);
          },
        };
      }`);
  },
];

const CLIENT_METHODS = [
  (cx) => {
    const { E, T } = cx;
    const n = uniq(cx, `fetch${E.P}`);
    return lines(`
      async ${n}(id${T(': string')})${T(`: Promise<${E.P} | null>`)} {
        const res = await this.request(\`/${kebab(E.plural)}/\${encodeURIComponent(id)}\`);
        if (res.status === 404) return null;
        return ${cx.ts ? `(await res.json()) as ${E.P}` : 'res.json()'};
      }`);
  },
  (cx) => {
    const { E, T } = cx;
    const n = uniq(cx, `post${E.P}`);
    return lines(`
      async ${n}(body${T(`: Create${E.P}Input`)}, idempotencyKey = randomUUID())${T(`: Promise<${E.P}>`)} {
        const res = await this.request('/${kebab(E.plural)}', {
          method: 'POST',
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        });
        return res.json();
      }`);
  },
  (cx) => {
    const { T, rng } = cx;
    const n = uniq(cx, 'request');
    return lines(`
      private async ${n}(path${T(': string')}, init${T(': RequestInit')} = {})${T(': Promise<Response>')} {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), this.timeoutMs);
        try {
          for (let attempt = 0; ; attempt++) {
            const res = await fetch(new URL(path, this.baseUrl), {
              ...init,
              signal: controller.signal,
              headers: { accept: 'application/json', 'user-agent': '${cx.svc}-client/1.${rng.int(0, 9)}', ...(init.headers ?? {}) },
            });
            if (res.status < 500 || attempt >= ${rng.int(1, 4)}) {
              if (!res.ok && res.status !== 404) throw new UpstreamError(res.status);
              return res;
            }
            await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
          }
        } finally {
          clearTimeout(timer);
        }
      }`);
  },
  (cx) => {
    const { E, T } = cx;
    const n = uniq(cx, `list${E.PP}`);
    return lines(`
      async *${n}(pageSize = 100)${T(`: AsyncGenerator<${E.P}>`)} {
        let cursor${T(': string | undefined')};
        do {
          const qs = new URLSearchParams({ limit: String(pageSize), ...(cursor ? { cursor } : {}) });
          const res = await this.request(\`/${kebab(E.plural)}?\${qs}\`);
          const page = await res.json();
          yield* page.data;
          cursor = page.nextCursor;
        } while (cursor);
      }`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'health');
    return lines(`
      async ${n}()${T(': Promise<boolean>')} {
        try {
          const res = await fetch(new URL('/healthz', this.baseUrl), { signal: AbortSignal.timeout(1000) });
          return res.ok;
        } catch {
          return false;
        }
      }`);
  },
];

const MIDDLEWARE_UNITS = [
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'requestId');
    return lines(`
      export function ${n}()${T(': RequestHandler')} {
        return (req, res, next) => {
          const id = (req.headers['x-request-id']${T(' as string | undefined')}) ?? randomUUID();
          res.setHeader('x-request-id', id);
          req.id = id;
          next();
        };
      }`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'requireAuth');
    return lines(`
      export function ${n}(secret${T(': string')})${T(': RequestHandler')} {
        return (req, res, next) => {
          const header = req.headers.authorization ?? '';
          const [scheme, token] = header.split(' ');
          if (scheme !== 'Bearer' || !token) {
            res.status(401).send({ error: 'missing bearer token' });
            return;
          }
          try {
            req.user = verifyJwt(token, secret);
            next();
          } catch (err) {
            res.status(401).send({ error: 'invalid token', detail: (err${T(' as Error')}).message });
          }
        };
      }`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'errorHandler');
    return lines(`
      export function ${n}(logger${T(': Logger')})${T(': ErrorRequestHandler')} {
        return (err, req, res, _next) => {
          const status = err.status ?? err.statusCode ?? 500;
          if (status >= 500) logger.error('unhandled error', { err, path: req.path });
          res.status(status).send({
            error: status >= 500 ? 'internal error' : err.message,
            requestId: req.id,
          });
        };
      }`);
  },
  (cx) => {
    const { T, rng } = cx;
    const n = uniq(cx, 'rateLimit');
    return lines(`
      export function ${n}({ windowMs = ${rng.pick([1000, 10000, 60000])}, max = ${rng.pick([10, 50, 100, 600])} } = {})${T(': RequestHandler')} {
        const hits = new Map${T('<string, { count: number; reset: number }>')}();
        return (req, res, next) => {
          const key = req.ip ?? 'unknown';
          const now = Date.now();
          const entry = hits.get(key);
          if (!entry || entry.reset < now) {
            hits.set(key, { count: 1, reset: now + windowMs });
            return next();
          }
          entry.count++;
          if (entry.count > max) {
            res.setHeader('retry-after', Math.ceil((entry.reset - now) / 1000));
            return res.status(429).send({ error: 'too many requests' });
          }
          return next();
        };
      }`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'requireRole');
    return lines(`
      export const ${n} =
        (...roles${T(': string[]')})${T(': RequestHandler')} =>
        (req, res, next) => {
          if (!req.user || !roles.some((r) => req.user.roles.includes(r))) {
            res.status(403).send({ error: 'forbidden', required: roles });
            return;
          }
          next();
        };`);
  },
];

const TEST_UNITS = [
  (cx) => {
    const { E } = cx;
    return lines(`
      describe('${E.P}Service.get${E.P}', () => {
        it('returns the ${E.name} when it exists', async () => {
          repo.findById.mockResolvedValue({ id: '1', status: '${E.statuses[0]}' });
          await expect(service.get${E.P}('1')).resolves.toMatchObject({ id: '1' });
        });

        it('throws NotFoundError otherwise', async () => {
          repo.findById.mockResolvedValue(null);
          await expect(service.get${E.P}('missing')).rejects.toBeInstanceOf(NotFoundError);
        });
      });`);
  },
  (cx) => {
    const { E, rng } = cx;
    return lines(`
      describe('${E.P}Service.create${E.P}', () => {
        it('emits ${E.name}.created', async () => {
          const listener = vi.fn();
          events.on('${E.name}.created', listener);
          repo.insert.mockImplementation(async (row) => row);
          const created = await service.create${E.P}({ ${E.fields.slice(0, 3).map(([f, , s]) => `${f}: ${s}`).join(', ')} }, actor);
          expect(listener).toHaveBeenCalledWith({ id: created.id, actorId: actor.id });
          expect(created.status).toBe('${E.statuses[0]}');
        });

        it.each([${rng.sample(E.fields, 2).map(([f]) => `'${f}'`).join(', ')}])('rejects missing %s', async (field) => {
          await expect(service.create${E.P}({ [field]: undefined }, actor)).rejects.toThrow();
        });
      });`);
  },
  (cx) => {
    const { E } = cx;
    return lines(`
      describe('GET /${kebab(E.plural)}/:id', () => {
        it('responds with 200 and the body', async () => {
          const res = await request(app).get('/${kebab(E.plural)}/1').set('authorization', \`Bearer \${token}\`);
          expect(res.status).toBe(200);
          expect(res.body).toEqual(expect.objectContaining({ id: '1' }));
        });

        it('responds with 404 for unknown ids', async () => {
          const res = await request(app).get('/${kebab(E.plural)}/nope').set('authorization', \`Bearer \${token}\`);
          expect(res.status).toBe(404);
        });
      });`);
  },
  (cx) => {
    const { E } = cx;
    return lines(`
      describe('to${E.P}Response', () => {
        it('serialises dates as ISO strings', () => {
          const now = new Date('2024-01-01T00:00:00Z');
          const out = to${E.P}Response({ id: 'x', ${E.fields.map(([f, , s]) => `${f}: ${s}`).join(', ')}, status: '${E.statuses[0]}', createdAt: now, updatedAt: now });
          expect(out.createdAt).toBe('2024-01-01T00:00:00.000Z');
        });
      });`);
  },
];

const JOB_UNITS = [
  (cx) => {
    const { E, T, rng } = cx;
    const n = uniq(cx, `schedule${E.P}Cleanup`);
    return lines(`
      export function ${n}(service${T(`: ${E.P}Service`)}, logger${T(': Logger')}, everyMs = ${rng.pick([60_000, 300_000, 3_600_000])})${T(': () => void')} {
        let running = false;
        const timer = setInterval(async () => {
          if (running) return;
          running = true;
          try {
            const expired = await service.expireStale${E.PP}();
            if (expired > 0) logger.info('cleanup done', { expired });
          } catch (err) {
            logger.error('cleanup failed', { err });
          } finally {
            running = false;
          }
        }, everyMs);
        timer.unref();
        return () => clearInterval(timer);
      }`);
  },
  (cx) => {
    const { T } = cx;
    const n = uniq(cx, 'InMemoryQueue');
    const fields = cx.ts
      ? ['private readonly items: T[] = [];', 'private draining = false;', '', 'constructor(', '  private readonly worker: (item: T) => Promise<void>,', '  private readonly concurrency = 4,', ') {}']
      : ['items = [];', 'draining = false;', '', 'constructor(worker, concurrency = 4) {', '  this.worker = worker;', '  this.concurrency = concurrency;', '}'];
    const methods = lines(`
      send(item${T(': T')})${T(': void')} {
        this.items.push(item);
        void this.drain();
      }

      ${cx.ts ? 'private ' : ''}async drain()${T(': Promise<void>')} {
        if (this.draining) return;
        this.draining = true;
        while (this.items.length) {
          const batch = this.items.splice(0, this.concurrency);
          await Promise.all(batch.map((item) => this.worker(item).catch(() => undefined)));
        }
        this.draining = false;
      }`);
    return [`export class ${n}${T('<T>')} {`, ...indent(fields, 2), '', ...indent(methods, 2), '}'];
  },
  (cx) => {
    const { E, T } = cx;
    const n = uniq(cx, `run${E.P}Reconciliation`);
    return lines(`
      export async function ${n}(deps${T(`: { repo: ${E.P}Repository; client: UpstreamClient; logger: Logger }`)})${T(': Promise<void>')} {
        const local = await deps.repo.findMany({ limit: 10_000 });
        const byId = new Map(local.map((x) => [x.id, x]));
        let drift = 0;
        for await (const remote of deps.client.list${E.PP}()) {
          const mine = byId.get(remote.id);
          if (!mine || mine.status !== remote.status) {
            drift++;
            await deps.repo.upsert(remote);
          }
          byId.delete(remote.id);
        }
        deps.logger.info('reconciliation complete', { drift, orphaned: byId.size });
      }`);
  },
];

// ---------------------------------------------------------------------------------------------
// Non-broker file kinds
// ---------------------------------------------------------------------------------------------

function commonServiceImports(mod, cx) {
  const { E } = cx;
  mod.imp('node:events', ['EventEmitter']);
  mod.imp('node:crypto', ['randomUUID']);
  mod.imp('@opentelemetry/api', ['trace']);
  mod.imp(`../dto/${kebab(E.name)}.dto${cx.ts ? '.js' : '.js'}`, [E.P, `Create${E.P}Input`, `${E.P}Filter`, `${E.P}Status`, `${E.P}ChangedEvent`, 'Page'], { type: true });
  mod.imp('../errors.js', ['NotFoundError', 'ValidationError', 'ConflictError', 'ForbiddenError', 'UpstreamError']);
  mod.imp('../logger.js', ['Logger'], { type: true });
  mod.imp('../templates.js', ['renderTemplate']);
}

function genService(cx, target) {
  const mod = new Mod(cx);
  const { E } = cx;
  commonServiceImports(mod, cx);
  mod.imp(`../repositories/${kebab(E.name)}.repository.js`, [`${E.P}Repository`], { type: true });
  const head = [
    ...(cx.ts
      ? ['private readonly cache = new Map<string, { value: ' + E.P + '; expires: number }>();', 'private readonly sockets = new Set<WebSocket>();', '']
      : ['cache = new Map();', 'sockets = new Set();', '']),
    ...ctor(cx, [['repo', `${E.P}Repository`], ['events', 'EventEmitter'], ['logger', 'Logger'], ['mailer', 'Mailer'], ['bus', 'LocalBus'], ['token', 'string']]),
  ];
  const cls = `export class ${uniq(cx, `${E.P}Service`)} {`;
  const next = deck(cx.rng, SERVICE_METHODS);
  classFile(mod, target, cls, head, () => next()(cx));
  return mod;
}

function genRepository(cx, target) {
  const mod = new Mod(cx);
  const { E } = cx;
  mod.imp('pg', ['Pool', 'PoolClient'], { type: true });
  mod.imp(`../dto/${kebab(E.name)}.dto.js`, [E.P, `${E.P}Filter`], { type: true });
  mod.imp('../utils/case.js', ['toSnakeCase']);
  const head = ctor(cx, [['db', 'Pool']]);
  const mapRow = repoMapRow(cx);
  const methods = [];
  const measure = () => mod.lineCount() + head.length + 4 + mapRow.length + methods.reduce((s, m) => s + m.length + 1, 0);
  const order = cx.rng.shuffle(REPO_METHODS);
  let i = 0;
  const classTarget = Math.min(target, cx.rng.int(120, 260));
  fill(classTarget, measure, () => order[i++ % order.length](cx), (m) => methods.push(m));
  methods.push(mapRow);
  mod.units.push(renderClass(`export class ${E.P}Repository {`, head, methods));
  // a repository module often carries a few helpers after the class
  const next = deck(cx.rng, UTIL_FUNCS);
  topLevelFill(mod, target, () => next()(cx));
  return mod;
}

function genController(cx, target) {
  const mod = new Mod(cx);
  const { E, T, rng } = cx;
  if (cx.ts && rng.chance(0.3)) {
    // NestJS HTTP controller (not a microservice handler)
    mod.imp('@nestjs/common', ['Controller', 'Get', 'Post', 'Param', 'Body', 'Query', 'HttpCode', 'NotFoundException']);
    mod.imp(`../services/${kebab(E.name)}.service.js`, [`${E.P}Service`]);
    mod.imp(`../dto/${kebab(E.name)}.dto.js`, [`Create${E.P}Input`, `to${E.P}Response`]);
    const pool = [
      () => lines(`
        @Get(':id')
        async ${uniq(cx, 'findOne')}(@Param('id') id: string) {
          const ${E.name} = await this.service.get${E.P}(id).catch(() => null);
          if (!${E.name}) throw new NotFoundException();
          return to${E.P}Response(${E.name});
        }`),
      () => lines(`
        @Get()
        async ${uniq(cx, 'findAll')}(@Query('page') page = '1', @Query('status') status?: string) {
          const result = await this.service.list${E.PP}({ status: status as never }, Number(page));
          return { ...result, items: result.items.map(to${E.P}Response) };
        }`),
      () => lines(`
        @Post()
        @HttpCode(201)
        async ${uniq(cx, 'create')}(@Body() body: Create${E.P}Input) {
          const created = await this.service.create${E.P}(body, { id: 'system', roles: ['admin'] });
          return to${E.P}Response(created);
        }`),
      () => lines(`
        @Get(':id/history')
        async ${uniq(cx, 'history')}(@Param('id') id: string, @Query('limit') limit = '20') {
          const max = Math.min(Number(limit) || 20, 100);
          const events = await this.service.history(id, max);
          return events.map((e) => ({ ...e, at: new Date(e.at).toISOString() }));
        }`),
    ];
    classFile(mod, target, `@Controller('${kebab(E.plural)}')\nexport class ${E.P}Controller {`, ctor(cx, [['service', `${E.P}Service`]]), () => rng.pick(pool)());
    return mod;
  }
  mod.imp('express', ['Router']);
  mod.imp('express', ['Request', 'Response', 'NextFunction'], { type: true });
  mod.imp(`../services/${kebab(E.name)}.service.js`, [`${E.P}Service`], { type: true });
  mod.imp(`../dto/${kebab(E.name)}.dto.js`, [`to${E.P}Response`, `validateCreate${E.P}`]);
  mod.imp('../middleware/auth.js', ['requireRole']);
  const routes = [];
  const fnName = uniq(cx, `create${E.P}Router`);
  const measure = () => mod.lineCount() + 6 + routes.reduce((s, r) => s + r.length + 1, 0);
  const order = rng.shuffle(ROUTES);
  let i = 0;
  fill(target, measure, () => (order[i++ % order.length])(cx), (r) => routes.push(r));
  mod.units.push([
    `export function ${fnName}(service${T(`: ${E.P}Service`)})${T(': Router')} {`,
    '  const router = Router();',
    ...routes.flatMap((r) => ['', ...indent(r, 2)]),
    '',
    '  return router;',
    '}',
  ]);
  return mod;
}

function genHandler(cx, target) {
  const mod = new Mod(cx);
  const { E, T, rng } = cx;
  mod.imp('express', ['Request', 'Response'], { type: true });
  mod.imp(`../services/index.js`, ['services']);
  mod.imp(`../dto/${kebab(E.name)}.dto.js`, [`to${E.P}Response`]);
  const variants = [
    () => {
      const n = uniq(cx, `get${E.P}Handler`);
      return lines(`
        export const ${n} = async (req${T(': Request')}, res${T(': Response')}) => {
          const ${E.name} = await services.${E.name}.get${E.P}(req.params.id).catch(() => null);
          if (!${E.name}) {
            res.status(404).send({ error: 'not found' });
            return;
          }
          res.send(to${E.P}Response(${E.name}));
        };`);
    },
    () => {
      const n = uniq(cx, `list${E.PP}Handler`);
      return lines(`
        export async function ${n}(req${T(': Request')}, res${T(': Response')})${T(': Promise<void>')} {
          const limit = Math.min(Number(req.query.limit ?? 50), 200);
          const result = await services.${E.name}.list${E.PP}({ limit }, Number(req.query.page ?? 1));
          res.setHeader('cache-control', 'private, max-age=${rng.pick([0, 5, 30, 60])}');
          res.send(result.items.map(to${E.P}Response));
        }`);
    },
    () => {
      const n = uniq(cx, `${E.name}WebhookHandler`);
      return lines(`
        export async function ${n}(req${T(': Request')}, res${T(': Response')}) {
          const signature = req.get('x-signature') ?? '';
          const expected = createHmac('sha256', process.env.WEBHOOK_SECRET ?? '').update(JSON.stringify(req.body)).digest('hex');
          if (!timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
            return res.status(401).send('bad signature');
          }
          const { type, data } = req.body;
          switch (type) {
            case '${E.name}.updated':
              await services.${E.name}.refresh${E.P}(data.id);
              break;
            case '${E.name}.deleted':
              await services.${E.name}.remove${E.P}(data.id, { id: 'webhook', roles: ['admin'] });
              break;
            default:
              return res.status(202).send({ ignored: type });
          }
          return res.send({ ok: true });
        }`);
    },
    () => {
      const n = uniq(cx, `stream${E.PP}Handler`);
      return lines(`
        export async function ${n}(req${T(': Request')}, res${T(': Response')}) {
          res.setHeader('content-type', 'application/x-ndjson');
          let sent = 0;
          for await (const ${E.name} of services.${E.name}Client.list${E.PP}(200)) {
            res.write(JSON.stringify(to${E.P}Response(${E.name})) + '\\n');
            if (++sent >= 10_000) break;
          }
          res.end();
        }`);
    },
  ];
  mod.imp('node:crypto', ['createHmac', 'timingSafeEqual']);
  const order = rng.shuffle(variants);
  let i = 0;
  topLevelFill(mod, target, () => (i < order.length ? order[i++]() : rng.pick(UTIL_FUNCS)(cx)));
  return mod;
}

function genDto(cx, target) {
  const mod = new Mod(cx);
  mod.imp('class-validator', ['IsString', 'IsNumber', 'IsBoolean', 'IsDate', 'IsOptional']);
  const pool = dtoUnits(cx);
  const order = [pool[0], pool[1], ...cx.rng.shuffle(pool.slice(2))];
  let i = 0;
  const repeatable = [pool[4], ...pool.slice(9)];
  topLevelFill(mod, target, () => (i < order.length ? order[i++]() : cx.rng.pick(repeatable)()));
  return mod;
}

function genUtil(cx, target) {
  const mod = new Mod(cx);
  mod.imp('node:crypto', ['createHash']);
  const order = cx.rng.shuffle(UTIL_FUNCS);
  let i = 0;
  topLevelFill(mod, target, () => order[i++ % order.length](cx));
  return mod;
}

function genLogger(cx, target) {
  const mod = new Mod(cx);
  mod.imp('@opentelemetry/api', ['trace']);
  mod.imp('express', ['Request', 'Response', 'NextFunction'], { type: true });
  let i = 0;
  topLevelFill(mod, target, () => (i < LOGGER_UNITS.length ? LOGGER_UNITS[i++](cx) : cx.rng.pick(UTIL_FUNCS)(cx)));
  return mod;
}

function genEvents(cx, target) {
  const mod = new Mod(cx);
  mod.imp('node:events', ['EventEmitter', 'on']);
  mod.imp('../logger.js', ['Logger'], { type: true });
  mod.imp('../metrics.js', ['Metrics'], { type: true });
  const order = cx.rng.shuffle(EVENT_UNITS);
  let i = 0;
  topLevelFill(mod, target, () => (i < order.length ? order[i++](cx) : cx.rng.pick([...EVENT_UNITS, ...UTIL_FUNCS])(cx)));
  return mod;
}

function genClient(cx, target) {
  const mod = new Mod(cx);
  const { E } = cx;
  mod.imp('node:crypto', ['randomUUID']);
  mod.imp('../errors.js', ['UpstreamError']);
  mod.imp(`../dto/${kebab(E.name)}.dto.js`, [E.P, `Create${E.P}Input`], { type: true });
  const head = ctor(cx, [['baseUrl', 'string'], ['timeoutMs', 'number']]);
  const next = deck(cx.rng, CLIENT_METHODS);
  classFile(mod, target, `export class ${E.P}Client {`, head, () => next()(cx));
  return mod;
}

function genMiddleware(cx, target) {
  const mod = new Mod(cx);
  mod.imp('node:crypto', ['randomUUID']);
  mod.imp('express', ['RequestHandler', 'ErrorRequestHandler'], { type: true });
  mod.imp('../auth/jwt.js', ['verifyJwt']);
  mod.imp('../logger.js', ['Logger'], { type: true });
  const order = cx.rng.shuffle(MIDDLEWARE_UNITS);
  let i = 0;
  topLevelFill(mod, target, () => (i < order.length ? order[i++](cx) : cx.rng.pick(UTIL_FUNCS)(cx)));
  return mod;
}

function genConfig(cx, target) {
  const mod = new Mod(cx);
  const { T, rng, svc } = cx;
  const keys = rng.sample(['PORT', 'DATABASE_URL', 'REDIS_URL', 'LOG_LEVEL', 'JWT_SECRET', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'FEATURE_FLAGS', 'REQUEST_TIMEOUT_MS', 'CACHE_TTL_MS', 'UPSTREAM_URL', 'MAX_BODY_BYTES', 'CORS_ORIGINS'], rng.int(5, 10));
  mod.units.push([
    `export const config = Object.freeze({`,
    `  service: '${svc}',`,
    ...keys.map((k) => {
      const name = camel(k.toLowerCase());
      if (/PORT|MS|BYTES/.test(k)) return `  ${name}: Number.parseInt(process.env.${k} ?? '${rng.int(1000, 9999)}', 10),`;
      if (/FLAGS|ORIGINS/.test(k)) return `  ${name}: (process.env.${k} ?? '').split(',').map((s) => s.trim()).filter(Boolean),`;
      return `  ${name}: process.env.${k} ?? '${k === 'LOG_LEVEL' ? 'info' : ''}',`;
    }),
    `})${T(' satisfies Record<string, unknown>')};`,
  ]);
  const order = rng.shuffle(UTIL_FUNCS);
  let i = 0;
  topLevelFill(mod, target, () => order[i++ % order.length](cx));
  return mod;
}

function genTest(cx, target) {
  const mod = new Mod(cx);
  const { E } = cx;
  mod.imp('vitest', ['describe', 'it', 'expect', 'vi', 'beforeEach']);
  mod.imp('node:events', ['EventEmitter']);
  mod.imp('supertest', [], { def: 'request' });
  mod.imp(`../src/services/${kebab(E.name)}.service.js`, [`${E.P}Service`]);
  mod.imp(`../src/dto/${kebab(E.name)}.dto.js`, [`to${E.P}Response`]);
  mod.imp('../src/errors.js', ['NotFoundError']);
  mod.imp('./setup.js', ['app', 'token']);
  mod.head.push(
    ...lines(`
      const repo = { findById: vi.fn(), findMany: vi.fn(), insert: vi.fn(), update: vi.fn(), count: vi.fn(), delete: vi.fn() };
      const events = new EventEmitter();
      const actor = { id: 'usr_1', roles: ['admin'] };
      let service${cx.T(`: ${E.P}Service`)};

      beforeEach(() => {
        vi.resetAllMocks();
        events.removeAllListeners();
        service = new ${E.P}Service(repo${cx.ts ? ' as never' : ''}, events, console${cx.ts ? ' as never' : ''}, { send: vi.fn() }, { publish: vi.fn() }, 'test');
      });`),
  );
  const next = deck(cx.rng, TEST_UNITS);
  topLevelFill(mod, target, () => next()(cx));
  return mod;
}

function genJob(cx, target) {
  const mod = new Mod(cx);
  const { E } = cx;
  mod.imp('../logger.js', ['Logger'], { type: true });
  mod.imp(`../services/${kebab(E.name)}.service.js`, [`${E.P}Service`], { type: true });
  mod.imp(`../repositories/${kebab(E.name)}.repository.js`, [`${E.P}Repository`], { type: true });
  const order = cx.rng.shuffle(JOB_UNITS);
  let i = 0;
  topLevelFill(mod, target, () => (i < order.length ? order[i++](cx) : cx.rng.pick(UTIL_FUNCS)(cx)));
  return mod;
}

// ---------------------------------------------------------------------------------------------
// Broker snippets: correct propagation and violations
// ---------------------------------------------------------------------------------------------

/** Each broker generator returns { units: string[][], imports(mod), label } for the core part. */
const BROKER_KINDS = {
  'kafka-producer': (cx) => {
    const { E, T, rng } = cx;
    const topic = `${cx.svc}.${E.plural}.${rng.pick(['events', 'changed', 'v1'])}`;
    const variant = rng.weighted([['inject', 4], ['helper', 2], ['spread', 1], ['missing', 3], ['handBuilt', 1], ['payloadTraceId', 2], ['copied', 1]]);
    const imports = (mod) => {
      mod.imp('kafkajs', ['Kafka']);
      mod.imp('kafkajs', ['Producer'], { type: true });
      mod.imp('@opentelemetry/api', ['context', 'propagation', 'trace']);
      if (variant === 'helper') mod.imp('trace-propagation-helpers', ['injectTraceHeaders']);
    };
    let sendBody;
    switch (variant) {
      case 'inject':
        sendBody = lines(`
          const headers${T(': Record<string, string>')} = {};
          propagation.inject(context.active(), headers);
          await this.producer.send({
            topic: '${topic}',
            messages: [{ key: ${E.name}.id, value: JSON.stringify(event), headers }],
          });`);
        break;
      case 'helper':
        sendBody = lines(`
          await this.producer.send({
            topic: '${topic}',
            messages: [{ key: ${E.name}.id, value: JSON.stringify(event), headers: injectTraceHeaders({ 'content-type': 'application/json' }) }],
          });`);
        break;
      case 'spread':
        sendBody = lines(`
          const carrier${T(': Record<string, string>')} = {};
          propagation.inject(context.active(), carrier);
          await this.producer.send({
            topic: '${topic}',
            messages: [{ key: ${E.name}.id, value: JSON.stringify(event), headers: { ...carrier, 'x-source': '${cx.svc}' } }],
          });`);
        break;
      case 'missing':
        sendBody = lines(`
          await this.producer.send({
            topic: '${topic}',
            messages: [{ key: ${E.name}.id, value: JSON.stringify(event) }],
          });`);
        break;
      case 'handBuilt':
        sendBody = lines(`
          const sc = trace.getActiveSpan()?.spanContext();
          await this.producer.send({
            topic: '${topic}',
            messages: [{ key: ${E.name}.id, value: JSON.stringify(event), headers: { traceparent: \`00-\${sc?.traceId}-\${sc?.spanId}-01\` } }],
          });`);
        break;
      case 'payloadTraceId':
        sendBody = lines(`
          const headers${T(': Record<string, string>')} = {};
          propagation.inject(context.active(), headers);
          const envelope = { ...event, traceId: trace.getActiveSpan()?.spanContext().traceId };
          await this.producer.send({ topic: '${topic}', messages: [{ value: JSON.stringify(envelope), headers }] });`);
        break;
      case 'copied':
        sendBody = lines(`
          const carrier${T(': Record<string, string>')} = {};
          propagation.inject(context.active(), carrier);
          await this.producer.send({
            topic: '${topic}',
            messages: [{ value: JSON.stringify(event), headers: { traceparent: carrier.traceparent } }],
          });`);
        break;
    }
    const n = uniq(cx, `publish${E.P}Event`);
    const method = [
      `async ${n}(${E.name}${T(`: ${E.P}`)}, type${T(': string')})${T(': Promise<void>')} {`,
      `  const event = { type, id: ${E.name}.id, status: ${E.name}.status, occurredAt: new Date().toISOString() };`,
      ...indent(sendBody, 2),
      `  this.logger.debug('published', { topic: '${topic}', id: ${E.name}.id });`,
      '}',
    ];
    const head = [
      ...(cx.ts ? ['private readonly producer: Producer;', ''] : []),
      `constructor(kafka${T(': Kafka')}, ${cx.ts ? 'private readonly logger: Logger' : 'logger'}) {`,
      `  this.producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: ${rng.chance(0.5)} });`,
      ...(cx.ts ? [] : ['  this.logger = logger;']),
      '}',
    ];
    const lifecycle = lines(`
      async start()${T(': Promise<void>')} {
        await this.producer.connect();
      }`);
    return { imports, classHeader: `export class ${E.P}EventPublisher {`, head, methods: [lifecycle, method], label: `kafkajs:${variant}` };
  },

  'kafka-consumer': (cx) => {
    const { E, T, rng } = cx;
    const topic = `${rng.pick(SERVICES)}.${E.plural}.events`;
    const variant = rng.weighted([['extract', 4], ['startActiveSpan', 2], ['helper', 1], ['none', 3], ['discarded', 1], ['defaultGetter', 2], ['batchOk', 1], ['batchBad', 2], ['readTraceId', 1]]);
    const imports = (mod) => {
      mod.imp('kafkajs', ['Kafka']);
      mod.imp('kafkajs', ['EachMessagePayload', 'IHeaders'], { type: true });
      mod.imp('@opentelemetry/api', ['context', 'propagation', 'trace', 'ROOT_CONTEXT', 'SpanKind']);
      mod.imp('@opentelemetry/api', ['TextMapGetter'], { type: true });
      if (variant === 'helper') mod.imp('trace-propagation-helpers', ['withExtractedContext']);
    };
    const getter = lines(`
      const bufferGetter${T(': TextMapGetter<IHeaders | undefined>')} = {
        keys: (carrier) => Object.keys(carrier ?? {}),
        get: (carrier, key) => {
          const value = carrier?.[key];
          if (value === undefined) return undefined;
          return Array.isArray(value) ? value.map((v) => v.toString()) : value.toString();
        },
      };`);
    let run;
    switch (variant) {
      case 'extract':
        run = lines(`
          eachMessage: async ({ topic, partition, message }${T(': EachMessagePayload')}) => {
            const ctx = propagation.extract(ROOT_CONTEXT, message.headers, bufferGetter);
            await context.with(ctx, () => handler(JSON.parse(message.value?.toString() ?? '{}'), { topic, partition }));
          },`);
        break;
      case 'startActiveSpan':
        run = lines(`
          eachMessage: async ({ topic, message }${T(': EachMessagePayload')}) => {
            const ctx = propagation.extract(ROOT_CONTEXT, message.headers, bufferGetter);
            await tracer.startActiveSpan('${topic} process', { kind: SpanKind.CONSUMER }, ctx, async (span) => {
              try {
                await handler(JSON.parse(message.value?.toString() ?? '{}'), { topic });
              } finally {
                span.end();
              }
            });
          },`);
        break;
      case 'helper':
        run = lines(`
          eachMessage: async ({ topic, message }${T(': EachMessagePayload')}) => {
            await withExtractedContext(message.headers, () => handler(JSON.parse(String(message.value)), { topic }));
          },`);
        break;
      case 'none':
        run = lines(`
          eachMessage: async ({ topic, partition, message }${T(': EachMessagePayload')}) => {
            const payload = JSON.parse(message.value?.toString() ?? '{}');
            logger.info('message received', { topic, partition, offset: message.offset });
            await handler(payload, { topic, partition });
          },`);
        break;
      case 'discarded':
        run = lines(`
          eachMessage: async ({ topic, message }${T(': EachMessagePayload')}) => {
            propagation.extract(ROOT_CONTEXT, message.headers, bufferGetter);
            await handler(JSON.parse(message.value?.toString() ?? '{}'), { topic });
          },`);
        break;
      case 'defaultGetter':
        run = lines(`
          eachMessage: async ({ topic, message }${T(': EachMessagePayload')}) => {
            const ctx = propagation.extract(ROOT_CONTEXT, message.headers);
            await context.with(ctx, () => handler(JSON.parse(message.value?.toString() ?? '{}'), { topic }));
          },`);
        break;
      case 'batchOk':
        run = lines(`
          eachBatch: async ({ batch, heartbeat, resolveOffset }) => {
            for (const message of batch.messages) {
              const ctx = propagation.extract(ROOT_CONTEXT, message.headers, bufferGetter);
              await context.with(ctx, () => handler(JSON.parse(message.value?.toString() ?? '{}'), { topic: batch.topic }));
              resolveOffset(message.offset);
              await heartbeat();
            }
          },`);
        break;
      case 'batchBad':
        run = lines(`
          eachBatch: async ({ batch, heartbeat, resolveOffset }) => {
            const ctx = propagation.extract(ROOT_CONTEXT, batch.messages[0]?.headers, bufferGetter);
            await context.with(ctx, async () => {
              for (const message of batch.messages) {
                await handler(JSON.parse(message.value?.toString() ?? '{}'), { topic: batch.topic });
                resolveOffset(message.offset);
              }
            });
            await heartbeat();
          },`);
        break;
      case 'readTraceId':
        run = lines(`
          eachMessage: async ({ topic, message }${T(': EachMessagePayload')}) => {
            const { traceId, ...payload } = JSON.parse(message.value?.toString() ?? '{}');
            logger.info('processing', { traceId });
            await handler(payload, { topic });
          },`);
        break;
    }
    const n = uniq(cx, `start${E.P}Consumer`);
    const fn = [
      `export async function ${n}(kafka${T(': Kafka')}, handler${T(`: (event: unknown, meta: { topic: string; partition?: number }) => Promise<void>`)}, logger${T(': Logger')}) {`,
      `  const consumer = kafka.consumer({ groupId: '${cx.svc}-${kebab(E.plural)}' });`,
      '  await consumer.connect();',
      `  await consumer.subscribe({ topics: ['${topic}'], fromBeginning: false });`,
      '  await consumer.run({',
      ...indent(run, 4),
      '  });',
      '  return consumer;',
      '}',
    ];
    return { imports, topUnits: [getter, [`const tracer = trace.getTracer('${cx.svc}');`], fn], label: `kafkajs-consumer:${variant}` };
  },

  'amqp-publisher': (cx) => {
    const { E, T, rng } = cx;
    const exchange = `${cx.svc}.events`;
    const variant = rng.weighted([['inject', 4], ['helper', 1], ['missing', 3], ['notInjected', 2], ['payloadTraceId', 1], ['sendToQueueMissing', 2]]);
    const imports = (mod) => {
      mod.imp('amqplib', [], { ns: 'amqp' });
      mod.imp('amqplib', ['Channel'], { type: true });
      mod.imp('@opentelemetry/api', ['context', 'propagation', 'trace']);
      if (variant === 'helper') mod.imp('trace-propagation-helpers', ['injectTraceHeaders']);
    };
    let body;
    switch (variant) {
      case 'inject':
        body = lines(`
          const headers${T(': Record<string, unknown>')} = { 'x-event-type': type };
          propagation.inject(context.active(), headers);
          this.channel.publish('${exchange}', \`${E.name}.\${type}\`, Buffer.from(JSON.stringify(payload)), {
            persistent: true,
            contentType: 'application/json',
            headers,
          });`);
        break;
      case 'helper':
        body = lines(`
          this.channel.publish('${exchange}', \`${E.name}.\${type}\`, Buffer.from(JSON.stringify(payload)), {
            persistent: true,
            headers: injectTraceHeaders({ 'x-event-type': type }),
          });`);
        break;
      case 'missing':
        body = lines(`
          this.channel.publish('${exchange}', \`${E.name}.\${type}\`, Buffer.from(JSON.stringify(payload)), {
            persistent: true,
            contentType: 'application/json',
          });`);
        break;
      case 'notInjected':
        body = lines(`
          const headers = { 'x-event-type': type, 'x-origin': '${cx.svc}' };
          this.channel.publish('${exchange}', \`${E.name}.\${type}\`, Buffer.from(JSON.stringify(payload)), { persistent: true, headers });`);
        break;
      case 'payloadTraceId':
        body = lines(`
          const headers${T(': Record<string, unknown>')} = {};
          propagation.inject(context.active(), headers);
          const span = trace.getActiveSpan();
          const content = Buffer.from(JSON.stringify({ ...payload, trace_id: span?.spanContext().traceId }));
          this.channel.publish('${exchange}', \`${E.name}.\${type}\`, content, { headers });`);
        break;
      case 'sendToQueueMissing':
        body = lines(`
          this.channel.sendToQueue('${kebab(E.plural)}.work', Buffer.from(JSON.stringify(payload)), { persistent: true });`);
        break;
    }
    const n = uniq(cx, `emit${E.P}`);
    const method = [
      `${n}(type${T(': string')}, ${E.name}${T(`: ${E.P}`)})${T(': void')} {`,
      `  const payload = { id: ${E.name}.id, status: ${E.name}.status, at: Date.now() };`,
      ...indent(body, 2),
      '}',
    ];
    const setup = lines(`
      static async connect(url${T(': string')}) {
        const conn = await amqp.connect(url);
        const channel = await conn.createChannel();
        await channel.assertExchange('${exchange}', 'topic', { durable: true });
        return new ${E.P}AmqpPublisher(channel);
      }`);
    return { imports, classHeader: `export class ${E.P}AmqpPublisher {`, head: ctor(cx, [['channel', 'Channel']]), methods: [setup, method], label: `amqplib:${variant}` };
  },

  'amqp-consumer': (cx) => {
    const { E, T, rng } = cx;
    const queue = `${cx.svc}.${kebab(E.plural)}`;
    const variant = rng.weighted([['extract', 4], ['none', 4], ['discarded', 1], ['readTraceId', 1]]);
    const imports = (mod) => {
      mod.imp('amqplib', [], { ns: 'amqp' });
      mod.imp('amqplib', ['ConsumeMessage'], { type: true });
      mod.imp('@opentelemetry/api', ['context', 'propagation', 'ROOT_CONTEXT']);
    };
    let cb;
    switch (variant) {
      case 'extract':
        cb = lines(`
          await channel.consume('${queue}', async (msg${T(': ConsumeMessage | null')}) => {
            if (!msg) return;
            const ctx = propagation.extract(ROOT_CONTEXT, msg.properties.headers ?? {});
            await context.with(ctx, async () => {
              try {
                await handle(JSON.parse(msg.content.toString()));
                channel.ack(msg);
              } catch (err) {
                logger.error('handler failed', { err });
                channel.nack(msg, false, false);
              }
            });
          });`);
        break;
      case 'none':
        cb = lines(`
          await channel.consume('${queue}', async (msg${T(': ConsumeMessage | null')}) => {
            if (!msg) return;
            try {
              await handle(JSON.parse(msg.content.toString()));
              channel.ack(msg);
            } catch (err) {
              logger.error('handler failed', { err, redelivered: msg.fields.redelivered });
              channel.nack(msg, false, !msg.fields.redelivered);
            }
          });`);
        break;
      case 'discarded':
        cb = lines(`
          await channel.consume('${queue}', async (msg${T(': ConsumeMessage | null')}) => {
            if (!msg) return;
            const parent = propagation.extract(ROOT_CONTEXT, msg.properties.headers ?? {});
            logger.debug('got message', { hasParent: Boolean(parent) });
            await handle(JSON.parse(msg.content.toString()));
            channel.ack(msg);
          });`);
        break;
      case 'readTraceId':
        cb = lines(`
          await channel.consume('${queue}', async (msg) => {
            if (!msg) return;
            const ctx = propagation.extract(ROOT_CONTEXT, msg.properties.headers ?? {});
            const body = JSON.parse(msg.content.toString());
            logger.info('received', { traceId: body.traceId });
            await context.with(ctx, () => handle(body));
            channel.ack(msg);
          });`);
        break;
    }
    const n = uniq(cx, `consume${E.PP}`);
    const fn = [
      `export async function ${n}(url${T(': string')}, handle${T(': (body: unknown) => Promise<void>')}, logger${T(': Logger')}) {`,
      '  const conn = await amqp.connect(url);',
      '  const channel = await conn.createChannel();',
      `  await channel.assertQueue('${queue}', { durable: true, deadLetterExchange: '${cx.svc}.dlx' });`,
      `  await channel.prefetch(${rng.pick([1, 5, 10, 20])});`,
      ...indent(cb, 2),
      '  return () => conn.close();',
      '}',
    ];
    return { imports, topUnits: [fn], label: `amqplib-consumer:${variant}` };
  },

  'sqs-publisher': (cx) => {
    const { E, T, rng } = cx;
    const variant = rng.weighted([['helper', 3], ['manual', 2], ['missing', 3], ['wrongShape', 1], ['payloadTraceId', 1], ['batchMissing', 1]]);
    const imports = (mod) => {
      mod.imp('@aws-sdk/client-sqs', ['SQSClient', 'SendMessageCommand', 'SendMessageBatchCommand']);
      mod.imp('@opentelemetry/api', ['context', 'propagation', 'trace']);
      if (variant === 'helper') mod.imp('trace-propagation-helpers', ['injectMessageAttributes']);
    };
    let body;
    switch (variant) {
      case 'helper':
        body = lines(`
          await this.sqs.send(
            new SendMessageCommand({
              QueueUrl: this.queueUrl,
              MessageBody: JSON.stringify(payload),
              MessageAttributes: injectMessageAttributes({ eventType: { DataType: 'String', StringValue: type } }),
            }),
          );`);
        break;
      case 'manual':
        body = lines(`
          const carrier${T(': Record<string, string>')} = {};
          propagation.inject(context.active(), carrier);
          const MessageAttributes = Object.fromEntries(
            Object.entries(carrier).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
          );
          await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(payload), MessageAttributes }));`);
        break;
      case 'missing':
        body = lines(`
          await this.sqs.send(
            new SendMessageCommand({
              QueueUrl: this.queueUrl,
              MessageBody: JSON.stringify(payload),
              MessageGroupId: ${E.name}.id,
            }),
          );`);
        break;
      case 'wrongShape':
        body = lines(`
          const attrs${T(': Record<string, any>')} = {};
          propagation.inject(context.active(), attrs);
          await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(payload), MessageAttributes: attrs }));`);
        break;
      case 'payloadTraceId':
        body = lines(`
          const spanContext = trace.getActiveSpan()?.spanContext();
          await this.sqs.send(
            new SendMessageCommand({
              QueueUrl: this.queueUrl,
              MessageBody: JSON.stringify({ ...payload, traceId: spanContext?.traceId, spanId: spanContext?.spanId }),
            }),
          );`);
        break;
      case 'batchMissing':
        body = lines(`
          await this.sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: this.queueUrl,
              Entries: [{ Id: '0', MessageBody: JSON.stringify(payload) }],
            }),
          );`);
        break;
    }
    const n = uniq(cx, `enqueue${E.P}`);
    const method = [
      `async ${n}(type${T(': string')}, ${E.name}${T(`: ${E.P}`)})${T(': Promise<void>')} {`,
      `  const payload = { type, id: ${E.name}.id, status: ${E.name}.status };`,
      ...indent(body, 2),
      '}',
    ];
    return {
      imports,
      classHeader: `export class ${E.P}QueueProducer {`,
      head: ctor(cx, [['sqs', 'SQSClient'], ['queueUrl', 'string']]),
      methods: [method],
      label: `sqs:${variant}`,
    };
  },

  'sqs-poller': (cx) => {
    const { E, T, rng } = cx;
    const variant = rng.weighted([['ok', 4], ['noAttributeNames', 2], ['defaultGetter', 2], ['none', 2]]);
    const imports = (mod) => {
      mod.imp('@aws-sdk/client-sqs', ['SQSClient', 'ReceiveMessageCommand', 'DeleteMessageCommand']);
      mod.imp('@aws-sdk/client-sqs', ['Message', 'MessageAttributeValue'], { type: true });
      mod.imp('@opentelemetry/api', ['context', 'propagation', 'ROOT_CONTEXT']);
      mod.imp('@opentelemetry/api', ['TextMapGetter'], { type: true });
    };
    const getter = lines(`
      const sqsAttributeGetter${T(': TextMapGetter<Record<string, MessageAttributeValue>>')} = {
        keys: (carrier) => Object.keys(carrier),
        get: (carrier, key) => carrier[key]?.StringValue,
      };`);
    const input = variant === 'noAttributeNames'
      ? `{ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20 }`
      : `{ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20, MessageAttributeNames: ['${rng.pick(['All', 'traceparent', '.*'])}'] }`;
    let each;
    if (variant === 'none') {
      each = lines(`
        for (const message of out.Messages ?? []) {
          await handle(message);
          await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
        }`);
    } else {
      const getterArg = variant === 'defaultGetter' ? '' : ', sqsAttributeGetter';
      each = lines(`
        for (const message of out.Messages ?? []) {
          const ctx = propagation.extract(ROOT_CONTEXT, message.MessageAttributes ?? {}${getterArg});
          await context.with(ctx, () => handle(message));
          await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
        }`);
    }
    const n = uniq(cx, `poll${E.PP}`);
    const fn = [
      `export async function ${n}(sqs${T(': SQSClient')}, queueUrl${T(': string')}, handle${T(': (m: Message) => Promise<void>')}, signal${T(': AbortSignal')}) {`,
      '  while (!signal.aborted) {',
      `    const out = await sqs.send(new ReceiveMessageCommand(${input}));`,
      ...indent(each, 4),
      '  }',
      '}',
    ];
    return { imports, topUnits: [getter, fn], label: `sqs-consumer:${variant}` };
  },

  'nats-publisher': (cx) => {
    const { E, T, rng } = cx;
    const variant = rng.weighted([['ok', 4], ['helper', 1], ['missing', 3], ['defaultSetter', 2], ['payloadTraceId', 1]]);
    const subject = `${cx.svc}.${E.name}.${rng.pick(['updated', 'created', 'changed'])}`;
    const imports = (mod) => {
      mod.imp('nats', ['connect', 'headers', 'StringCodec']);
      mod.imp('nats', ['NatsConnection'], { type: true });
      mod.imp('@opentelemetry/api', ['context', 'propagation', 'trace']);
      if (variant === 'helper') mod.imp('trace-propagation-helpers', ['injectNatsHeaders']);
    };
    let body;
    switch (variant) {
      case 'ok':
        body = lines(`
          const h = headers();
          propagation.inject(context.active(), h, { set: (c, k, v) => c.set(k, v) });
          this.nc.publish('${subject}', sc.encode(JSON.stringify(payload)), { headers: h });`);
        break;
      case 'helper':
        body = lines(`
          this.nc.publish('${subject}', sc.encode(JSON.stringify(payload)), { headers: injectNatsHeaders(headers()) });`);
        break;
      case 'missing':
        body = lines(`
          this.nc.publish('${subject}', sc.encode(JSON.stringify(payload)));`);
        break;
      case 'defaultSetter':
        body = lines(`
          const h = headers();
          propagation.inject(context.active(), h);
          this.nc.publish('${subject}', sc.encode(JSON.stringify(payload)), { headers: h });`);
        break;
      case 'payloadTraceId':
        body = lines(`
          const h = headers();
          propagation.inject(context.active(), h, { set: (c, k, v) => c.set(k, v) });
          this.nc.publish('${subject}', sc.encode(JSON.stringify({ ...payload, traceparent: trace.getActiveSpan()?.spanContext().traceId })), { headers: h });`);
        break;
    }
    const n = uniq(cx, `announce${E.P}`);
    const method = [
      `${n}(${E.name}${T(`: ${E.P}`)})${T(': void')} {`,
      `  const payload = { id: ${E.name}.id, status: ${E.name}.status, at: new Date().toISOString() };`,
      ...indent(body, 2),
      '}',
    ];
    return {
      imports,
      top: ['const sc = StringCodec();'],
      classHeader: `export class ${E.P}Announcer {`,
      head: ctor(cx, [['nc', 'NatsConnection']]),
      methods: [
        method,
        lines(`
          static async create(servers${T(': string[]')}) {
            return new ${E.P}Announcer(await connect({ servers, name: '${cx.svc}' }));
          }`),
      ],
      label: `nats:${variant}`,
    };
  },

  'nats-subscriber': (cx) => {
    const { E, T, rng } = cx;
    const variant = rng.weighted([['iterOk', 3], ['callbackOk', 2], ['iterNone', 2], ['callbackNone', 2], ['defaultGetter', 1]]);
    const subject = `${rng.pick(SERVICES)}.${E.name}.*`;
    const imports = (mod) => {
      mod.imp('nats', ['StringCodec']);
      mod.imp('nats', ['NatsConnection', 'MsgHdrs'], { type: true });
      mod.imp('@opentelemetry/api', ['context', 'propagation', 'ROOT_CONTEXT']);
      mod.imp('@opentelemetry/api', ['TextMapGetter'], { type: true });
    };
    const getter = lines(`
      const natsGetter${T(': TextMapGetter<MsgHdrs | undefined>')} = {
        keys: (h) => (h ? [...h.keys()] : []),
        get: (h, key) => h?.get(key) || undefined,
      };`);
    let body;
    switch (variant) {
      case 'iterOk':
        body = lines(`
          const sub = nc.subscribe('${subject}', { queue: '${cx.svc}' });
          for await (const m of sub) {
            const ctx = propagation.extract(ROOT_CONTEXT, m.headers, natsGetter);
            await context.with(ctx, () => handle(m.subject, JSON.parse(sc.decode(m.data))));
          }`);
        break;
      case 'callbackOk':
        body = lines(`
          nc.subscribe('${subject}', {
            queue: '${cx.svc}',
            callback: (err, msg) => {
              if (err) return logger.error('subscription error', { err });
              const ctx = propagation.extract(ROOT_CONTEXT, msg.headers, natsGetter);
              context.with(ctx, () => void handle(msg.subject, JSON.parse(sc.decode(msg.data))));
            },
          });`);
        break;
      case 'iterNone':
        body = lines(`
          const sub = nc.subscribe('${subject}');
          for await (const m of sub) {
            logger.debug('nats message', { subject: m.subject, size: m.data.length });
            await handle(m.subject, JSON.parse(sc.decode(m.data)));
          }`);
        break;
      case 'callbackNone':
        body = lines(`
          nc.subscribe('${subject}', {
            callback: (err, msg) => {
              if (err) return;
              void handle(msg.subject, JSON.parse(sc.decode(msg.data)));
            },
          });`);
        break;
      case 'defaultGetter':
        body = lines(`
          const sub = nc.subscribe('${subject}');
          for await (const m of sub) {
            const ctx = propagation.extract(ROOT_CONTEXT, m.headers);
            await context.with(ctx, () => handle(m.subject, JSON.parse(sc.decode(m.data))));
          }`);
        break;
    }
    const n = uniq(cx, `listen${E.PP}`);
    const fn = [
      `export async function ${n}(nc${T(': NatsConnection')}, handle${T(': (subject: string, body: unknown) => Promise<void>')}, logger${T(': Logger')}) {`,
      ...indent(body, 2),
      '}',
    ];
    return { imports, top: ['const sc = StringCodec();'], topUnits: [getter, fn], label: `nats-consumer:${variant}` };
  },
};

function genBroker(cx, target, brokerKind) {
  const mod = new Mod(cx);
  const core = BROKER_KINDS[brokerKind](cx);
  core.imports(mod);
  mod.imp('../logger.js', ['Logger'], { type: true });
  if (core.top) mod.head.push(...core.top);
  for (const u of core.topUnits ?? []) mod.units.push(u);
  if (core.classHeader) {
    // Pad the class with ordinary service methods so the broker code sits in realistic company.
    const methods = [...core.methods];
    const head = core.head;
    const measure = () => mod.lineCount() + head.length + 3 + methods.reduce((s, m) => s + m.length + 1, 0);
    const next = deck(cx.rng, SERVICE_METHODS);
    fill(target, measure, () => next()(cx), (m) => methods.splice(cx.rng.int(0, methods.length), 0, m));
    mod.units.push(renderClass(core.classHeader, head, methods));
  } else {
    const next = deck(cx.rng, UTIL_FUNCS);
    topLevelFill(mod, target, () => next()(cx));
  }
  return { mod, label: core.label };
}

// ---------------------------------------------------------------------------------------------
// Plan and write
// ---------------------------------------------------------------------------------------------

const KIND_WEIGHTS = [
  ['service', 20], ['repository', 12], ['controller', 12], ['dto', 11], ['util', 10], ['handler', 8],
  ['client', 7], ['events', 5], ['middleware', 4], ['job', 4], ['test', 5], ['logger', 1], ['config', 1],
];
const KIND_DIR = {
  service: ['src/services', 'service'],
  repository: ['src/repositories', 'repository'],
  controller: ['src/controllers', 'controller'],
  dto: ['src/dto', 'dto'],
  util: ['src/utils', 'util'],
  handler: ['src/handlers', 'handler'],
  client: ['src/clients', 'client'],
  events: ['src/events', 'events'],
  middleware: ['src/middleware', 'middleware'],
  job: ['src/jobs', 'job'],
  test: ['test', 'spec'],
  logger: ['src/logging', 'logger'],
  config: ['src/config', 'config'],
};
const GENERATORS = {
  service: genService, repository: genRepository, controller: genController, dto: genDto, util: genUtil,
  handler: genHandler, client: genClient, events: genEvents, middleware: genMiddleware, job: genJob,
  test: genTest, logger: genLogger, config: genConfig,
};
const BROKER_KIND_WEIGHTS = [
  ['kafka-producer', 5], ['kafka-consumer', 5], ['amqp-publisher', 3], ['amqp-consumer', 3],
  ['sqs-publisher', 3], ['sqs-poller', 2], ['nats-publisher', 2], ['nats-subscriber', 2],
];

/** Skewed toward small files (median ~100 lines), with a tail up to 300. */
function targetLines(rng) {
  const r = rng.next();
  return Math.round(MIN_LINES + (MAX_LINES - MIN_LINES) * r ** 2);
}

/**
 * Generates the corpus in memory.
 * @returns {{ files: { path: string, text: string, kind: string, broker?: string }[] }}
 */
export function generateCorpus({ seed = DEFAULT_SEED, files = DEFAULT_FILE_COUNT } = {}) {
  const root = new Rng(seed);
  const planRng = root.fork('plan');
  const serviceEntities = new Map(
    SERVICES.map((s) => {
      const r = root.fork(`svc:${s}`);
      return [s, r.sample(Object.keys(ENTITY_DEFS), r.int(3, 6))];
    }),
  );
  const brokerCount = Math.round(files * BROKER_SHARE);
  const shuffled = planRng.shuffle([...Array(files).keys()]);
  const brokerSlots = new Set(shuffled.slice(0, brokerCount));
  // As many service files again reach the broker through the package's shared client and wrappers in other
  // files (src/messaging/shared-client.ts, event-bus.ts), as real services do.
  const wrapperSlots = new Set(shuffled.slice(brokerCount, brokerCount * 2));
  const usedPaths = new Set();
  const out = [];
  for (let i = 0; i < files; i++) {
    const rng = root.fork(`file:${i}`);
    const svc = rng.pick(SERVICES);
    const entityKey = rng.pick(serviceEntities.get(svc));
    const entity = makeEntity(entityKey, rng.fork('entity'));
    const target = targetLines(rng);
    const isBroker = brokerSlots.has(i);
    let kind;
    let brokerKind;
    const usesWrappers = wrapperSlots.has(i);
    if (isBroker) {
      brokerKind = rng.weighted(BROKER_KIND_WEIGHTS);
      kind = 'messaging';
    } else {
      kind = usesWrappers ? 'service' : rng.weighted(KIND_WEIGHTS);
    }
    const ts = kind === 'dto' ? true : !rng.chance(JS_SHARE);
    const cx = makeCx(rng.fork('body'), ts, entity, svc);
    let mod;
    let label;
    if (isBroker) {
      ({ mod, label } = genBroker(cx, target, brokerKind));
    } else {
      mod = GENERATORS[kind](cx, target);
      if (usesWrappers) label = addWrapperUse(mod, cx);
    }
    const [dir, suffix] = isBroker ? ['src/messaging', brokerKind] : KIND_DIR[kind];
    const qualifier = rng.pick(QUALIFIERS);
    const base = `${kebab(entity.name)}${qualifier ? `-${qualifier}` : ''}.${suffix}`;
    let rel = `packages/${svc}/${dir}/${base}.${ts ? 'ts' : 'js'}`;
    for (let n = 2; usedPaths.has(rel); n++) rel = `packages/${svc}/${dir}/${base}-${n}.${ts ? 'ts' : 'js'}`;
    usedPaths.add(rel);
    const headerComment = `// ${svc}: ${kind === 'messaging' ? brokerKind : kind} for ${entity.plural} (generated benchmark corpus, seed ${seed})\n`;
    out.push({ path: rel, text: headerComment + mod.render(), kind, broker: label });
  }
  for (const svc of SERVICES) out.push(...sharedMessagingFiles(svc));
  // A workspace root, so that the project view treats the corpus as one monorepo of its own.
  out.push({ path: 'package.json', text: `${JSON.stringify({ name: 'corpus', private: true, workspaces: ['packages/*'] }, null, 2)}\n`, kind: 'manifest' });
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files: out };
}

/** Each package's manifest, its shared Kafka client module and its publish wrappers (in other files than their users). */
function sharedMessagingFiles(svc) {
  const client = `import { Kafka } from 'kafkajs';

export const kafka = new Kafka({ clientId: '${svc}', brokers: (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(',') });
export const producer = kafka.producer();

export function createConsumer(groupId: string) {
  return kafka.consumer({ groupId });
}
`;
  const bus = `import type { Message } from 'kafkajs';
import { injectTraceHeaders } from 'trace-propagation-helpers';
import { producer } from './shared-client.js';

/** Builds the message itself and never injects. */
export async function publishEvent(topic: string, payload: object): Promise<void> {
  await producer.send({ topic, messages: [{ value: JSON.stringify(payload) }] });
}

/** Sends the caller's message as it is. */
export async function publishMessage(topic: string, message: Message): Promise<void> {
  await producer.send({ topic, messages: [message] });
}

/** Injects for every caller. */
export async function publishTraced(topic: string, payload: object): Promise<void> {
  await producer.send({ topic, messages: [{ value: JSON.stringify(payload), headers: injectTraceHeaders() }] });
}

export class EventBus {
  async emit(topic: string, message: Message): Promise<void> {
    await producer.send({ topic, messages: [message] });
  }
}
`;
  return [
    { path: `packages/${svc}/package.json`, text: `${JSON.stringify({ name: `@corpus/${svc}`, private: true, scripts: { start: 'node dist/main.js' } }, null, 2)}\n`, kind: 'manifest' },
    { path: `packages/${svc}/src/messaging/shared-client.ts`, text: client, kind: 'messaging', broker: 'shared-client' },
    { path: `packages/${svc}/src/messaging/event-bus.ts`, text: bus, kind: 'messaging', broker: 'wrappers' },
  ];
}

/** A service that publishes or consumes through its package's shared client and wrappers. */
function addWrapperUse(mod, cx) {
  const { E, rng, T } = cx;
  const variant = rng.weighted([['eventNoInject', 3], ['messageNoHeaders', 2], ['messageInjected', 2], ['traced', 2], ['tracedTraceId', 1], ['busNoHeaders', 1], ['consumer', 2]]);
  const topic = `${cx.svc}.${E.name}.${rng.pick(['created', 'updated', 'archived'])}`;
  const n = uniq(cx, `${variant}${E.P}`);
  let body;
  switch (variant) {
    case 'eventNoInject':
      mod.imp('../messaging/event-bus.js', ['publishEvent']);
      body = [`await publishEvent('${topic}', { id, at: Date.now() });`];
      break;
    case 'messageNoHeaders':
      mod.imp('../messaging/event-bus.js', ['publishMessage']);
      body = [`await publishMessage('${topic}', { key: id, value: JSON.stringify({ id }) });`];
      break;
    case 'messageInjected':
      mod.imp('../messaging/event-bus.js', ['publishMessage']);
      mod.imp('trace-propagation-helpers', ['injectTraceHeaders']);
      body = [`await publishMessage('${topic}', { key: id, value: JSON.stringify({ id }), headers: injectTraceHeaders() });`];
      break;
    case 'traced':
      mod.imp('../messaging/event-bus.js', ['publishTraced']);
      body = [`await publishTraced('${topic}', { id });`];
      break;
    case 'tracedTraceId':
      mod.imp('../messaging/event-bus.js', ['publishTraced']);
      mod.imp('@opentelemetry/api', ['trace']);
      body = [`await publishTraced('${topic}', { id, traceId: trace.getActiveSpan()?.spanContext().traceId });`];
      break;
    case 'busNoHeaders':
      mod.imp('../messaging/event-bus.js', ['EventBus']);
      body = ['const bus = new EventBus();', `await bus.emit('${topic}', { value: id });`];
      break;
    case 'consumer':
      mod.imp('../messaging/shared-client.js', ['createConsumer']);
      body = [
        `const consumer = createConsumer('${cx.svc}-${E.name}');`,
        `await consumer.subscribe({ topic: '${topic}' });`,
        'await consumer.run({ eachBatch: async ({ batch }) => {',
        '  for (const message of batch.messages) console.log(message.offset);',
        '} });',
      ];
      break;
  }
  mod.units.push([`export async function ${n}(id${T(': string')})${T(': Promise<void>')} {`, ...indent(body, 2), '}']);
  return `wrapper-user:${variant}`;
}

function hashCorpus(files) {
  const h = createHash('sha256');
  for (const f of files) {
    h.update(f.path);
    h.update('\0');
    h.update(f.text);
    h.update('\0');
  }
  return h.digest('hex');
}

function summarize(files) {
  const lineCounts = files.map((f) => f.text.split('\n').length - 1);
  const byKind = {};
  const byBroker = {};
  for (const f of files) {
    byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
    if (f.broker) byBroker[f.broker] = (byBroker[f.broker] ?? 0) + 1;
  }
  return {
    files: files.filter((f) => /\.(ts|js)$/.test(f.path)).length,
    tsFiles: files.filter((f) => f.path.endsWith('.ts')).length,
    jsFiles: files.filter((f) => f.path.endsWith('.js')).length,
    brokerFiles: files.filter((f) => f.broker).length,
    lines: lineCounts.reduce((s, n) => s + n, 0),
    minLines: Math.min(...lineCounts),
    maxLines: Math.max(...lineCounts),
    bytes: files.reduce((s, f) => s + Buffer.byteLength(f.text), 0),
    byKind: Object.fromEntries(Object.entries(byKind).sort()),
    byBroker: Object.fromEntries(Object.entries(byBroker).sort()),
  };
}

export function readManifest(outDir = DEFAULT_OUT_DIR) {
  try {
    return JSON.parse(fs.readFileSync(path.join(outDir, 'manifest.json'), 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Makes sure the corpus for (seed, files) exists in outDir; regenerates when the manifest is
 * missing or differs (or when `force`).
 * @returns {{ manifest: object, generated: boolean, ms: number }}
 */
export function ensureCorpus({ seed = DEFAULT_SEED, files = DEFAULT_FILE_COUNT, outDir = DEFAULT_OUT_DIR, force = false, log = () => {} } = {}) {
  const started = performance.now();
  const existing = readManifest(outDir);
  if (
    !force &&
    existing &&
    existing.seed === seed &&
    existing.version === GENERATOR_VERSION &&
    existing.requestedFiles === files &&
    fs.existsSync(path.join(outDir, 'packages'))
  ) {
    return { manifest: existing, generated: false, ms: performance.now() - started };
  }
  log(`generating corpus: seed=${seed} files=${files} -> ${outDir}`);
  const { files: generated } = generateCorpus({ seed, files });
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const dirs = new Set(generated.map((f) => path.dirname(f.path)));
  for (const d of dirs) fs.mkdirSync(path.join(outDir, d), { recursive: true });
  for (const f of generated) fs.writeFileSync(path.join(outDir, f.path), f.text);
  const manifest = {
    generator: 'bench/generate-corpus.js',
    version: GENERATOR_VERSION,
    seed,
    requestedFiles: files,
    sha256: hashCorpus(generated),
    ...summarize(generated),
  };
  // Written last: a half-written corpus has no manifest and is regenerated next time.
  fs.writeFileSync(path.join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { manifest, generated: true, ms: performance.now() - started };
}

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

function parseArgs(argv) {
  const args = {};
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (m) args[m[1]] = m[2] ?? true;
  }
  return args;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]);
if (isMain) {
  const args = parseArgs(process.argv.slice(2));
  const seed = args.seed !== undefined ? Number(args.seed) : DEFAULT_SEED;
  const files = args.files !== undefined ? Number(args.files) : DEFAULT_FILE_COUNT;
  const outDir = args.out ? path.resolve(String(args.out)) : DEFAULT_OUT_DIR;
  if (args.check) {
    const manifest = readManifest(outDir);
    const { files: regenerated } = generateCorpus({ seed, files });
    const sha = hashCorpus(regenerated);
    const onDisk = createHash('sha256');
    for (const f of regenerated) {
      onDisk.update(f.path);
      onDisk.update('\0');
      onDisk.update(fs.existsSync(path.join(outDir, f.path)) ? fs.readFileSync(path.join(outDir, f.path), 'utf8') : '<missing>');
      onDisk.update('\0');
    }
    const diskSha = onDisk.digest('hex');
    console.log(`regenerated sha256: ${sha}`);
    console.log(`manifest sha256:    ${manifest?.sha256 ?? '(no manifest)'}`);
    console.log(`on-disk sha256:     ${diskSha}`);
    const ok = manifest?.sha256 === sha && diskSha === sha;
    console.log(ok ? 'deterministic: OK' : 'deterministic: MISMATCH');
    process.exit(ok ? 0 : 1);
  }
  const { manifest, generated, ms } = ensureCorpus({ seed, files, outDir, force: Boolean(args.force), log: console.log });
  console.log(
    `${generated ? 'generated' : 'up to date (manifest matches, use --force to rebuild)'}: ${manifest.files} files ` +
      `(${manifest.tsFiles} .ts, ${manifest.jsFiles} .js, ${manifest.brokerFiles} broker), ${manifest.lines} lines, ` +
      `${(manifest.bytes / 1024 / 1024).toFixed(1)} MiB, lines/file ${manifest.minLines}-${manifest.maxLines} in ${ms.toFixed(0)} ms`,
  );
}
