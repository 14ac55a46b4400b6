// dist/cjs holds CommonJS output inside a `"type": "module"` package: a nested package.json says so to Node and
// to TypeScript (its .d.ts files are then read as CommonJS declarations).
import fs from 'node:fs';
fs.writeFileSync(new URL('../dist/cjs/package.json', import.meta.url), '{ "type": "commonjs" }\n');
