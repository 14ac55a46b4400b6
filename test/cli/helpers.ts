/**
 * Shared helpers for the CLI tests: temporary directories on the real file system, real git, and `main()` run
 * in-process with captured stdout/stderr.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../src/cli/main.js';

const execFileAsync = promisify(execFile);

export const KAFKA_MISSING_HEADERS =
  "import { Kafka } from 'kafkajs';\n" +
  'const producer = new Kafka({ brokers: [] }).producer();\n' +
  "await producer.send({ topic: 't', messages: [{ value: 'v' }] });\n";

export const NO_BROKER = "import { readFile } from 'node:fs/promises';\nexport const load = () => readFile('x', 'utf8');\n";

/** Mentions kafkajs (so it passes the pre-filter) but is not valid TypeScript. */
export const BROKEN = "import { Kafka } from 'kafkajs';\nconst producer = new Kafka({ brokers: [] }).producer(;\n";

/**
 * Consumers that the engine cannot fix safely (a batch handler without a per-message loop, loops whose body is
 * not a block). Tests that need a site left unfixed use whichever of them the engine leaves.
 */
export const LEFT_CANDIDATES: readonly string[] = [
  "import { Kafka } from 'kafkajs';\n" +
    "const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });\n" +
    'await consumer.run({\n' +
    '  eachBatch: async ({ batch }) => {\n' +
    '    batch.messages.forEach((message) => console.log(message.value));\n' +
    '  },\n' +
    '});\n',
  "import { Kafka } from 'kafkajs';\n" +
    "const consumer = new Kafka({ brokers: [] }).consumer({ groupId: 'g' });\n" +
    'await consumer.run({\n' +
    '  eachBatch: async ({ batch }) => {\n' +
    '    for (const message of batch.messages) console.log(message.value);\n' +
    '  },\n' +
    '});\n',
  "import { connect } from 'nats';\nconst nc = await connect();\nconst sub = nc.subscribe('s');\nfor await (const m of sub) console.log(m.data);\n",
];

export interface Captured {
  out: string;
  err: string;
}

export interface RunResult extends Captured {
  code: number;
}

/**
 * Runs the CLI in-process in `cwd`. `tty` makes stderr look like a terminal (for the progress bar); `both`
 * receives stdout and stderr interleaved, as a terminal would show them.
 */
export async function run(cwd: string, args: string[], { tty = false, guard = false } = {}): Promise<RunResult & { both: string }> {
  const captured = { out: '', err: '', both: '' };
  // Most tests write in scratch folders that are not git work trees, where the CLI refuses to write without
  // --force; `guard: true` runs the CLI exactly as given (the tests of that refusal).
  if (!guard && args[0] === 'codemod' && !args.some((a) => a === '--force' || a === '--dry' || a === '--check') && !(await insideGit(cwd))) args = [...args, '--force'];
  const code = await main(args, {
    cwd,
    stdout: { write: (s: string) => ((captured.both += s), (captured.out += s)) },
    stderr: { write: (s: string) => ((captured.both += s), (captured.err += s)), isTTY: tty },
  });
  return { code, ...captured };
}

const tempDirs: string[] = [];

/** A fresh real directory (realpath'd, so that paths compare equal to what git prints). */
export async function tempDir(): Promise<string> {
  const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'trace-prop-cli-')));
  tempDirs.push(dir);
  return dir;
}

export async function cleanupTempDirs(): Promise<void> {
  await Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** Writes `files` (relative path → content) under `root`, creating directories. */
export async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

/** Reads every file under `root` (relative path → content), `.git` excluded. */
export async function snapshot(root: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(root, full).split(path.sep).join('/');
    if (rel === '.git' || rel.startsWith('.git/')) continue;
    result[rel] = await readFile(full, 'utf8');
  }
  return result;
}

export function read(root: string, rel: string): Promise<string> {
  return readFile(path.join(root, rel), 'utf8');
}

/** Runs real git in `cwd` with a throwaway identity and no signing. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...args], { cwd });
  return stdout;
}

/** `git init` + add everything + commit. */
export async function gitInitCommitted(root: string): Promise<void> {
  await git(root, 'init', '-q');
  await git(root, 'add', '-A');
  await git(root, 'commit', '-q', '-m', 'init', '--allow-empty');
}

async function insideGit(dir: string): Promise<boolean> {
  try {
    await execFileAsync('git', ['rev-parse', '--show-toplevel'], { cwd: dir });
    return true;
  } catch {
    return false;
  }
}
