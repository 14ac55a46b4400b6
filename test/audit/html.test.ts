/**
 * The audit's HTML page in real headless Chromium (Debian's `chromium`, driven by puppeteer-core): it renders,
 * shows every topic of the fixture services, marks broken edges visibly (red, dashed), links each site to
 * file:line, and makes no network request at all. The screenshot is kept in test-artifacts/.
 */
import fs from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../src/core/project.js';
import { run } from '../cli/helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const artifacts = path.join(root, 'test-artifacts');

function chromiumPath(): string | undefined {
  for (const candidate of [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const executablePath = chromiumPath();
// Under CI a missing Chromium is a failure (.ci/run installs it), elsewhere the suite says why it is skipped.
const describeChromium = executablePath || process.env['CI'] ? describe : describe.skip;

describeChromium('audit --format html in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    if (!executablePath) throw new Error('chromium is not installed (apt-get install chromium)');
    browser = await puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  }, 60_000);
  afterAll(async () => browser?.close());

  it('renders the topology, every topic, broken edges marked, sites linked, and makes no request', async () => {
    Project.reset();
    await mkdir(artifacts, { recursive: true });
    const page = path.join(artifacts, 'audit.html');
    const result = await run(root, ['audit', 'fixtures/services', '--format', 'html', '--output', page, '--no-eslint-config', '--no-progress']);
    expect(result.code).toBe(0);
    const json = JSON.parse((await run(root, ['audit', 'fixtures/services', '--format', 'json', '--no-eslint-config', '--no-progress'])).out);
    const topics: string[] = json.nodes.filter((n: { type: string }) => n.type === 'destination').map((n: { system: string; name: string; resolved: boolean }) => `${n.system} ${n.resolved ? n.name : `? ${n.name}`}`);
    expect(topics.length).toBeGreaterThan(40);

    const tab = await browser.newPage();
    const requests: string[] = [];
    tab.on('request', (request) => requests.push(request.url()));
    await tab.setViewport({ width: 1200, height: 900 });
    const url = pathToFileURL(page).href;
    await tab.goto(url, { waitUntil: 'load' });

    const seen = await tab.evaluate(() => {
      const svg = document.querySelector('svg#topology')!;
      const box = svg.getBoundingClientRect();
      const labels = [...svg.querySelectorAll('g.node.destination title')].map((t) => t.textContent);
      const broken = [...svg.querySelectorAll('path.edge.broken')].map((p) => {
        const style = getComputedStyle(p);
        return { stroke: style.stroke, dash: style.strokeDasharray };
      });
      const ok = [...svg.querySelectorAll('path.edge.ok')].map((p) => getComputedStyle(p).stroke);
      const links = [...document.querySelectorAll('#sites a')].map((a) => a.textContent);
      return { width: box.width, height: box.height, labels, broken, ok, links, summary: document.querySelector('#summary')!.textContent };
    });
    await tab.screenshot({ path: path.join(artifacts, 'audit-html.png'), fullPage: true });
    await (await tab.$('svg#topology'))!.screenshot({ path: path.join(artifacts, 'audit-html-topology.png') });

    expect(seen.width).toBeGreaterThan(600);
    expect(seen.height).toBeGreaterThan(400);
    expect([...new Set(seen.labels)].sort()).toEqual([...new Set(topics)].sort());
    expect(seen.broken.length).toBe(json.edges.filter((e: { status: string }) => e.status === 'broken').length);
    expect(seen.broken.every((b) => b.stroke === 'rgb(211, 47, 47)' && b.dash !== 'none')).toBe(true);
    expect(seen.ok.every((s) => s !== 'rgb(211, 47, 47)')).toBe(true);
    expect(seen.links).toContain('kafkajs/order-publisher.ts:56');
    expect(seen.summary).toMatch(/^trace-propagation audit: \d+ publish and \d+ consume sites/);
    // The page itself, and nothing else: no script, style, font or image is fetched.
    expect(requests).toEqual([url]);
    await writeFile(path.join(artifacts, 'audit-html.requests.json'), JSON.stringify(requests, null, 2));
  }, 120_000);
});
