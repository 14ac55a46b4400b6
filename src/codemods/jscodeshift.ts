/**
 * @fileoverview The jscodeshift adapter: `(file, api, options) => string | undefined`. jscodeshift serves only as
 * runner and file walker here; parsing and edits come from the engine, so formatting outside changed lines is
 * kept byte for byte (no reprinting through recast).
 */
import { transformSource, type CodemodName, type CodemodOptions } from './engine.js';

export interface FileInfo {
  path: string;
  source: string;
}

export interface Api {
  report?: (message: string) => void;
}

/** Options as jscodeshift passes them (`--helpersModule=@acme/tracing`, `--helperNames='{"injectTraceHeaders":"x"}'`). */
function normalise(options: Record<string, unknown>): CodemodOptions {
  const json = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);
  return {
    helpersModule: typeof options['helpersModule'] === 'string' ? options['helpersModule'] : undefined,
    helperNames: options['helperNames'] ? (json(options['helperNames']) as Record<string, string>) : undefined,
    autoInstrumented: options['autoInstrumented'] ? (json(options['autoInstrumented']) as CodemodOptions['autoInstrumented']) : undefined,
  };
}

export function jscodeshiftTransform(name: CodemodName) {
  function transform(file: FileInfo, api: Api = {}, options: Record<string, unknown> = {}): string | undefined {
    const result = transformSource(name, file.path, file.source, normalise(options));
    for (const site of result.left) api.report?.(`${file.path}:${site.line}:${site.column} ${site.rule}/${site.messageId} left: ${site.reason}`);
    return result.output;
  }
  return transform;
}
