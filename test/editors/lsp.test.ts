/**
 * The plugin inside the real ESLint language server, spoken to as an editor speaks to it.
 *
 * Starts `vscode-eslint-language-server --stdio` (the vscode-eslint server, from the vscode-langservers-extracted dev
 * dependency, as Neovim, Helix, Zed and Sublime run it) on the fixtures/editor workspace, whose eslint.config.mjs
 * imports the built plugin (dist/src/index.js: `npm test` builds before vitest), and drives it over stdio with a
 * tiny LSP client (Content-Length framing, JSON-RPC). The server declares a static `diagnosticProvider` and never
 * pushes `textDocument/publishDiagnostics`: diagnostics are pulled with `textDocument/diagnostic`, as current
 * clients do. Suggestions come back as code actions carrying an `eslint.applySuggestion` command; executing it makes
 * the server send the edit back in a `workspace/applyEdit` request, which this client applies to its copy of the text.
 *
 * Settings: the server asks for them with `workspace/configuration` (section '') and reads the vscode-eslint
 * extension's defaults. `experimental.useFlatConfig` must stay false with ESLint 10: when true the server loads
 * `eslint/use-at-your-own-risk` and wants a `FlatESLint` export that ESLint 10 no longer has, then validates nothing
 * (an empty diagnostic report, not an error). With it false the server calls `loadESLint({ useFlatConfig })`.
 *
 * The didOpen → first diagnostic and didChange → diagnostic times are printed (not asserted) for the README.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const SERVER = fileURLToPath(new URL('../../node_modules/vscode-langservers-extracted/bin/vscode-eslint-language-server', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/src/index.js', import.meta.url));
const WORKSPACE = fileURLToPath(new URL('../../fixtures/editor/', import.meta.url)).replace(/\/$/, '');
const FILE = `${WORKSPACE}/publish.js`;
const WORKSPACE_URI = pathToFileURL(WORKSPACE).href;
const FILE_URI = pathToFileURL(FILE).href;

const RULE_ID = 'trace-propagation/require-header-injection';
const DOCS_URL = 'https://github.com/trace-propagation/eslint-plugin-trace-propagation/blob/main/rules/require-header-injection.md';

interface Position { line: number; character: number }
interface Range { start: Position; end: Position }
interface TextEdit { range: Range; newText: string }
interface Diagnostic { range: Range; message: string; code?: string | number; source?: string; codeDescription?: { href: string } }
interface Command { title: string; command: string; arguments?: unknown[] }
interface CodeAction { title: string; kind?: string; edit?: WorkspaceEdit; command?: Command }
interface WorkspaceEdit {
  changes?: Record<string, TextEdit[]>;
  documentChanges?: { textDocument: { uri: string }; edits: TextEdit[] }[];
}
interface Message { jsonrpc: '2.0'; id?: number | string; method?: string; params?: unknown; result?: unknown; error?: { code: number; message: string } }

/** What the vscode-eslint extension answers to the server's `workspace/configuration` request, per item. */
const settings = {
  validate: 'on',
  packageManager: 'npm',
  useESLintClass: false,
  useFlatConfig: true,
  experimental: { useFlatConfig: false },
  codeAction: {
    disableRuleComment: { enable: true, location: 'separateLine', commentStyle: 'line' },
    showDocumentation: { enable: true },
  },
  codeActionOnSave: { enable: false, mode: 'all' },
  format: false,
  quiet: false,
  onIgnoredFiles: 'off',
  options: {},
  rulesCustomizations: [],
  run: 'onType',
  problems: { shortenToSingleLine: false },
  nodePath: null,
  workingDirectory: { mode: 'location' },
  workspaceFolder: { uri: WORKSPACE_URI, name: 'editor' },
};

/** A minimal LSP client over the child's stdio. */
class LspClient {
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number | string, { resolve: (value: unknown) => void; reject: (error: Error) => void; method: string }>();
  /** Everything the server logged or notified, for failure messages. */
  readonly log: string[] = [];
  readonly pushed: unknown[] = [];
  /** The edit of the last `workspace/applyEdit` request. */
  appliedEdits: WorkspaceEdit[] = [];

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    child.stderr.on('data', (chunk: Buffer) => this.log.push(`[stderr] ${chunk.toString()}`));
    child.on('exit', (code, signal) => {
      this.log.push(`[exit] code=${code} signal=${signal}`);
      for (const { reject, method } of this.pending.values()) reject(new Error(`server exited before answering ${method}`));
      this.pending.clear();
    });
  }

  request<T>(method: string, params: unknown, timeoutMs = 30_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method} timed out after ${timeoutMs} ms\n${this.log.join('\n')}`));
      }, timeoutMs);
      this.pending.set(id, {
        method,
        resolve: (value) => { clearTimeout(timer); resolve(value as T); },
        reject: (error) => { clearTimeout(timer); reject(error); },
      });
      this.send({ jsonrpc: '2.0', id, method, params });
    });
  }

  notify(method: string, params?: unknown): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  private send(message: Message): void {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    this.child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.child.stdin.write(body);
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const length = /Content-Length: *(\d+)/i.exec(header);
      if (!length) throw new Error(`bad LSP header: ${header}`);
      const start = headerEnd + 4;
      const end = start + Number(length[1]);
      if (this.buffer.length < end) return;
      const message = JSON.parse(this.buffer.subarray(start, end).toString('utf8')) as Message;
      this.buffer = this.buffer.subarray(end);
      this.dispatch(message);
    }
  }

  private dispatch(message: Message): void {
    if (message.method !== undefined && message.id !== undefined) {
      this.send({ jsonrpc: '2.0', id: message.id, result: this.answer(message.method, message.params) });
    } else if (message.method !== undefined) {
      if (message.method === 'textDocument/publishDiagnostics') this.pushed.push(message.params);
      const params = message.params as { message?: string } | undefined;
      this.log.push(`[${message.method}] ${params?.message ?? JSON.stringify(params)}`);
    } else if (message.id !== undefined) {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      if (message.error) pending.reject(new Error(`${pending.method} failed: ${message.error.message}\n${this.log.join('\n')}`));
      else pending.resolve(message.result);
    }
  }

  /** Answers to the server's requests, as the vscode-eslint client gives them. */
  private answer(method: string, params: unknown): unknown {
    this.log.push(`[request ${method}] ${JSON.stringify(params)}`);
    switch (method) {
      case 'workspace/configuration':
        return (params as { items: unknown[] }).items.map(() => settings);
      case 'workspace/applyEdit':
        this.appliedEdits.push((params as { edit: WorkspaceEdit }).edit);
        return { applied: true };
      case 'eslint/confirmESLintExecution':
        return 4; // ConfirmExecutionResult.approved
      case 'eslint/noConfig':
      case 'eslint/noLibrary':
      case 'eslint/probeFailed':
        return {};
      default: // client/registerCapability, window/workDoneProgress/create, workspace/diagnostic/refresh, eslint/openDoc, …
        return null;
    }
  }
}

function offsetAt(text: string, position: Position): number {
  const lines = text.split('\n');
  let offset = 0;
  for (let line = 0; line < position.line; line++) offset += lines[line]!.length + 1;
  return offset + position.character;
}

function applyEdits(text: string, edits: TextEdit[]): string {
  const sorted = edits
    .map((edit) => ({ start: offsetAt(text, edit.range.start), end: offsetAt(text, edit.range.end), newText: edit.newText }))
    .sort((a, b) => b.start - a.start);
  for (const { start, end, newText } of sorted) text = text.slice(0, start) + newText + text.slice(end);
  return text;
}

function editsFor(edit: WorkspaceEdit, uri: string): TextEdit[] {
  return [
    ...(edit.changes?.[uri] ?? []),
    ...(edit.documentChanges ?? []).filter((change) => change.textDocument.uri === uri).flatMap((change) => change.edits),
  ];
}

let child: ChildProcessWithoutNullStreams | undefined;
let client: LspClient | undefined;

async function shutdown(): Promise<void> {
  if (!child || !client) return;
  const proc = child;
  const exited = new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });
  try {
    await client.request('shutdown', null, 5_000);
    client.notify('exit');
  } catch {
    // fall through to the kill below
  }
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
  child = undefined;
  client = undefined;
}

afterAll(shutdown);

describe('vscode-eslint-language-server (real ESLint language server over stdio)', () => {
  it('reports require-header-injection with its docs link and offers the injectTraceHeaders suggestion', async () => {
    expect(existsSync(BUILT), `${BUILT} is missing: run \`npm run build\` first (npm test does)`).toBe(true);
    expect(existsSync(SERVER), `${SERVER} is missing: the vscode-langservers-extracted dev dependency`).toBe(true);

    child = spawn(process.execPath, [SERVER, '--stdio'], { cwd: WORKSPACE, stdio: ['pipe', 'pipe', 'pipe'] });
    client = new LspClient(child);
    const lsp = client;

    const init = await lsp.request<{ capabilities: { diagnosticProvider?: unknown; codeActionProvider?: unknown } }>('initialize', {
      processId: process.pid,
      clientInfo: { name: 'trace-propagation-lsp-test', version: '1' },
      rootUri: WORKSPACE_URI,
      workspaceFolders: [{ uri: WORKSPACE_URI, name: 'editor' }],
      capabilities: {
        workspace: { configuration: true, workspaceFolders: true, applyEdit: true, workspaceEdit: { documentChanges: true }, diagnostics: { refreshSupport: true } },
        textDocument: {
          synchronization: { dynamicRegistration: false, didSave: true },
          diagnostic: { dynamicRegistration: false, relatedDocumentSupport: false },
          publishDiagnostics: { relatedInformation: true, codeDescriptionSupport: true },
          codeAction: {
            codeActionLiteralSupport: { codeActionKind: { valueSet: ['', 'quickfix', 'refactor', 'source', 'source.fixAll'] } },
            isPreferredSupport: true,
          },
        },
        window: { workDoneProgress: true },
      },
    });
    expect(init.capabilities.diagnosticProvider, 'the server offers pull diagnostics').toBeDefined();
    expect(init.capabilities.codeActionProvider).toBeDefined();
    lsp.notify('initialized', {});

    const text = readFileSync(FILE, 'utf8');
    const openedAt = performance.now();
    lsp.notify('textDocument/didOpen', { textDocument: { uri: FILE_URI, languageId: 'javascript', version: 1, text } });
    const first = await lsp.request<{ kind: string; items: Diagnostic[] }>('textDocument/diagnostic', { textDocument: { uri: FILE_URI } });
    const firstMs = performance.now() - openedAt;

    const ours = first.items.filter((d) => d.code === RULE_ID);
    expect(ours, `diagnostics: ${JSON.stringify(first.items)}\nserver log:\n${lsp.log.join('\n')}`).toHaveLength(1);
    const diagnostic = ours[0]!;
    expect(diagnostic.source).toBe('eslint');
    expect(diagnostic.message).toContain('kafkajs:');
    expect(diagnostic.message).toContain('without headers');
    expect(diagnostic.codeDescription?.href).toBe(DOCS_URL);
    expect(diagnostic.range.start.line).toBe(3);

    const actions = await lsp.request<(CodeAction | Command)[]>('textDocument/codeAction', {
      textDocument: { uri: FILE_URI },
      range: diagnostic.range,
      context: { diagnostics: [diagnostic], triggerKind: 1 },
    });
    const suggestion = actions.find((a): a is CodeAction => 'title' in a && a.title.includes('injectTraceHeaders') && a.title.includes(RULE_ID));
    expect(suggestion, `code actions: ${JSON.stringify(actions.map((a) => a.title))}`).toBeDefined();
    expect(suggestion!.title).toContain('Use injectTraceHeaders from trace-propagation-helpers.');

    // vscode-eslint returns the suggestion as a command; the edit comes back in a workspace/applyEdit request.
    let edit = suggestion!.edit;
    const editVia = edit ? 'code action edit' : 'eslint.applySuggestion → workspace/applyEdit';
    if (!edit) {
      expect(suggestion!.command?.command).toBe('eslint.applySuggestion');
      lsp.appliedEdits = [];
      await lsp.request('workspace/executeCommand', { command: suggestion!.command!.command, arguments: suggestion!.command!.arguments });
      expect(lsp.appliedEdits).toHaveLength(1);
      edit = lsp.appliedEdits[0]!;
    }
    const fixed = applyEdits(text, editsFor(edit, FILE_URI));
    expect(fixed).toContain('headers: injectTraceHeaders()');
    expect(fixed).toContain("import { injectTraceHeaders } from 'trace-propagation-helpers'");

    // One keystroke in the comment (full-text change), then pull again: the per-keystroke cost.
    const typed = text.replace('types into this comment.', 'types into this comment..');
    expect(typed).not.toBe(text);
    const changedAt = performance.now();
    lsp.notify('textDocument/didChange', { textDocument: { uri: FILE_URI, version: 2 }, contentChanges: [{ text: typed }] });
    const second = await lsp.request<{ kind: string; items: Diagnostic[] }>('textDocument/diagnostic', { textDocument: { uri: FILE_URI } });
    const secondMs = performance.now() - changedAt;
    expect(second.items.filter((d) => d.code === RULE_ID)).toHaveLength(1);

    console.log(
      `[lsp] pull diagnostics (textDocument/diagnostic; ${lsp.pushed.length} pushed): ` +
        `didOpen → first diagnostic ${firstMs.toFixed(0)} ms (loads ESLint, the config and the plugin), ` +
        `didChange → diagnostic ${secondMs.toFixed(0)} ms (per keystroke); suggestion edit via ${editVia}`,
    );

    lsp.notify('textDocument/didClose', { textDocument: { uri: FILE_URI } });
    await shutdown();
  });
});
