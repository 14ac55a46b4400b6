/**
 * @fileoverview One self-contained HTML page: the topology as an inline SVG (publishing services on the left,
 * topics/queues/subjects in the middle, consuming services on the right; broken edges red and dashed), then every
 * edge and site with links to file:line. No script, font, image or style is fetched: the page makes no request.
 */
import type { Audit, GraphEdge, GraphNode } from '../model.js';
import { edgeLabel, nodeLabel, siteDestination, summaryLine } from './text.js';

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface HtmlOptions {
  /** Prefix of file links (`https://github.com/o/r/blob/main/`); default: `file://` URLs under the root. */
  linkBase?: string;
}

export function formatHtml(audit: Audit, options: HtmlOptions = {}): string {
  const base = options.linkBase ?? `file://${audit.root.replace(/\\/g, '/').replace(/\/?$/, '/')}`;
  const link = (file: string, line: number): string => {
    const href = base.startsWith('file:') ? `${base}${encodeURI(file)}` : `${base}${encodeURI(file)}#L${line}`;
    return `<a href="${escapeHtml(href)}">${escapeHtml(file)}:${line}</a>`;
  };
  const byId = new Map(audit.nodes.map((n) => [n.id, n]));
  const rows = audit.edges.map((edge, i) => {
    const where = (edge.broken.length ? edge.broken.map((b) => `${link(b.file, b.line)} ${escapeHtml(b.message)}`) : edge.sites.map((s) => link(s.file, s.line)));
    return `<tr id="edge-${i}" class="${edge.status}"><td>${escapeHtml(nodeLabel(byId.get(edge.from)))}</td><td>${escapeHtml(nodeLabel(byId.get(edge.to)))}</td>` +
      `<td class="status">${escapeHtml(edge.status)}${edge.marks.includes('payload') ? ' <span class="payload">IDs in payload</span>' : ''}</td><td>${where.join('<br>')}</td></tr>`;
  });
  const sites = audit.sites.map((site) => {
    const callers = site.callers.length
      ? `<br><small>${site.callers.length} caller(s): ${site.callers.slice(0, 20).map((c) => link(c.file, c.line)).join(', ')}${site.callers.length > 20 ? ', ...' : ''}</small>`
      : '';
    return `<tr class="${site.status}"><td>${link(site.file, site.line)}</td><td>${escapeHtml(site.service)}</td><td>${site.direction}</td><td>${escapeHtml(site.broker)} ${escapeHtml(site.label)}</td>` +
      `<td>${escapeHtml(siteDestination(site))}</td><td class="status">${escapeHtml(site.status)}${site.payload ? ' <span class="payload">IDs in payload</span>' : ''}${callers}</td></tr>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Trace propagation audit</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1b1f24; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; width: 100%; } td, th { border-bottom: 1px solid #d0d7de; padding: 4px 8px; text-align: left; vertical-align: top; }
tr.broken td.status { color: #d32f2f; font-weight: 600; } tr.ok td.status { color: #1a7f37; } tr.no-headers td.status, tr.auto-instrumented td.status { color: #9a6700; }
.payload { color: #8250df; font-weight: 600; }
svg { border: 1px solid #d0d7de; background: #fff; max-width: 100%; height: auto; }
svg .node rect { fill: #f6f8fa; stroke: #57606a; } svg .node.destination rect { fill: #ddf4ff; stroke: #0969da; } svg .node.unresolved rect { stroke-dasharray: 4 3; }
svg text { font: 12px system-ui, sans-serif; fill: #1b1f24; }
svg path.edge { fill: none; stroke: #57606a; stroke-width: 1.5; } svg path.edge.broken { stroke: #d32f2f; stroke-width: 2.5; stroke-dasharray: 6 4; }
svg path.edge.no-headers { stroke: #bf8700; } svg path.edge.auto-instrumented { stroke: #0969da; } svg path.edge.unverified { stroke: #8c959f; stroke-dasharray: 2 3; }
tr.unverified td.status { color: #57606a; }
.legend span { margin-right: 16px; } .legend .b { color: #d32f2f; } .legend .n { color: #bf8700; } .legend .a { color: #0969da; } .legend .u { color: #57606a; }
</style>
</head>
<body>
<h1>Trace propagation audit</h1>
<p id="summary">${escapeHtml(summaryLine(audit))}</p>
<p class="legend"><span>— injected / extracted</span><span class="b">- - broken</span><span class="a">— auto-instrumented</span><span class="n">— no headers (payload carries context)</span><span class="u">··· unverified (no propagation seen, nothing reported)</span></p>
${topology(audit)}
<h2>Edges</h2>
<table id="edges"><thead><tr><th>From</th><th>To</th><th>Status</th><th>Where</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
<h2>Sites</h2>
<table id="sites"><thead><tr><th>Site</th><th>Service</th><th>Direction</th><th>Call</th><th>Destination</th><th>Status</th></tr></thead><tbody>
${sites.join('\n')}
</tbody></table>
${audit.files.failed.length ? `<h2>Not audited</h2><ul>${audit.files.failed.map((f) => `<li>${escapeHtml(f.file)}: ${escapeHtml(f.reason)}</li>`).join('')}</ul>` : ''}
</body>
</html>
`;
}

const COLUMN_X = [20, 400, 780];
const NODE_WIDTH = 300;
const ROW = 40;

/** Three columns: publishers, destinations, consumers (a service that does both appears on both sides). */
function topology(audit: Audit): string {
  const publishers = new Set<string>();
  const consumers = new Set<string>();
  const destinations = new Set<string>();
  for (const edge of audit.edges) {
    if (edge.direction === 'publish') {
      publishers.add(edge.from);
      destinations.add(edge.to);
    } else {
      destinations.add(edge.from);
      consumers.add(edge.to);
    }
  }
  const byId = new Map(audit.nodes.map((n) => [n.id, n]));
  const sortByName = (ids: Set<string>): string[] => [...ids].sort((a, b) => nodeLabel(byId.get(a)).localeCompare(nodeLabel(byId.get(b))));
  const columns = [sortByName(publishers), sortByName(destinations), sortByName(consumers)];
  const position = columns.map((ids) => new Map(ids.map((id, i) => [id, 40 + i * ROW])));
  const height = Math.max(120, ...columns.map((c) => 60 + c.length * ROW));
  const width = COLUMN_X[2]! + NODE_WIDTH + 20;
  const parts: string[] = [];
  const headings = ['publishes', 'topics, queues, subjects', 'consumes'];
  headings.forEach((h, i) => parts.push(`<text x="${COLUMN_X[i]}" y="20" font-weight="600">${escapeHtml(h)}</text>`));
  audit.edges.forEach((edge: GraphEdge, i) => {
    const [fromColumn, toColumn] = edge.direction === 'publish' ? [0, 1] : [1, 2];
    const y1 = position[fromColumn]!.get(edge.from)! + 14;
    const y2 = position[toColumn]!.get(edge.to)! + 14;
    const x1 = COLUMN_X[fromColumn]! + NODE_WIDTH;
    const x2 = COLUMN_X[toColumn]!;
    const mid = (x1 + x2) / 2;
    parts.push(`<path id="svg-edge-${i}" class="edge ${edge.status}" data-from="${escapeHtml(edge.from)}" data-to="${escapeHtml(edge.to)}" d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}"><title>${escapeHtml(`${nodeLabel(byId.get(edge.from))} → ${nodeLabel(byId.get(edge.to))}: ${edgeLabel(edge)}`)}</title></path>`);
  });
  columns.forEach((ids, column) => {
    for (const id of ids) {
      const node = byId.get(id) as GraphNode;
      const y = position[column]!.get(id)!;
      const label = nodeLabel(node);
      const shown = label.length > 44 ? `${label.slice(0, 41)}...` : label;
      const classes = ['node', node.type, node.type === 'destination' && !node.resolved ? 'unresolved' : ''].filter(Boolean).join(' ');
      parts.push(`<g class="${classes}" data-id="${escapeHtml(id)}"><rect x="${COLUMN_X[column]}" y="${y}" width="${NODE_WIDTH}" height="28" rx="${node.type === 'service' ? 6 : 14}"></rect>` +
        `<text x="${COLUMN_X[column]! + 10}" y="${y + 18}">${escapeHtml(shown)}</text><title>${escapeHtml(label)}</title></g>`);
    }
  });
  return `<svg id="topology" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="propagation topology">\n${parts.join('\n')}\n</svg>`;
}
