/**
 * @fileoverview The codemod engine: parses a file, asks the detection core for findings (the very findings the
 * rules report), applies the fix each one carries, and repeats until nothing fixable remains. Sites without a
 * safe fix are left untouched and returned with the reason. The output is re-parsed before it is returned, so
 * a caller never writes a half-transformed or broken file.
 */
import path from 'node:path';
import type { ParserServicesWithTypeInformation, TSESTree } from '@typescript-eslint/utils';
import { catalog, type Instrumentation } from '../brokers/index.js';
import { analyze, coverageFor, mayHoldSites, mentionsBroker } from '../core/analyze.js';
import { NEEDS_TYPESCRIPT_ESLINT, typeScriptParser } from '../core/parsers.js';
import { parseSource, parsesJsx } from '../core/project.js';
import { isCovered, type Finding, type RuleName } from '../core/findings.js';
import { applyEdits, importEdits, unusedImportEdits, unusedVariableEdits, type Edit, type Requirement } from '../core/fixes.js';
import type { HelperTarget } from '../core/otel.js';
import type { ScopeManagerLike, SourceInput } from '../core/resolve.js';
import { helperTargetFor } from '../settings.js';
import { typeServices } from '../core/types.js';
import type { Conventions } from '../core/conventions.js';

export type CodemodName = 'add-header-injection' | 'add-context-extraction' | 'move-trace-ids-to-headers' | 'add-correlation-propagation' | 'all';

export interface CodemodInfo {
  name: CodemodName;
  title: string;
  rules: readonly RuleName[];
}

export const codemods: readonly CodemodInfo[] = [
  { name: 'add-header-injection', title: 'Inject the active trace context into the headers/attributes of every publish', rules: ['require-header-injection'] },
  { name: 'add-context-extraction', title: 'Run consumer handlers inside the context extracted from each message', rules: ['require-context-extraction'] },
  { name: 'move-trace-ids-to-headers', title: 'Remove trace IDs from payloads and propagate them through headers', rules: ['no-payload-trace-ids'] },
  { name: 'add-correlation-propagation', title: 'Forward the correlation ID and set the causation ID on publishes inside handlers; add one at the boundary', rules: ['require-correlation-id'] },
  { name: 'all', title: 'All in one pass (add-correlation-propagation too when the strict rules are on)', rules: ['require-header-injection', 'require-context-extraction', 'no-payload-trace-ids'] },
];

export interface CodemodOptions {
  /** Module the inserted helpers are imported from (default `trace-propagation-helpers`). */
  helpersModule?: string;
  /** Your export names for our helpers: `{ injectTraceHeaders: 'withTraceHeaders' }`. */
  helperNames?: Readonly<Record<string, string>>;
  /** Instrumentations registered at runtime: what they cover is not rewritten (same option as the rules). */
  autoInstrumented?: Partial<Record<Instrumentation, boolean>>;
  injectors?: readonly string[];
  extractors?: readonly string[];
  /**
   * Also recognise clients by their TypeScript types (the `useTypeInformation` rule option), through the project
   * service of typescript-eslint, as typed linting does: files need a tsconfig.json that includes them. Files
   * are then parsed even when they name no broker package (a client may come typed from another module).
   */
  useTypeInformation?: boolean;
  /** Where tsconfig.json files are looked up from (default: the current directory). */
  tsconfigRootDir?: string;
  /**
   * Remove trace keys from message bodies even when their value is not the active span's or a consumer in the
   * project reads them with a fallback (by default such keys are kept, headers are injected beside them, and the
   * site is listed with the reason).
   */
  dropPayloadIds?: boolean;
  /** `all` also applies add-correlation-propagation (the CLI sets it when the ESLint config turns require-correlation-id on). */
  strict?: boolean;
  /** The conventions require-correlation-id checks against (header names, required IDs). */
  conventions?: Conventions;
}

export interface SiteResult {
  rule: RuleName;
  messageId: string;
  broker: string;
  line: number;
  column: number;
  /** Why the site was left as it is (left sites only). */
  reason?: string;
  /** The file where the fix belongs, when it is another one (a wrapper's module). */
  fixIn?: string;
}

export interface TransformResult {
  /** The new text, or undefined when nothing changed. */
  output: string | undefined;
  fixed: SiteResult[];
  left: SiteResult[];
}

/** The input does not parse: the file is reported and left byte-for-byte unchanged. */
export class ParseError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(`${file}${line ? `:${line}:${column ?? 0}` : ''}: cannot parse: ${reason}`);
  }
}

/** The codemod produced text that does not parse: our bug, never written; the file is left unchanged. */
export class InternalError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: the codemod produced code that does not parse (${reason}); the file was left unchanged. Please report this with the file.`);
  }
}

const MAX_PASSES = 6;

/**
 * Parses with typescript-eslint (scope analysis included); JSX only for .tsx and JavaScript files, so `<T>x` casts
 * keep working in .ts. Without type information, the light parse the project view uses (no tokens or comments:
 * no fix reads them); with it, the full parser for its services.
 */
export function parseFile(filePath: string, source: string, typed?: { tsconfigRootDir: string }): SourceInput {
  try {
    if (!typed) {
      const parsed = parseSource(filePath, source, { loc: true, lib: true });
      return { ...parsed, scopeManager: parsed.scopeManager as ScopeManagerLike, text: source, filename: path.resolve(filePath) };
    }
    const jsx = parsesJsx(filePath);
    const parser = typeScriptParser();
    if (!parser) throw new ParseError(filePath, `type information ${NEEDS_TYPESCRIPT_ESLINT}`);
    const result = parser.parseForESLint(source, {
      filePath, range: true, loc: true, comment: true, tokens: true, jsx, sourceType: 'module', ecmaVersion: 'latest',
      projectService: true, tsconfigRootDir: typed.tsconfigRootDir,
    });
    const services = result.services as Partial<ParserServicesWithTypeInformation>;
    if (!services.program || !services.esTreeNodeToTSNodeMap) {
      throw new ParseError(filePath, 'no type information: no tsconfig.json includes this file (needed by useTypeInformation)');
    }
    return {
      ast: result.ast as unknown as TSESTree.Program,
      scopeManager: result.scopeManager as unknown as ScopeManagerLike,
      visitorKeys: result.visitorKeys as never,
      text: source,
      types: typeServices(services as ParserServicesWithTypeInformation, catalog),
      filename: path.resolve(filePath),
    };
  } catch (error) {
    if (error instanceof ParseError) throw error;
    const located = error as { lineNumber?: number; column?: number };
    throw new ParseError(filePath, error instanceof Error ? error.message : String(error), located.lineNumber, located.column);
  }
}

/**
 * Whether the project service has a program for the file. A file outside every tsconfig (`webpack.config.js`, a
 * script) gets the syntactic analysis instead of failing the run; a file that does not parse still throws.
 */
function typedInput(filePath: string, source: string, typed: { tsconfigRootDir: string }): SourceInput | undefined {
  try {
    return parseFile(filePath, source, typed);
  } catch (error) {
    if (error instanceof ParseError && /no type information|not found by the project service|not included in|was not found/i.test(error.reason)) return undefined;
    throw error;
  }
}

/** The cheap pre-filter: a file that names no broker package is never parsed. */
export { mayHoldSites, mentionsBroker };

export function helperTarget(options: CodemodOptions): HelperTarget | undefined {
  // The CLI has already written a relative helpersModule relative to the file (optionsForFile).
  return helperTargetFor(options, undefined, '');
}

/** Runs one codemod on one file's text. Throws ParseError when the input does not parse. */
export function transformSource(name: CodemodName, filePath: string, source: string, options: CodemodOptions = {}): TransformResult {
  const info = codemods.find((c) => c.name === name);
  if (!info) throw new Error(`unknown codemod '${name}'`);
  let typed = options.useTypeInformation ? { tsconfigRootDir: options.tsconfigRootDir ?? process.cwd() } : undefined;
  let first = typed && typedInput(filePath, source, typed);
  if (typed && !first) typed = undefined; // outside every tsconfig: the syntactic analysis
  if (!typed && !mayHoldSites(source, path.resolve(filePath))) return { output: undefined, fixed: [], left: [] };
  const helpers = helperTarget(options);
  const analyzeOptions = { injectors: options.injectors, extractors: options.extractors, helpers, conventions: options.conventions };
  let text = source;
  let initial: SourceInput | undefined;
  const fixed: SiteResult[] = [];
  let left: SiteResult[] = [];
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const input = first ?? parseFile(filePath, text, typed);
    first = undefined;
    initial ??= input;
    const findings = selectFindings(input, info, analyzeOptions, options);
    const edits: Edit[] = [];
    const requirements: Requirement[] = [];
    const plans: Array<{ finding: Finding; edits: (local: (r: Requirement) => string) => Edit[] }> = [];
    left = [];
    for (const finding of findings) {
      if (!finding.fix) {
        left.push(site(finding, finding.reason ?? 'no safe automatic fix'));
        continue;
      }
      const risk = options.dropPayloadIds ? undefined : finding.contractRisk?.();
      if (risk) {
        left.push(site(finding, risk));
        continue;
      }
      plans.push({ finding, edits: finding.fix.edits });
      requirements.push(...finding.fix.requires);
    }
    if (plans.length === 0) break;
    const imports = importEdits(input, requirements, helpers);
    for (const plan of plans) {
      const planned = plan.edits(imports.local);
      if (planned.some((e) => overlaps(e, edits))) continue; // applied in a later pass, on the new text
      edits.push(...planned);
      fixed.push(site(plan.finding));
    }
    text = applyEdits(text, [...edits, ...imports.edits]);
  }
  if (text !== source) {
    // Never hand back text that does not parse; imports only the rewrite made unused go.
    try {
      const rewritten = parseFile(filePath, text, typed);
      const cleaned = withoutUnused(initial!, rewritten, text, (t) => parseFile(filePath, t, typed));
      if (cleaned !== text) {
        parseFile(filePath, cleaned, typed);
        text = cleaned;
      }
    } catch (error) {
      throw new InternalError(filePath, error instanceof ParseError ? `${error.line ?? '?'}:${error.column ?? '?'} ${error.reason}` : String(error));
    }
  }
  return { output: text === source ? undefined : text, fixed, left };
}

/**
 * The text without the declarations and imports the rewrite made unused (declarations first: a removed
 * `const span = trace.getActiveSpan()` can leave `trace` unused); the text as it is when that cleanup cannot be done.
 */
function withoutUnused(before: SourceInput, after: SourceInput, text: string, reparse: (text: string) => SourceInput): string {
  try {
    const variables = unusedVariableEdits(before, after);
    let current = text;
    let parsed = after;
    if (variables.length > 0) {
      current = applyEdits(current, variables);
      parsed = reparse(current);
    }
    const imports = unusedImportEdits(before, parsed);
    return imports.length > 0 ? applyEdits(current, imports) : current;
  } catch {
    return text; // a cleanup, never a reason to fail the file
  }
}

function selectFindings(input: SourceInput, info: CodemodInfo, analyzeOptions: object, options: CodemodOptions): Finding[] {
  const rules = info.name === 'all' && options.strict ? [...info.rules, 'require-correlation-id' as const] : info.rules;
  const findings = rules.flatMap((rule) => analyze(input, rule, analyzeOptions));
  if (info.name === 'move-trace-ids-to-headers') {
    // Removing trace IDs from a payload must not leave the message without propagation: fix those sites' headers too.
    const sites = new Set(findings.map((f) => f.site).filter(Boolean));
    findings.push(...analyze(input, 'require-header-injection', analyzeOptions).filter((f) => f.site && sites.has(f.site)));
  }
  const coverage = coverageFor(input, options.autoInstrumented);
  return findings.filter((f) => !isCovered(f, coverage.active));
}

function site(finding: Finding, reason?: string): SiteResult {
  const { line, column } = finding.node.loc.start;
  return { rule: finding.rule, messageId: finding.messageId, broker: finding.broker.id, line, column: column + 1, ...(reason ? { reason } : {}), ...(finding.fixIn ? { fixIn: finding.fixIn } : {}) };
}

function overlaps(edit: Edit, edits: readonly Edit[]): boolean {
  return edits.some((e) => edit.range[0] < e.range[1] && e.range[0] < edit.range[1]) ||
    edits.some((e) => e.range[0] === e.range[1] && edit.range[0] === edit.range[1] && e.range[0] === edit.range[0]);
}
