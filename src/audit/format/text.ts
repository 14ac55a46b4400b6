/**
 * @fileoverview Plain renderings of the audit: the terminal table (colour on a TTY), JSON, Markdown for PR
 * comments, and the Mermaid graph (which the Markdown and the HTML page embed too).
 */
import type { Audit, AuditSite, GraphEdge, GraphNode, Status } from '../model.js';

const STATUS_TEXT: Readonly<Record<Status, string>> = {
  ok: 'ok',
  unverified: 'unverified (no propagation seen)',
  'auto-instrumented': 'auto-instrumented',
  broken: 'BROKEN',
  'no-headers': 'no headers (payload carries context)',
};

export function siteDestination(site: Pick<AuditSite, 'destinations'>): string {
  if (site.destinations.length === 0) return '(not stated)';
  return site.destinations.map((d) => (d.name !== undefined ? d.name : `? ${d.text}`)).join(', ');
}

export function nodeLabel(node: GraphNode | undefined): string {
  if (!node) return '?';
  return node.type === 'service' ? node.name : `${node.system} ${node.resolved ? node.name : `? ${node.name}`}`;
}

export function summaryLine(audit: Audit): string {
  const s = audit.summary;
  const parts = [
    `${s.publish} publish and ${s.consume} consume site${s.consume === 1 ? '' : 's'}`,
    `${s.services} service${s.services === 1 ? '' : 's'}`,
    `${s.destinations} destination${s.destinations === 1 ? '' : 's'}${s.unresolved ? ` (${s.unresolved} unresolved)` : ''}`,
    `${s.edges} edge${s.edges === 1 ? '' : 's'}: ${s.broken} broken, ${s.payload} with IDs in payloads`,
  ];
  const left = [`${audit.files.tests} test and sample files`, ...(audit.files.generated ? [`${audit.files.generated} compiled files`] : [])].join(', ');
  return `trace-propagation audit: ${parts.join(', ')}; ${audit.files.audited} files (${left} left out)${audit.files.failed.length ? `, ${audit.files.failed.length} could not be read or parsed` : ''}.`;
}

export function formatTable(audit: Audit, colour: boolean): string {
  const paint = (code: number, text: string): string => (colour ? `\u001b[${code}m${text}\u001b[39m` : text);
  const statusText = (status: Status): string => {
    const text = STATUS_TEXT[status];
    return status === 'broken' ? paint(31, text) : status === 'ok' ? paint(32, text) : paint(33, text);
  };
  const byId = new Map(audit.nodes.map((n) => [n.id, n]));
  const rows: string[][] = [['FROM', 'TO', 'STATUS', 'WHERE']];
  const plain: string[][] = [rows[0]!];
  for (const edge of audit.edges) {
    const where = `${edge.sites[0]!.file}:${edge.sites[0]!.line}${edge.sites.length > 1 ? ` (+${edge.sites.length - 1})` : ''}`;
    const status = `${STATUS_TEXT[edge.status]}${edge.marks.includes('payload') ? ' +payload IDs' : ''}`;
    plain.push([nodeLabel(byId.get(edge.from)), nodeLabel(byId.get(edge.to)), status, where]);
    rows.push([nodeLabel(byId.get(edge.from)), nodeLabel(byId.get(edge.to)), `${statusText(edge.status)}${edge.marks.includes('payload') ? paint(35, ' +payload IDs') : ''}`, where]);
  }
  const widths = plain[0]!.map((_, i) => Math.min(60, Math.max(...plain.map((r) => r[i]!.length))));
  const lines = rows.map((row, r) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(Math.max(1, widths[i]! - plain[r]![i]!.length + 2)))).join('').trimEnd());
  const out = [lines[0]!, ...lines.slice(1)];
  const broken = audit.edges.filter((e) => e.status === 'broken');
  if (broken.length > 0) {
    out.push('', 'Where the trace breaks:');
    const seen = new Set<string>();
    for (const edge of broken) {
      for (const b of edge.broken) {
        const key = `${b.file}:${b.line}:${b.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(`  ${b.file}:${b.line}  ${b.message}`);
      }
    }
  }
  if (audit.files.failed.length > 0) {
    out.push('', 'Not audited:');
    for (const f of audit.files.failed) out.push(`  ${f.file}: ${f.reason}`);
  }
  out.push('', summaryLine(audit));
  return `${out.join('\n')}\n`;
}

export function formatJson(audit: Audit): string {
  return `${JSON.stringify({ version: 1, ...audit }, null, 2)}\n`;
}

/** A Mermaid flowchart: services as rounded boxes, destinations as stadiums, broken edges red and dashed. */
export function formatMermaid(audit: Audit): string {
  const ids = new Map(audit.nodes.map((n, i) => [n.id, `${n.type === 'service' ? 's' : 'd'}${i}`]));
  const label = (text: string): string => text.replace(/["<>]/g, (c) => ({ '"': '#quot;', '<': '#lt;', '>': '#gt;' })[c]!);
  const lines = ['flowchart LR'];
  for (const node of audit.nodes) {
    const id = ids.get(node.id)!;
    lines.push(node.type === 'service' ? `  ${id}("${label(node.name)}")` : `  ${id}(["${label(nodeLabel(node))}"])`);
  }
  const brokenLinks: number[] = [];
  const headerless: number[] = [];
  const unverified: number[] = [];
  audit.edges.forEach((edge, i) => {
    const text = edgeLabel(edge);
    const arrow = edge.status === 'broken' ? '-.->' : '-->';
    lines.push(`  ${ids.get(edge.from)} ${arrow}|"${label(text)}"| ${ids.get(edge.to)}`);
    if (edge.status === 'broken') brokenLinks.push(i);
    else if (edge.status === 'no-headers') headerless.push(i);
    else if (edge.status === 'unverified') unverified.push(i);
  });
  if (brokenLinks.length) lines.push(`  linkStyle ${brokenLinks.join(',')} stroke:#d32f2f,stroke-width:2px`);
  if (headerless.length) lines.push(`  linkStyle ${headerless.join(',')} stroke:#f9a825`);
  if (unverified.length) lines.push(`  linkStyle ${unverified.join(',')} stroke:#8c959f,stroke-dasharray:2 3`);
  const unresolved = audit.nodes.filter((n) => n.type === 'destination' && !n.resolved).map((n) => ids.get(n.id));
  if (unresolved.length) lines.push(`  classDef unresolved stroke-dasharray: 4 4`, `  class ${unresolved.join(',')} unresolved`);
  return `${lines.join('\n')}\n`;
}

export function edgeLabel(edge: GraphEdge): string {
  const marks = edge.marks.filter((m) => m !== 'broken' || edge.status === 'broken');
  return marks.join(', ');
}

export function formatMarkdown(audit: Audit): string {
  const byId = new Map(audit.nodes.map((n) => [n.id, n]));
  const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const out = ['## Trace propagation audit', '', summaryLine(audit).replace(/^trace-propagation audit: /, ''), ''];
  out.push('| From | To | Status | Where |', '|---|---|---|---|');
  for (const edge of audit.edges) {
    const where = (edge.broken.length ? edge.broken : edge.sites).slice(0, 3).map((s) => `\`${s.file}:${s.line}\``).join(', ');
    const status = edge.status === 'broken' ? '**broken**' : STATUS_TEXT[edge.status];
    out.push(`| ${cell(nodeLabel(byId.get(edge.from)))} | ${cell(nodeLabel(byId.get(edge.to)))} | ${status}${edge.marks.includes('payload') ? ', IDs in payload' : ''} | ${where} |`);
  }
  const findings = audit.sites.flatMap((s) => [...s.findings, ...s.callers.flatMap((c) => c.findings)]);
  if (findings.length > 0) {
    out.push('', '<details><summary>Findings</summary>', '');
    const seen = new Set<string>();
    for (const f of findings) {
      const key = `${f.file}:${f.line}:${f.messageId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(`- \`${f.file}:${f.line}\` (${f.rule}): ${cell(f.message)}`);
    }
    out.push('', '</details>');
  }
  out.push('', '```mermaid', formatMermaid(audit).trimEnd(), '```', '');
  return out.join('\n');
}
