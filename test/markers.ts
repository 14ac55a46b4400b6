/**
 * The `// expect: rule/messageId[, rule/messageId]` markers of the fixture files: one per expected report, on the
 * line the report must start on.
 */
import fs from 'node:fs';

/** `line:rule/messageId` for every marker in a file. */
export function expectedMarkers(file: string): string[] {
  const out: string[] = [];
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, index) => {
      const match = /\/\/ expect: (.+)$/.exec(text);
      if (!match) return;
      for (const marker of match[1]!.split(',')) out.push(`${index + 1}:${marker.trim()}`);
    });
  return out.sort();
}
