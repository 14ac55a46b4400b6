/**
 * @fileoverview The audit's model of a repository: every publish and consume site the core finds (through
 * wrappers, shared clients and injected services too), its destinations, its status as the rules judge it, the
 * services the sites belong to, and the graph service → topic/queue/subject → service with each edge marked.
 *
 * Nothing here judges on its own: a site's findings are the rules' findings (the same core calls, the same
 * messages), so what the audit says about a site is exactly what the rule says about it.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import ignore from 'ignore';
import { RECOMMENDED_RULES, ruleMessage } from '../../rules/index.js';
import { catalog } from '../brokers/index.js';
import { onlyTestsCall } from '../core/wrappers.js';
import { analyze, coverageFor, findSites, headerlessSites, mayHoldSites, type AnalyzeOptions, type HeaderlessSite } from '../core/analyze.js';
import { positionOf, type Node } from '../core/ast.js';
import { matchConsumeCall, type ConsumeSite } from '../core/consume.js';
import { consumeDestinations, destinationNodes, publishDestinations, valueOf, type Destination } from '../core/destinations.js';
import { extractionSeen, injectionSeen } from '../core/evidence.js';
import { isCovered, type Finding, type RuleName } from '../core/findings.js';
import type { PropagationNames } from '../core/otel.js';
import { parseSource, readJson } from '../core/project.js';
import type { PublishSite } from '../core/publish.js';
import type { Resolver, ScopeManagerLike, SourceInput } from '../core/resolve.js';
import { isTestFile } from '../core/test-files.js';
import { inputFromProgram } from '../core/types.js';
import type { Instrumentation } from '../brokers/types.js';
import type { RepositoryView, TsProject } from './load.js';

/**
 * How a site or an edge carries the trace: `ok` when injection or extraction is seen, `unverified` when the rules
 * report nothing but no propagation is seen either (the message or the handler goes where the core cannot follow).
 */
export type Status = 'ok' | 'unverified' | 'auto-instrumented' | 'broken' | 'no-headers';

export interface AuditFinding {
  rule: RuleName;
  messageId: string;
  message: string;
  file: string;
  line: number;
  column: number;
  /** The source line the finding starts on, trimmed (baselines key on it). */
  snippet: string;
}

export interface AuditPlace {
  /** Repository-relative, `/`-separated. */
  file: string;
  line: number;
  column: number;
  service: string;
}

/** A call into a publish or consume wrapper: one of the wrapper site's callers. */
export interface AuditCaller extends AuditPlace {
  destinations: Destination[];
  status: Status;
  /** Trace IDs in this caller's payload. */
  payload: boolean;
  findings: AuditFinding[];
}

export interface AuditSite extends AuditPlace {
  id: string;
  direction: 'publish' | 'consume';
  broker: string;
  system: string;
  /** `producer.send()`, `eachMessage`, ... */
  label: string;
  destinations: Destination[];
  status: Status;
  /** Trace IDs written to or read from the payload. */
  payload: boolean;
  findings: AuditFinding[];
  /** The instrumentations that cover this site's findings (auto-instrumented sites). */
  coveredBy?: Instrumentation[];
  /** The transport, for sites on one without headers (`TCP`, `REDIS`, `nats 1.x`). */
  transport?: string;
  /** The site is inside a wrapper (its name) that callers reach. */
  wrapper?: string;
  callers: AuditCaller[];
}

export interface GraphNode {
  id: string;
  type: 'service' | 'destination';
  name: string;
  /** Destinations: the messaging system (`kafka`, `rabbitmq`, ...). */
  system?: string;
  /** Destinations: false when the code does not state the name (it is shown as written). */
  resolved?: boolean;
}

export type Mark = 'injected' | 'extracted' | 'unverified' | 'auto-instrumented' | 'broken' | 'payload' | 'no-headers';

export interface GraphEdge {
  from: string;
  to: string;
  direction: 'publish' | 'consume';
  status: Status;
  marks: Mark[];
  /** The code behind the edge. */
  sites: Array<{ file: string; line: number }>;
  /** Why it is broken, where. */
  broken: Array<{ file: string; line: number; message: string }>;
}

export interface Audit {
  root: string;
  types: boolean;
  /** `tests`: test, benchmark and sample files left out; `generated`: compiled output of the project's own sources. */
  files: { audited: number; parsed: number; tests: number; generated: number; failed: Array<{ file: string; reason: string }> };
  projects: { tsconfigs: number; outside: number };
  sites: AuditSite[];
  nodes: GraphNode[];
  edges: GraphEdge[];
  summary: { publish: number; consume: number; services: number; destinations: number; unresolved: number; edges: number; broken: number; payload: number; findings: number };
}

export interface AuditOptions {
  types: boolean;
  includeTests?: boolean;
  /** Service name → path patterns (gitignore syntax, from the root). */
  services?: Record<string, string[]>;
  autoInstrumented?: Partial<Record<Instrumentation, boolean>>;
  injectors?: readonly string[];
  extractors?: readonly string[];
  onFile?: () => void;
}

/** The audit maps trace propagation: the recommended rules' findings (the strict rules' are the lint's to report). */
const RULES: readonly RuleName[] = RECOMMENDED_RULES;
/** A NestJS client's messaging system, by its kind, or for a plain `ClientProxy` by the record builder it sends. */
const NEST_CLIENT_SYSTEMS: Readonly<Record<string, string>> = { clientKafka: 'kafka', clientRmq: 'rabbitmq', clientNats: 'nats', RmqRecordBuilder: 'rabbitmq', NatsRecordBuilder: 'nats' };

/** Audits the files of a loaded repository. */
export async function audit(view: RepositoryView, allFiles: readonly string[], options: AuditOptions): Promise<Audit> {
  const root = view.root;
  const rel = (file: string): string => path.relative(root, file).split(path.sep).join('/');
  const serviceOf = servicesOf(view, allFiles, options.services);
  const result: Audit = {
    root, types: options.types,
    files: { audited: 0, parsed: 0, tests: 0, generated: 0, failed: [] },
    projects: { tsconfigs: view.projects.length, outside: view.outside.length },
    sites: [], nodes: [], edges: [],
    summary: { publish: 0, consume: 0, services: 0, destinations: 0, unresolved: 0, edges: 0, broken: 0, payload: 0, findings: 0 },
  };
  const sites = new Map<string, AuditSite>();
  /** Calls of a wrapper inside another wrapper: recorded as callers, dropped once every file is read. */
  const intermediate = new Set<string>();
  const callerKeys = new WeakMap<AuditCaller, string>();
  // Every path is mapped, also through chains of wrappers across modules (the rules report one hop of those).
  const analyzeOptions: AnalyzeOptions = { injectors: options.injectors, extractors: options.extractors, everyHop: true };
  const names: PropagationNames = { injectors: options.injectors ?? [], extractors: options.extractors ?? [] };

  const isTest = (file: string): boolean => !options.includeTests && isTestFile(rel(file));
  const present = new Set(allFiles);
  const files = allFiles.filter((file) => {
    if (isCompiledOutput(file, present, view.outDirs)) {
      result.files.generated++;
      return false;
    }
    if (!isTest(file)) return true;
    result.files.tests++;
    return false;
  });
  const wanted = new Set(files);

  // Files grouped by project, so that with --types one program is alive at a time.
  const groups: Array<{ project?: TsProject; files: string[] }> = view.projects.map((project) => ({ project, files: project.files.filter((f) => wanted.has(f)) }));
  groups.push({ files: view.outside.filter((f) => wanted.has(f)) });

  for (const group of groups) {
    for (const file of group.files) {
      result.files.audited++;
      options.onFile?.();
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        result.files.failed.push({ file: rel(file), reason: `cannot read: ${(error as Error).message}` });
        continue;
      }
      // A file that names no broker and imports nothing that reaches one holds no site, typed or not (a client
      // typed from another module is imported from it): it is never converted, so --types pays only for the program.
      if (!mayHoldSites(text, file)) continue;
      const program = options.types && group.project ? view.program(group.project) : undefined;
      let input: SourceInput;
      try {
        input = program ? inputFromProgram(file, text, program, catalog) : syntacticInput(file, text);
      } catch (error) {
        const located = error as { lineNumber?: number; column?: number };
        result.files.failed.push({ file: rel(file), reason: `cannot parse${located.lineNumber ? ` at ${located.lineNumber}:${located.column ?? 0}` : ''}: ${String((error as Error).message).split('\n')[0]}` });
        continue;
      }
      result.files.parsed++;
      try {
        collect(input, file);
      } catch (error) {
        result.files.failed.push({ file: rel(file), reason: `audit failed: ${(error as Error).message}` });
      }
    }
    if (group.project) view.release(group.project);
  }

  function collect(input: SourceInput, file: string): void {
    const found = findSites(input);
    const { resolver } = found;
    const lines = input.text.split('\n');
    const coverage = coverageFor(input, options.autoInstrumented);
    const findings = RULES.flatMap((rule) => analyze(input, rule, analyzeOptions));
    const toAudit = (finding: Finding): AuditFinding => {
      const { line, column } = finding.node.loc.start;
      return {
        rule: finding.rule, messageId: finding.messageId, message: ruleMessage(finding, coverage.note(finding)), file: rel(file), line, column: column + 1,
        snippet: (lines[line - 1] ?? '').trim(),
      };
    };
    // A node of another module (a wrapper's) is placed in that module's text.
    const place = (node: Node, of: Resolver = resolver): AuditPlace => {
      const at = of.file ?? file;
      return { file: rel(at), ...positionOf(of.input.text, node), service: serviceOf(at) };
    };
    const judged = (anchor: Node, seen: boolean): { findings: AuditFinding[]; status: Status; payload: boolean; coveredBy?: Instrumentation[] } => {
      const own = findings.filter((f) => (f.site ?? f.node) === anchor);
      const open = own.filter((f) => !isCovered(f, coverage.active));
      const covered = own.filter((f) => isCovered(f, coverage.active));
      const broken = open.some((f) => f.rule !== 'no-payload-trace-ids');
      const status: Status = broken ? 'broken' : covered.length > 0 ? 'auto-instrumented' : seen ? 'ok' : 'unverified';
      const coveredBy = [...new Set(covered.flatMap((f) => f.coveredBy ?? []).filter((name) => coverage.active[name]))];
      return { findings: open.map(toAudit), status, payload: open.some((f) => f.rule === 'no-payload-trace-ids'), ...(coveredBy.length ? { coveredBy } : {}) };
    };

    // One record per site; a call into a wrapper is a caller of the innermost broker call's site (in the wrapper's
    // module). The calls in between (a wrapper calling a wrapper) pass their callers' messages on: their callers
    // are the paths, so they are not paths of their own.
    // `via.view` is built only the first time the wrapper's site is met, not once per caller.
    const record = (view: SiteView, via: { anchor: Node; view: () => SiteView; resolver: Resolver; name?: string } | undefined): void => {
      const verdict = judged(view.anchor, view.seen);
      const { anchor, seen: _seen, ...described } = view;
      if (!via) {
        mergeInto(`${rel(file)}:${anchor.range[0]}`, { ...place(anchor), ...described, ...verdict });
        return;
      }
      const owner = ensure(`${rel(via.resolver.file ?? file)}:${via.anchor.range[0]}`, () => {
        const { anchor: inner, seen: _innerSeen, ...wrapper } = via.view();
        return { ...place(inner, via.resolver), ...wrapper, status: 'ok', payload: false, findings: [] };
      });
      if (via.name) owner.wrapper ??= via.name;
      const caller: AuditCaller = { ...place(anchor), destinations: view.destinations, status: verdict.status, payload: verdict.payload, findings: verdict.findings };
      callerKeys.set(caller, `${rel(file)}:${anchor.range[0]}`);
      owner.callers.push(caller);
    };
    // Code only tests run is left out, as the rules leave it out.
    for (const site of found.publish) {
      if (onlyTestsCall(resolver, site.call)) continue;
      let via: Parameters<typeof record>[1];
      if (site.via) {
        let { resolver: r, inner } = site.via;
        while (inner.via) {
          intermediate.add(`${rel(r.file ?? file)}:${inner.call.range[0]}`);
          ({ resolver: r, inner } = inner.via);
        }
        via = { anchor: inner.call, view: () => publishView(r, inner, names), resolver: r, name: site.via.name };
      }
      record(publishView(resolver, site, names), via);
    }
    for (const site of [...found.consume, ...found.foreign]) {
      if (onlyTestsCall(resolver, site.anchor)) continue;
      const wrapped = site.via;
      const via = wrapped && { anchor: wrapped.inner.anchor, view: () => consumeView(wrapped.resolver, wrapped.inner, names), resolver: wrapped.resolver };
      record(consumeView(resolver, site, names), via);
    }
    // Receive requests without trace attributes (SQS) belong to the pull site on the same call, when there is one.
    // As the rule judges them: a request serving handlers that read SNS envelopes is judged on the envelope instead.
    const requestFindings = findings.filter((f) => found.requests.some((r) => r.site === f.site && r.node === f.node));
    for (const finding of requestFindings) {
      const anchor = finding.site ?? finding.node;
      const key = `${rel(file)}:${anchor.range[0]}`;
      if (isCovered(finding, coverage.active)) continue;
      const existing = sites.get(key);
      if (existing) {
        if (!existing.findings.some((f) => f.messageId === finding.messageId && f.line === finding.node.loc.start.line)) existing.findings.push(toAudit(finding));
        existing.status = 'broken';
      } else if (finding.messageId === 'snsEnvelopeNotExtracted') {
        // Its handler is what a function returns, so no pull site was drawn for the call: this is it.
        const described = anchor.type === 'CallExpression' || anchor.type === 'NewExpression' ? matchConsumeCall(resolver, anchor).find((m) => m.spec.destination) : undefined;
        const destinations = described ? destinationNodes(resolver, anchor, described.spec.destination!, finding.broker.id).map((node) => valueOf(resolver, node)) : [];
        mergeInto(key, {
          ...place(anchor), direction: 'consume', broker: finding.broker.id, system: finding.broker.system, label: finding.data.site ?? '',
          destinations, status: 'broken', payload: false, findings: [toAudit(finding)],
        });
      }
    }
    // A client version without headers (nats 1.x): shown, never judged.
    const withoutHeaders = (view: SiteView, transport: string): void => {
      const { anchor, seen: _seen, ...described } = view;
      mergeInto(`${rel(file)}:${anchor.range[0]}`, { ...place(anchor), ...described, status: 'no-headers', payload: false, findings: [], transport });
    };
    for (const site of found.unjudged.publish) withoutHeaders(publishView(resolver, site, names), `${site.broker.name} 1.x`);
    for (const site of found.unjudged.consume) withoutHeaders(consumeView(resolver, site, names), `${site.broker.name} 1.x`);
    for (const site of headerlessSites(input)) {
      mergeInto(`${rel(file)}:${site.anchor.range[0]}`, {
        ...place(site.anchor), direction: site.direction, broker: site.broker.id, system: site.transport.toLowerCase(), label: site.label,
        destinations: headerlessDestinations(resolver, site), status: 'no-headers', payload: false, findings: [], transport: site.transport,
      });
    }
  }

  function ensure(key: string, make: () => Omit<AuditSite, 'id' | 'callers'>): AuditSite {
    let site = sites.get(key);
    if (!site) {
      site = { id: key, ...make(), callers: [] };
      sites.set(key, site);
    }
    return site;
  }

  /** The wrapper's own site, seen from its file, merged with what its callers already recorded. */
  function mergeInto(key: string, value: Omit<AuditSite, 'id' | 'callers'>): void {
    const existing = sites.get(key);
    if (!existing) {
      sites.set(key, { id: key, ...value, callers: [] });
      return;
    }
    Object.assign(existing, value, { wrapper: existing.wrapper });
  }

  // An intermediate call is no path of its own, but a report the rules make on it (a caller of a wrapper that sends
  // without context) is kept, with the site it reaches.
  for (const site of sites.values()) {
    for (const caller of site.callers) {
      if (!intermediate.has(callerKeys.get(caller)!)) continue;
      for (const finding of caller.findings) if (!site.findings.some((f) => f.file === finding.file && f.line === finding.line && f.messageId === finding.messageId)) site.findings.push(finding);
    }
    site.callers = site.callers.filter((c) => !intermediate.has(callerKeys.get(c)!));
  }
  result.sites = [...sites.values()].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  for (const site of result.sites) site.callers.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  buildGraph(result);
  return result;
}

/**
 * The project's own build output: a JavaScript file beside a TypeScript file of the same name (`tsc` without
 * `outDir`), or under a tsconfig's `outDir`. Its sites are the sources' sites again.
 */
function isCompiledOutput(file: string, present: ReadonlySet<string>, outDirs: readonly string[]): boolean {
  if (outDirs.some((dir) => file.startsWith(dir + path.sep))) return true;
  const match = /\.(m|c)?js$/.exec(file);
  if (!match) return false;
  const stem = file.slice(0, -match[0].length);
  const ts = match[1] === 'm' ? ['.mts'] : match[1] === 'c' ? ['.cts'] : ['.ts', '.tsx'];
  return ts.some((ext) => present.has(stem + ext));
}

function syntacticInput(file: string, text: string): SourceInput {
  const parsed = parseSource(file, text, { loc: true, lib: true });
  return { ...parsed, scopeManager: parsed.scopeManager as ScopeManagerLike, text, filename: file };
}

/** What the audit records of a site, whichever its direction. */
interface SiteView {
  direction: 'publish' | 'consume';
  anchor: Node;
  /** Injection or extraction is seen (see core/evidence.ts). */
  seen: boolean;
  broker: string;
  system: string;
  label: string;
  destinations: Destination[];
}

function publishView(resolver: Resolver, site: PublishSite, names: PropagationNames): SiteView {
  return { direction: 'publish', anchor: site.call, seen: injectionSeen(resolver, site, names), broker: site.broker.id, system: publishSystem(site), label: site.spec.label, destinations: publishDestinations(resolver, site) };
}

function consumeView(resolver: Resolver, site: ConsumeSite, names: PropagationNames): SiteView {
  // A handler imported from another module is read in its module; the registering call, here.
  return { direction: 'consume', anchor: site.anchor, seen: extractionSeen(site.owner ?? resolver, site, names), broker: site.broker.id, system: consumeSystem(site), label: site.spec.label, destinations: consumeDestinations(resolver, site) };
}

function publishSystem(site: PublishSite): string {
  return site.broker.id === 'nestjs' ? NEST_CLIENT_SYSTEMS[site.spec.builder ?? site.spec.on] ?? site.broker.system : site.broker.system;
}

function consumeSystem(site: ConsumeSite): string {
  return (site.contextKind && site.broker.systemByContext?.[site.contextKind]) ?? site.broker.system;
}

function headerlessDestinations(resolver: Resolver, site: HeaderlessSite): Destination[] {
  return site.start ? destinationNodes(resolver, site.start, site.destination, site.broker.id).map((node) => valueOf(resolver, node)) : [];
}

/**
 * The service a file belongs to: a mapping in the settings first, else its package (the nearest folder below the
 * root with a `package.json`, named by it: workspace packages and the services of a repository that keeps several
 * side by side), else its top-level folder, else the repository (its package name or folder name).
 */
function servicesOf(view: RepositoryView, allFiles: readonly string[], mapping: Record<string, string[]> | undefined): (file: string) => string {
  const root = view.root;
  const matchers = Object.entries(mapping ?? {}).map(([name, patterns]) => ({ name, match: ignore().add(patterns) }));
  // Two packages with one name (copied scaffolds) stay two services: the folder tells them apart.
  const manifests = new Map<string, string>();
  for (const file of allFiles) {
    for (let d = path.dirname(file); d.startsWith(root + path.sep) && !manifests.has(d); d = path.dirname(d)) {
      const name = view.packages.get(d) ?? readManifestName(d);
      manifests.set(d, name ?? '');
    }
  }
  const byName = new Map<string, number>();
  for (const name of manifests.values()) if (name) byName.set(name, (byName.get(name) ?? 0) + 1);
  const packageName = (dir: string): string | undefined => {
    const name = manifests.get(dir) ?? view.packages.get(dir) ?? readManifestName(dir);
    if (!name) return undefined;
    return (byName.get(name) ?? 0) > 1 ? `${name} (${path.relative(root, dir).split(path.sep).join('/')})` : name;
  };
  const rootManifest = readManifestName(root);
  const rootName = rootManifest ?? path.basename(root);
  const cache = new Map<string, string>();
  return (file) => {
    const relative = path.relative(root, file).split(path.sep).join('/');
    for (const { name, match } of matchers) if (match.ignores(relative)) return name;
    const dir = path.dirname(file);
    let name = cache.get(dir);
    if (name !== undefined) return name;
    name = rootName;
    for (let d = dir; d.startsWith(root + path.sep); d = path.dirname(d)) {
      const known = packageName(d);
      if (known !== undefined) {
        name = known;
        break;
      }
    }
    if (name === rootName) {
      // `orders/src/x.ts` → orders; `apps/orders/src/x.ts` → orders (a folder of services names none itself).
      const parts = relative.split('/').slice(0, -1);
      const at = CONTAINER_FOLDERS.has(parts[0] ?? '') ? 1 : 0;
      const folder = parts[at];
      if (folder !== undefined && !GENERIC_FOLDERS.has(folder)) name = folder;
    }
    cache.set(dir, name);
    return name;
  };
}

/** Top-level folders that hold several services (each in a folder of its own). */
const CONTAINER_FOLDERS = new Set(['apps', 'services', 'packages', 'libs', 'modules', 'microservices', 'projects', 'workers', 'functions', 'lambdas', 'cmd']);
/** Top-level folders that hold a single service's code rather than name a service. */
const GENERIC_FOLDERS = new Set(['src', 'lib', 'app', 'source', 'server', 'dist', 'build', 'bin', 'scripts', 'config', 'test', 'tests', 'types', 'utils', 'common', 'shared']);

function readManifestName(dir: string): string | undefined {
  const json = readJson(path.join(dir, 'package.json')) as { name?: unknown } | undefined;
  if (!json || typeof json !== 'object') return undefined;
  return typeof json.name === 'string' && json.name ? json.name : path.basename(dir);
}

/** SQS queue URLs and SNS topic ARNs are matched by their last part (producers use one, consumers the other). */
function destinationKey(system: string, name: string): string {
  if (system === 'aws_sqs') return name.replace(/^https?:\/\/[^/]+\/\d+\//, '').replace(/^arn:aws:sqs:[^:]*:[^:]*:/, '');
  if (system === 'aws_sns') return name.replace(/^arn:aws:sns:[^:]*:[^:]*:/, '');
  return name;
}

function buildGraph(result: Audit): void {
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const service = (name: string): string => {
    const id = `service:${name}`;
    if (!nodes.has(id)) nodes.set(id, { id, type: 'service', name });
    return id;
  };
  // An unresolved destination is a node of its own per file: two `queueUrl` variables are not known to be one queue.
  const destination = (system: string, d: Destination | undefined, file: string): string => {
    const resolved = d?.name !== undefined;
    const name = resolved ? destinationKey(system, d!.name!) : d?.text ?? '(not stated)';
    const id = resolved ? `${system}:${name}` : `${system}:?${name}@${file}`;
    if (!nodes.has(id)) nodes.set(id, { id, type: 'destination', name, system, resolved });
    return id;
  };
  const add = (site: AuditSite, place: AuditPlace, destinations: Destination[], status: Status, findings: AuditFinding[], payload: boolean): void => {
    const targets = destinations.length > 0 ? destinations : [undefined];
    for (const d of targets) {
      const topic = destination(site.system, d, place.file);
      const svc = service(place.service);
      const [from, to] = site.direction === 'publish' ? [svc, topic] : [topic, svc];
      const key = `${from}→${to}`;
      let edge = edges.get(key);
      if (!edge) {
        edge = { from, to, direction: site.direction, status: 'ok', marks: [], sites: [], broken: [] };
        edges.set(key, edge);
      }
      edge.sites.push({ file: place.file, line: place.line });
      const marks = new Set(edge.marks);
      if (status === 'broken') {
        marks.add('broken');
        for (const f of findings.filter((x) => x.rule !== 'no-payload-trace-ids')) edge.broken.push({ file: f.file, line: f.line, message: f.message });
      } else if (status === 'no-headers') marks.add('no-headers');
      else if (status === 'auto-instrumented') marks.add('auto-instrumented');
      else if (status === 'unverified') marks.add('unverified');
      else marks.add(site.direction === 'publish' ? 'injected' : 'extracted');
      if (payload) marks.add('payload');
      edge.marks = [...marks].sort();
      edge.status = marks.has('broken') ? 'broken' : marks.has('no-headers') ? 'no-headers' : marks.has('unverified') ? 'unverified' : marks.has('auto-instrumented') ? 'auto-instrumented' : 'ok';
    }
  };
  for (const site of result.sites) {
    if (site.callers.length === 0) {
      add(site, site, site.destinations, site.status, site.findings, site.payload);
      continue;
    }
    // A wrapper: each caller is a path of its own, broken where the caller or the wrapper is.
    for (const caller of site.callers) {
      // Broken on either side breaks the path; propagation seen on either side (the wrapper injects, or the caller
      // hands it injected headers) carries it.
      const either = (s: Status): boolean => caller.status === s || site.status === s;
      const status: Status = either('broken') ? 'broken' : either('ok') ? 'ok' : either('auto-instrumented') ? 'auto-instrumented' : either('no-headers') ? 'no-headers' : 'unverified';
      const findings = [...caller.findings, ...site.findings];
      add(site, caller, caller.destinations.length > 0 ? caller.destinations : site.destinations, status, findings, site.payload || caller.payload);
    }
  }
  result.nodes = [...nodes.values()].sort((a, b) => a.type.localeCompare(b.type) || a.id.localeCompare(b.id));
  result.edges = [...edges.values()].sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  const destinations = result.nodes.filter((n) => n.type === 'destination');
  result.summary = {
    publish: result.sites.filter((s) => s.direction === 'publish').length,
    consume: result.sites.filter((s) => s.direction === 'consume').length,
    services: result.nodes.length - destinations.length,
    destinations: destinations.length,
    unresolved: destinations.filter((n) => !n.resolved).length,
    edges: result.edges.length,
    broken: result.edges.filter((e) => e.status === 'broken').length,
    payload: result.edges.filter((e) => e.marks.includes('payload')).length,
    findings: allFindings(result).length,
  };
}

/** Every finding of the audit (sites' and callers'), once. */
export function allFindings(result: Audit): AuditFinding[] {
  const out: AuditFinding[] = [];
  const seen = new Set<string>();
  for (const site of result.sites) {
    for (const f of [...site.findings, ...site.callers.flatMap((c) => c.findings)]) {
      const key = `${f.file}:${f.line}:${f.column}:${f.rule}:${f.messageId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(f);
    }
  }
  return out;
}
