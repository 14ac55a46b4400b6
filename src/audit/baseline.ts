/**
 * @fileoverview Baselines: today's findings accepted once, so that CI fails only on new ones. A finding is keyed by
 * its file, rule, message ID and the normalised source line it starts on, never by line number, so the baseline
 * survives edits elsewhere in the file. Keys are counted: two identical lines need two accepted findings.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AuditFinding } from './model.js';

export interface Baseline {
  version: 1;
  findings: Array<{ file: string; rule: string; messageId: string; snippet: string; count: number }>;
}

export class BaselineError extends Error {}

function normalise(snippet: string): string {
  return snippet.replace(/\s+/g, ' ').trim();
}

function key(f: { file: string; rule: string; messageId: string; snippet: string }): string {
  return `${f.file}\0${f.rule}\0${f.messageId}\0${normalise(f.snippet)}`;
}

/** A stable fingerprint of a finding (SARIF `partialFingerprints`): file, rule, message ID, normalised snippet. */
export function fingerprint(f: AuditFinding): string {
  return createHash('sha256').update(key(f)).digest('hex').slice(0, 32);
}

export function createBaseline(findings: readonly AuditFinding[]): Baseline {
  const counts = new Map<string, { f: AuditFinding; count: number }>();
  for (const f of findings) {
    const entry = counts.get(key(f));
    if (entry) entry.count++;
    else counts.set(key(f), { f, count: 1 });
  }
  const entries = [...counts.values()].map(({ f, count }) => ({ file: f.file, rule: f.rule, messageId: f.messageId, snippet: normalise(f.snippet), count }));
  entries.sort((a, b) => a.file.localeCompare(b.file) || a.rule.localeCompare(b.rule) || a.snippet.localeCompare(b.snippet));
  return { version: 1, findings: entries };
}

export async function readBaseline(file: string): Promise<Baseline> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new BaselineError(`${file}: cannot read the baseline: ${(error as Error).message}`);
  }
  const b = json as Partial<Baseline>;
  if (!b || b.version !== 1 || !Array.isArray(b.findings) || b.findings.some((f) => typeof f?.file !== 'string' || typeof f.rule !== 'string' || typeof f.snippet !== 'string' || typeof f.messageId !== 'string')) {
    throw new BaselineError(`${file}: not a trace-propagation baseline (expected {"version": 1, "findings": [...]}, written by --update-baseline)`);
  }
  return b as Baseline;
}

/** The findings the baseline does not account for. */
export function newFindings(findings: readonly AuditFinding[], baseline: Baseline | undefined): AuditFinding[] {
  if (!baseline) return [...findings];
  const left = new Map<string, number>();
  for (const f of baseline.findings) left.set(key(f), (left.get(key(f)) ?? 0) + (typeof f.count === 'number' && f.count > 0 ? f.count : 1));
  return findings.filter((f) => {
    const n = left.get(key(f)) ?? 0;
    if (n === 0) return true;
    left.set(key(f), n - 1);
    return false;
  });
}
