/**
 * The project listing is taken again after its TTL; project-wide results (the call index, bootstrap facts) are
 * recomputed only when a listed source, or a manifest or Dockerfile beside them, was added, removed or modified.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Project } from '../../src/core/project.js';

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  Project.reset();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempProject(): { root: string; project: Project; later: () => void } {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tp-listing-')));
  dirs.push(root);
  fs.writeFileSync(path.join(root, 'package.json'), '{"name":"listing","scripts":{"start":"node dist/main.js"}}\n');
  fs.mkdirSync(path.join(root, 'src'));
  fs.writeFileSync(path.join(root, 'src', 'a.ts'), 'export const a = 1;\n');
  const project = Project.forFile(path.join(root, 'src', 'a.ts'))!;
  let now = Date.now();
  vi.spyOn(Date, 'now').mockImplementation(() => now);
  return { root, project, later: () => { now += 60_000; } };
}

describe('project-wide results across listings', () => {
  it('keeps them when nothing changed, and recomputes them after an edit, a new file or a manifest change', () => {
    const { root, project, later } = tempProject();
    let computed = 0;
    const value = () => project.projectSlot('test', () => ++computed);
    expect(value()).toBe(1);
    later();
    expect(value()).toBe(1);
    expect(project.files()).toEqual([path.join(root, 'src', 'a.ts')]);

    fs.writeFileSync(path.join(root, 'src', 'a.ts'), 'export const a = 12345;\n');
    expect(value()).toBe(1); // within the TTL the listing is trusted
    later();
    expect(value()).toBe(2);

    fs.writeFileSync(path.join(root, 'src', 'b.ts'), 'export const b = 2;\n');
    later();
    expect(value()).toBe(3);
    expect(project.files()).toHaveLength(2);

    fs.writeFileSync(path.join(root, 'package.json'), '{"name":"listing","scripts":{"start":"node -r ./otel.js dist/main.js"}}\n');
    later();
    expect(value()).toBe(4);

    fs.writeFileSync(path.join(root, 'Dockerfile'), 'CMD ["node", "dist/main.js"]\n');
    later();
    expect(value()).toBe(5);

    fs.rmSync(path.join(root, 'src', 'b.ts'));
    later();
    expect(value()).toBe(6);
    later();
    expect(value()).toBe(6);

    // A folder is read again only when it changed: a file added deep down changes its own folder, not its parents.
    fs.mkdirSync(path.join(root, 'src', 'deep'));
    fs.writeFileSync(path.join(root, 'src', 'deep', 'c.ts'), 'export const c = 3;\n');
    later();
    expect(value()).toBe(7);
    const read = vi.spyOn(fs, 'readdirSync');
    fs.writeFileSync(path.join(root, 'src', 'deep', 'd.ts'), 'export const d = 4;\n');
    later();
    expect(value()).toBe(8);
    expect(project.files()).toEqual(['a.ts', 'deep/c.ts', 'deep/d.ts'].map((f) => path.join(root, 'src', f)));
    expect(read.mock.calls.map(([dir]) => String(dir))).toEqual([path.join(root, 'src', 'deep')]);
  });
});

describe('the project a file belongs to', () => {
  it('is the repository a .github folder marks in a copy without its .git, not the nearest package', () => {
    const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tp-root-')));
    dirs.push(root);
    const lambda = path.join(root, 'lambda-code', 'reliability');
    fs.mkdirSync(path.join(lambda, 'src'), { recursive: true });
    fs.writeFileSync(path.join(lambda, 'package.json'), '{"name":"reliability"}\n');
    fs.writeFileSync(path.join(lambda, 'src', 'main.ts'), 'export const a = 1;\n');
    fs.writeFileSync(path.join(root, 'main.tf'), 'resource "aws_lambda_function" "reliability" {}\n');
    expect(Project.forFile(path.join(lambda, 'src', 'main.ts'))!.root).toBe(lambda);
    Project.reset();
    fs.mkdirSync(path.join(root, '.github'));
    const project = Project.forFile(path.join(lambda, 'src', 'main.ts'))!;
    expect(project.root).toBe(root);
    expect(project.markerFiles()).toContain(path.join(root, 'main.tf'));
  });
});
