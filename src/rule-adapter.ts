/**
 * @fileoverview Turns a rule context into core input and core findings into reports. The only place rules touch
 * ESLint's objects.
 */
import type { ParserServicesWithTypeInformation, TSESLint } from '@typescript-eslint/utils';
import { catalog } from './brokers/index.js';
import { analyze, coverageFor, mayHoldSites, type AnalyzeOptions } from './core/analyze.js';
import type { Node } from './core/ast.js';
import { isCovered, type Finding, type RuleName } from './core/findings.js';
import { suggestionEdits } from './core/fixes.js';
import type { ScopeManagerLike, SourceInput } from './core/resolve.js';
import { typeServices } from './core/types.js';
import { HELPERS_MODULE, type HelperTarget } from './core/otel.js';
import type { SharedOptions } from './options.js';
import { eslintSettings, helperTargetFor } from './settings.js';
import { conventionsFile } from './conventions.js';
import { Project } from './core/project.js';

/** A suggestion's label with the team's export names (`injectTraceHeaders(headers)` → `withTrace(headers)`). */
function helperLabel(label: string, target: HelperTarget | undefined): string {
  if (!target) return label;
  return label.replace(/^[A-Za-z_$][\w$]*/, (name) => target.names[name] ?? name);
}

/**
 * What our rules share about the file ESLint is linting: the pre-filter's answer, the nodes gathered during
 * ESLint's traversal, and the core's input. ESLint lints one file at a time, creating every rule before traversing
 * and running every `Program:exit` after, so one slot is enough. It is not a table keyed by ESLint's per-file
 * objects: tables like that kept whole syntax trees alive through garbage collections (see bench/README.md). The
 * slot drops what it derived when the last of our rules is done with the file, and keeps only the `SourceCode`,
 * which ESLint's linter itself keeps until the next file.
 */
interface LintedFile {
  sourceCode: object;
  holds: boolean;
  /** Rules created for this file that have not yet run `Program:exit`. */
  open: number;
  candidates?: Node[];
  inputs: { typed?: SourceInput; untyped?: SourceInput };
}

let current: LintedFile | undefined;

/** The shared state for the context's file (the pre-filter is asked once per file however many rules run on it). */
function lintedFile(context: Readonly<TSESLint.RuleContext<string, readonly unknown[]>>): LintedFile {
  const sourceCode = context.sourceCode;
  if (current?.sourceCode === sourceCode) return current;
  const filename = context.physicalFilename ?? context.filename;
  current = {
    sourceCode,
    holds: mayHoldSites(sourceCode.text, filename, catalog, crossFileSetting(context), sourceCode.ast as never),
    open: 0,
    inputs: {},
  };
  return current;
}

function sourceInput(context: Readonly<TSESLint.RuleContext<string, readonly unknown[]>>, typed: boolean, file: LintedFile): SourceInput {
  const sourceCode = context.sourceCode;
  const key = typed ? 'typed' : 'untyped';
  let input = file.inputs[key];
  if (input) return input;
  input = {
    ast: sourceCode.ast,
    scopeManager: sourceCode.scopeManager as unknown as ScopeManagerLike,
    visitorKeys: sourceCode.visitorKeys,
    text: sourceCode.text,
    types: typed ? typeServices(typedServices(context), catalog) : undefined,
    filename: context.physicalFilename ?? context.filename,
    crossFile: crossFileSetting(context),
    candidates: file.candidates,
  };
  if (file.open > 0) file.inputs[key] = input;
  return input;
}

/** `settings['trace-propagation'].crossFile: false` limits the analysis to the linted file. */
function crossFileSetting(context: Readonly<TSESLint.RuleContext<string, readonly unknown[]>>): boolean {
  return eslintSettings(context.settings).crossFile !== false;
}

/**
 * The rule's options over the shared settings: `autoInstrumented` key by key, `injectors` and `extractors` added
 * together, and the helpers' module and names (for recognition and for the suggestions) from the settings.
 */
function effectiveOptions(context: Readonly<TSESLint.RuleContext<string, readonly unknown[]>>, options: SharedOptions & AnalyzeOptions): SharedOptions & AnalyzeOptions {
  const settings = eslintSettings(context.settings);
  const union = (a?: readonly string[], b?: readonly string[]) => (a?.length ? (b?.length ? [...new Set([...a, ...b])] : a) : b);
  return {
    ...options,
    autoInstrumented: settings.autoInstrumented ? { ...settings.autoInstrumented, ...options.autoInstrumented } : options.autoInstrumented,
    injectors: union(settings.injectors, options.injectors),
    extractors: union(settings.extractors, options.extractors),
    helpers: options.helpers ?? helperTargetFor(settings, context.physicalFilename ?? context.filename, context.cwd),
  };
}

/** The parser's type services, or a clear error naming the missing setting. */
function typedServices(context: Readonly<TSESLint.RuleContext<string, readonly unknown[]>>): ParserServicesWithTypeInformation {
  const services = context.sourceCode.parserServices as Partial<ParserServicesWithTypeInformation> | undefined;
  if (!services?.program || !services.esTreeNodeToTSNodeMap) {
    throw new Error(
      `${context.id}: the option useTypeInformation needs type information, but ${context.filename} was parsed without it. ` +
        'Use @typescript-eslint/parser with parserOptions.projectService: true (configs["recommended-type-checked"] does), or set useTypeInformation: false.',
    );
  }
  return services as ParserServicesWithTypeInformation;
}

/** Runs the core for one rule and reports what it finds, minus what declared instrumentation covers. */
export function reportFindings<MessageIds extends string>(
  context: Readonly<TSESLint.RuleContext<MessageIds, readonly unknown[]>>,
  rule: RuleName,
  ruleOptions: SharedOptions & AnalyzeOptions,
  extra?: (finding: Finding) => Partial<TSESLint.ReportDescriptor<MessageIds>>,
): void {
  const typed = ruleOptions.useTypeInformation === true;
  // Fast path for the great majority of files: nothing allocated, nothing cached (the settings are validated here
  // too, once per settings object, so that a mistake shows on any file).
  const file = lintedFile(context as never);
  if (!typed && !file.holds) return;
  const options = effectiveOptions(context as never, ruleOptions);
  if (rule === 'require-correlation-id' || rule === 'consumer-span-conventions') {
    // Only these rules read the conventions (settings, else trace-conventions.yaml at the project root).
    const filename = context.physicalFilename ?? context.filename;
    options.conventions = eslintSettings(context.settings).conventions ?? conventionsFile(Project.forFile(filename)?.root ?? context.cwd);
  }
  const input = sourceInput(context as never, typed, file);
  const findings = analyze(input, rule, options);
  if (findings.length === 0) return;
  const coverage = coverageFor(input, options.autoInstrumented);
  for (const finding of findings) {
    if (isCovered(finding, coverage.active)) continue;
    const hint = finding.fix;
    const { data: extraData, ...extraDescriptor } = (extra?.(finding) ?? {}) as Partial<TSESLint.ReportDescriptor<MessageIds>> & { data?: Record<string, unknown> };
    context.report({
      node: finding.node as Node,
      messageId: finding.messageId as MessageIds,
      data: { ...finding.data, ...extraData, ...(typeof extraData?.['helper'] === 'string' ? { helper: helperLabel(extraData['helper'], options.helpers) } : {}), coverage: coverage.note(finding) },
      suggest: hint
        ? [{
            messageId: 'useHelper' as MessageIds,
            data: { helper: helperLabel(hint.label, options.helpers), module: options.helpers?.module ?? HELPERS_MODULE },
            fix: (fixer: TSESLint.RuleFixer) => suggestionEdits(input, hint, options.helpers).map((edit) => fixer.replaceTextRange(edit.range, edit.text)),
          }]
        : undefined,
      ...extraDescriptor,
    } as TSESLint.ReportDescriptor<MessageIds>);
  }
}

/**
 * A rule's listeners. A file the pre-filter rules out gets none (most files). Otherwise the first of our rules
 * created for the file gathers the nodes the core looks at while ESLint traverses the tree (so the core does not
 * walk it a second time), and every rule reports at `Program:exit`.
 */
export function ruleListeners<MessageIds extends string>(
  context: Readonly<TSESLint.RuleContext<MessageIds, readonly unknown[]>>,
  rule: RuleName,
  ruleOptions: SharedOptions & AnalyzeOptions,
  extra?: (finding: Finding) => Partial<TSESLint.ReportDescriptor<MessageIds>>,
): TSESLint.RuleListener {
  const file = lintedFile(context as never);
  if (ruleOptions.useTypeInformation !== true && !file.holds) return {};
  const listeners: TSESLint.RuleListener = {
    'Program:exit'() {
      try {
        reportFindings(context, rule, ruleOptions, extra);
      } finally {
        // The last of our rules done with the file lets go of what was derived from its tree.
        if (--file.open === 0) {
          file.candidates = undefined;
          file.inputs = {};
        }
      }
    },
  };
  if (file.open === 0 && !file.candidates) {
    const nodes: Node[] = [];
    file.candidates = nodes;
    const gather = (node: Node): void => {
      nodes.push(node);
    };
    listeners.CallExpression = gather;
    listeners.NewExpression = gather;
    listeners.ForOfStatement = gather;
    listeners.MethodDefinition = gather;
  }
  file.open++;
  return listeners;
}
