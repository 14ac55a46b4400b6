// Rewrites every non-ASCII character of the emitted JavaScript as a `\uXXXX` escape. V8 keeps each loaded module's
// source in memory, and a source with a single non-ASCII character (an arrow or a dash in a comment or a message) is
// held as a two-byte string: escaping halves what those modules weigh. The escape means the same character in a
// string, template, regular expression or comment, and no identifier of ours is non-ASCII.
import fs from 'node:fs';
import path from 'node:path';

const dist = new URL('../dist/', import.meta.url).pathname;
const scripts = fs.readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((name) => /\.(c|m)?js$/.test(name)).map((name) => path.join(dist, name));

for (const file of scripts) {
  const text = fs.readFileSync(file, 'utf8');
  if (!/[^\x00-\x7f]/.test(text)) continue;
  const ascii = text.replace(/[^\x00-\x7f]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
  fs.writeFileSync(file, ascii);
}
