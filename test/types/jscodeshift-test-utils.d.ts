// jscodeshift ships no types for its test utilities; this is the part test/codemods/pairs.test.ts uses.
declare module 'jscodeshift/dist/testUtils.js' {
  export function applyTransform(module: unknown, options: object, input: { path?: string; source: string }, testOptions?: object): string;
}
